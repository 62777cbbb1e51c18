package videoqc

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-base-1.0 gstreamer-video-1.0
// Called per frame with pointers to locals: without these the locals
// escape to the Go heap, one allocation per frame.
#cgo noescape avw_vqc_times
#cgo nocallback avw_vqc_times
#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>
#include <string.h>
#include <stdlib.h>

// The element's hot path (transform_ip) and its event, caps and state hooks
// are plain C functions installed in the class vtable. They call into Go
// with raw pointers: go-gst's own trampolines allocate wrapper objects on
// every call (and hand virtual methods a nil self), which a per-frame path
// must not do.

extern GstFlowReturn avwVqcTransformIP(GstBaseTransform *trans, GstBuffer *buf);
extern gboolean avwVqcSetCaps(GstBaseTransform *trans, int fmt, int width, int height, int full_range);
extern void avwVqcSinkEvent(GstBaseTransform *trans, int type);
extern void avwVqcStart(GstBaseTransform *trans);
extern void avwVqcStop(GstBaseTransform *trans);

static GstBaseTransformClass *avw_vqc_parent;

// Per-instance C state: the negotiated video info and the mapping of the
// buffer being analysed. Kept in C memory so Go passes no Go pointers.
typedef struct {
	GstVideoInfo info;
	gboolean have_info;
	GstVideoFrame frame;
	guint8 *data[3];
	gint stride[3];
	gsize len[3];
} avw_vqc_state;

static GQuark avw_vqc_quark(void) {
	static GQuark q = 0;
	if (q == 0) q = g_quark_from_static_string("avwatch-videoqc-state");
	return q;
}

static avw_vqc_state *avw_vqc_get(GstBaseTransform *trans) {
	avw_vqc_state *s = g_object_get_qdata(G_OBJECT(trans), avw_vqc_quark());
	if (s == NULL) {
		s = g_new0(avw_vqc_state, 1);
		g_object_set_qdata_full(G_OBJECT(trans), avw_vqc_quark(), s, g_free);
	}
	return s;
}

static GstFlowReturn avw_vqc_transform_ip(GstBaseTransform *trans, GstBuffer *buf) {
	return avwVqcTransformIP(trans, buf);
}

// Formats the element accepts, as the Go side numbers them.
enum { AVW_I420, AVW_YV12, AVW_NV12, AVW_Y42B, AVW_Y444, AVW_GRAY8, AVW_I420_10, AVW_I422_10, AVW_Y444_10, AVW_P010, AVW_OTHER };

static gboolean avw_vqc_set_caps(GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps) {
	avw_vqc_state *s = avw_vqc_get(trans);
	if (!gst_video_info_from_caps(&s->info, incaps)) {
		s->have_info = FALSE;
		return FALSE;
	}
	s->have_info = TRUE;
	int fmt;
	switch (GST_VIDEO_INFO_FORMAT(&s->info)) {
	case GST_VIDEO_FORMAT_I420: fmt = AVW_I420; break;
	case GST_VIDEO_FORMAT_YV12: fmt = AVW_YV12; break;
	case GST_VIDEO_FORMAT_NV12: fmt = AVW_NV12; break;
	case GST_VIDEO_FORMAT_Y42B: fmt = AVW_Y42B; break;
	case GST_VIDEO_FORMAT_Y444: fmt = AVW_Y444; break;
	case GST_VIDEO_FORMAT_GRAY8: fmt = AVW_GRAY8; break;
	case GST_VIDEO_FORMAT_I420_10LE: fmt = AVW_I420_10; break;
	case GST_VIDEO_FORMAT_I422_10LE: fmt = AVW_I422_10; break;
	case GST_VIDEO_FORMAT_Y444_10LE: fmt = AVW_Y444_10; break;
	case GST_VIDEO_FORMAT_P010_10LE: fmt = AVW_P010; break;
	default: fmt = AVW_OTHER;
	}
	int full = GST_VIDEO_INFO_COLORIMETRY(&s->info).range == GST_VIDEO_COLOR_RANGE_0_255;
	// The range as the caps state it: GstVideoInfo replaces a YUV
	// colorimetry whose matrix is unknown with the default for the size,
	// which is limited range. avdec_h264 says "1:0:0:0" (full range,
	// nothing else known) for an H.264 stream with video_full_range_flag
	// set and no colour description (ffmpeg's yuvj420p, many IP cameras):
	// read as 16..235, its dark scenes measure as black.
	const gchar *cs = gst_structure_get_string(gst_caps_get_structure(incaps, 0), "colorimetry");
	GstVideoColorimetry cm;
	if (cs && gst_video_colorimetry_from_string(&cm, cs) && cm.range != GST_VIDEO_COLOR_RANGE_UNKNOWN) {
		full = cm.range == GST_VIDEO_COLOR_RANGE_0_255;
	}
	return avwVqcSetCaps(trans, fmt, GST_VIDEO_INFO_WIDTH(&s->info), GST_VIDEO_INFO_HEIGHT(&s->info), full);
}

static gboolean avw_vqc_sink_event(GstBaseTransform *trans, GstEvent *event) {
	// Inspect first: end events must be on the bus before EOS goes on.
	avwVqcSinkEvent(trans, GST_EVENT_TYPE(event));
	return avw_vqc_parent->sink_event(trans, event);
}

static gboolean avw_vqc_start(GstBaseTransform *trans) {
	avwVqcStart(trans);
	return avw_vqc_parent->start ? avw_vqc_parent->start(trans) : TRUE;
}

static gboolean avw_vqc_stop(GstBaseTransform *trans) {
	avwVqcStop(trans);
	return avw_vqc_parent->stop ? avw_vqc_parent->stop(trans) : TRUE;
}

static void avw_vqc_patch_class(gpointer klass) {
	GstBaseTransformClass *bt = GST_BASE_TRANSFORM_CLASS(klass);
	avw_vqc_parent = GST_BASE_TRANSFORM_CLASS(g_type_class_peek_parent(klass));
	bt->transform_ip = avw_vqc_transform_ip;
	bt->set_caps = avw_vqc_set_caps;
	bt->sink_event = avw_vqc_sink_event;
	bt->start = avw_vqc_start;
	bt->stop = avw_vqc_stop;
	// Analysis only: keep every meta (a GstVideoMeta above all) when the
	// buffer goes on, and let upstream keep proposing it.
	bt->passthrough_on_same_caps = TRUE;
	bt->transform_ip_on_passthrough = TRUE;
}

static avw_vqc_state *avw_vqc_configure(GstBaseTransform *trans) {
	gst_base_transform_set_passthrough(trans, TRUE);
	gst_base_transform_set_in_place(trans, TRUE);
	return avw_vqc_get(trans);
}

// avw_vqc_map maps buf's planes for reading, honouring a GstVideoMeta
// (strides and offsets a decoder or pool chose) or else the caps' layout.
// gst_video_frame_map maps each plane's memory without copying. It fills
// data/stride/len (len: bytes from the plane start to the end of its mapped
// memory) and returns the number of planes, 0 on failure.
static int avw_vqc_map(avw_vqc_state *s, GstBuffer *buf) {
	if (!s->have_info) return 0;
	if (!gst_video_frame_map(&s->frame, &s->info, buf, GST_MAP_READ)) return 0;
	int n = GST_VIDEO_FRAME_N_PLANES(&s->frame);
	if (n > 3) n = 3;
	for (int i = 0; i < n; i++) {
		guint8 *p = GST_VIDEO_FRAME_PLANE_DATA(&s->frame, i);
		// The memory holding plane i: per plane with a meta, else one map.
		GstMapInfo *m = s->frame.meta ? &s->frame.map[i] : &s->frame.map[0];
		s->data[i] = p;
		s->stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE(&s->frame, i);
		s->len[i] = (p >= m->data && p <= m->data + m->size) ? (gsize)(m->data + m->size - p) : 0;
	}
	return n;
}

static void avw_vqc_unmap(avw_vqc_state *s) { gst_video_frame_unmap(&s->frame); }


static GstClockTime avw_buf_pts(GstBuffer *b) { return GST_BUFFER_PTS(b); }
static GstClockTime avw_buf_duration(GstBuffer *b) { return GST_BUFFER_DURATION(b); }

// avw_vqc_times converts a PTS to running and stream time with the
// element's current segment.
static void avw_vqc_times(GstBaseTransform *trans, GstClockTime pts, GstClockTime *rt, GstClockTime *st) {
	*rt = GST_CLOCK_TIME_NONE;
	*st = GST_CLOCK_TIME_NONE;
	if (trans->segment.format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID(pts)) return;
	*rt = gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, pts);
	*st = gst_segment_to_stream_time(&trans->segment, GST_FORMAT_TIME, pts);
}

// avw_vqc_top is the address of the outermost bin holding trans (itself
// when it has no parent): the A/V sync group of a pipeline.
static guintptr avw_vqc_top(GstBaseTransform *trans) {
	GstObject *o = gst_object_ref(GST_OBJECT(trans)), *p;
	while ((p = gst_object_get_parent(o)) != NULL) {
		gst_object_unref(o);
		o = p;
	}
	guintptr a = (guintptr)o;
	gst_object_unref(o);
	return a;
}

static void avw_vqc_warn(GstBaseTransform *trans, const char *msg) {
	GST_ELEMENT_WARNING(trans, STREAM, FORMAT, ("%s", msg), (NULL));
}
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/go-gst/go-glib/glib"

	"github.com/avwatch/avwatch/elements/videodetect"
)

// Format numbers shared with the C side.
const (
	fmtI420 = iota
	fmtYV12
	fmtNV12
	fmtY42B
	fmtY444
	fmtGRAY8
	fmtI420p10
	fmtI422p10
	fmtY444p10
	fmtP010
	fmtOther
)

func patchClass(klass unsafe.Pointer) { C.avw_vqc_patch_class(C.gpointer(klass)) }

// cstate is the element's C-side state (video info, current mapping).
type cstate = C.avw_vqc_state

func configureInstance(trans unsafe.Pointer) *cstate {
	return C.avw_vqc_configure((*C.GstBaseTransform)(trans))
}

// instance finds the Go element behind a GstBaseTransform*. No allocation:
// a map lookup in go-glib's registry and an interface assertion.
func instance(trans *C.GstBaseTransform) *element {
	e, _ := glib.FromObjectUnsafePrivate(unsafe.Pointer(trans)).(*element)
	return e
}

//export avwVqcTransformIP
func avwVqcTransformIP(trans *C.GstBaseTransform, buf *C.GstBuffer) C.GstFlowReturn {
	if e := instance(trans); e != nil {
		e.transform(unsafe.Pointer(trans), unsafe.Pointer(buf))
	}
	return C.GST_FLOW_OK
}

//export avwVqcSetCaps
func avwVqcSetCaps(trans *C.GstBaseTransform, format, width, height, fullRange C.int) C.gboolean {
	e := instance(trans)
	if e == nil || !e.setCaps(int(format), int(width), int(height), fullRange != 0) {
		return C.FALSE
	}
	return C.TRUE
}

//export avwVqcSinkEvent
func avwVqcSinkEvent(trans *C.GstBaseTransform, typ C.int) {
	e := instance(trans)
	if e == nil {
		return
	}
	switch C.GstEventType(typ) {
	case C.GST_EVENT_EOS:
		e.endOfStream()
	case C.GST_EVENT_FLUSH_STOP:
		e.discontinuity()
	}
}

//export avwVqcStart
func avwVqcStart(trans *C.GstBaseTransform) {
	if e := instance(trans); e != nil {
		e.start()
	}
}

//export avwVqcStop
func avwVqcStop(trans *C.GstBaseTransform) {
	if e := instance(trans); e != nil {
		e.stop()
	}
}

// mapFrame maps buf and points f's planes into it (no copy). It returns
// false when the buffer cannot be mapped.
func mapFrame(s *cstate, buf unsafe.Pointer, f *videodetect.Frame, swapUV bool) bool {
	n := int(C.avw_vqc_map(s, (*C.GstBuffer)(buf)))
	if n == 0 {
		return false
	}
	planes := [3]*videodetect.Plane{&f.Y, &f.U, &f.V}
	for i := 0; i < 3; i++ {
		if i >= n {
			*planes[i] = videodetect.Plane{}
			continue
		}
		planes[i].Data = unsafe.Slice((*byte)(unsafe.Pointer(s.data[i])), int(s.len[i]))
		planes[i].Stride = int(s.stride[i])
	}
	if swapUV {
		f.U, f.V = f.V, f.U
	}
	return true
}

func unmapFrame(s *cstate) { C.avw_vqc_unmap(s) }

func bufferTimes(buf unsafe.Pointer) (pts, dur time.Duration) {
	b := (*C.GstBuffer)(buf)
	return clockToDuration(C.avw_buf_pts(b)), clockToDuration(C.avw_buf_duration(b))
}

func clockToDuration(t C.GstClockTime) time.Duration {
	if t == C.GST_CLOCK_TIME_NONE {
		return -1
	}
	return time.Duration(t)
}

// segmentTimes returns the running and stream time of pts (-1: unknown).
func segmentTimes(trans unsafe.Pointer, pts time.Duration) (rt, st time.Duration) {
	if pts < 0 {
		return -1, -1
	}
	var r, s C.GstClockTime
	C.avw_vqc_times((*C.GstBaseTransform)(trans), C.GstClockTime(pts), &r, &s)
	return clockToDuration(r), clockToDuration(s)
}

// topLevel is the address of the pipeline (outermost bin) holding trans.
func topLevel(trans unsafe.Pointer) uintptr {
	return uintptr(C.avw_vqc_top((*C.GstBaseTransform)(trans)))
}

func warn(trans unsafe.Pointer, msg string) {
	cs := C.CString(msg)
	defer C.free(unsafe.Pointer(cs))
	C.avw_vqc_warn((*C.GstBaseTransform)(trans), cs)
}
