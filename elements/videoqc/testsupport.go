package videoqc

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-video-1.0
#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdlib.h>

// Test support (cgo cannot live in _test.go files): GStreamer's own layout
// for a caps string, and buffers carrying a GstVideoMeta with strides and
// offsets of the test's choosing, as hardware decoders and pools produce.

static int avwt_layout(const char *caps, gsize off[3], gint stride[3], gsize *size, int *planes) {
	GstCaps *c = gst_caps_from_string(caps);
	if (c == NULL) return 0;
	GstVideoInfo info;
	gboolean ok = gst_video_info_from_caps(&info, c);
	gst_caps_unref(c);
	if (!ok) return 0;
	*planes = GST_VIDEO_INFO_N_PLANES(&info);
	for (int i = 0; i < 3; i++) {
		off[i] = i < *planes ? GST_VIDEO_INFO_PLANE_OFFSET(&info, i) : 0;
		stride[i] = i < *planes ? GST_VIDEO_INFO_PLANE_STRIDE(&info, i) : 0;
	}
	*size = GST_VIDEO_INFO_SIZE(&info);
	return 1;
}

static GstBuffer *avwt_buffer(const void *data, gsize n, GstClockTime pts, GstClockTime dur,
		int meta, GstVideoFormat fmt, guint w, guint h, int planes, gsize off[3], gint stride[3]) {
	GstBuffer *b = gst_buffer_new_memdup(data, n);
	GST_BUFFER_PTS(b) = pts;
	GST_BUFFER_DURATION(b) = dur;
	if (meta) gst_buffer_add_video_meta_full(b, GST_VIDEO_FRAME_FLAG_NONE, fmt, w, h, planes, off, stride);
	return b;
}

static GstVideoFormat avwt_format(const char *name) { return gst_video_format_from_string(name); }
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// testLayout is GStreamer's default plane layout for caps.
func testLayout(caps string) (off [3]int, stride [3]int, size, planes int, err error) {
	cs := C.CString(caps)
	defer C.free(unsafe.Pointer(cs))
	var co [3]C.gsize
	var cst [3]C.gint
	var csize C.gsize
	var cp C.int
	if C.avwt_layout(cs, &co[0], &cst[0], &csize, &cp) == 0 {
		return off, stride, 0, 0, fmt.Errorf("no video info for %q", caps)
	}
	for i := range off {
		off[i], stride[i] = int(co[i]), int(cst[i])
	}
	return off, stride, int(csize), int(cp), nil
}

// testBuffer copies data into a new GstBuffer (transfer full to the
// caller), with a GstVideoMeta describing off/stride when meta is set.
func testBuffer(data []byte, pts, dur time.Duration, meta bool, format string, w, h, planes int, off, stride [3]int) unsafe.Pointer {
	fs := C.CString(format)
	defer C.free(unsafe.Pointer(fs))
	var co [3]C.gsize
	var cst [3]C.gint
	for i := range off {
		co[i], cst[i] = C.gsize(off[i]), C.gint(stride[i])
	}
	m := C.int(0)
	if meta {
		m = 1
	}
	return unsafe.Pointer(C.avwt_buffer(unsafe.Pointer(&data[0]), C.gsize(len(data)), C.GstClockTime(pts), C.GstClockTime(dur),
		m, C.avwt_format(fs), C.guint(w), C.guint(h), C.int(planes), &co[0], &cst[0]))
}
