package pipelinetest

/*
#cgo pkg-config: gstreamer-1.0
#include <gst/gst.h>
#include <stdlib.h>

// A timestamp fault on one pad: buffers whose PTS is in [from, to) get
// PTS + shift (shift mode) or PTS = from (stall mode: stamps frozen while
// the data flows), as a faulty encoder or multiplexer would produce.
typedef struct {
	GstClockTime from, to;
	gint64 shift;
	int stall;
} avw_fault;

static GstPadProbeReturn avw_fault_cb(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
	avw_fault *f = data;
	GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
	GstClockTime pts = GST_BUFFER_PTS(b);
	if (!GST_CLOCK_TIME_IS_VALID(pts) || pts < f->from || pts >= f->to) return GST_PAD_PROBE_OK;
	b = gst_buffer_make_writable(b);
	GST_BUFFER_PTS(b) = f->stall ? f->from : (GstClockTime)((gint64)pts + f->shift);
	GST_PAD_PROBE_INFO_DATA(info) = b;
	return GST_PAD_PROBE_OK;
}

static int avw_add_fault(GstElement *pipeline, const char *name, GstClockTime from, GstClockTime to, gint64 shift, int stall) {
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);
	if (e == NULL) return 0;
	GstPad *pad = gst_element_get_static_pad(e, "sink");
	gst_object_unref(e);
	if (pad == NULL) return 0;
	avw_fault *f = g_new0(avw_fault, 1);
	f->from = from; f->to = to; f->shift = shift; f->stall = stall;
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, avw_fault_cb, f, g_free);
	gst_object_unref(pad);
	return 1;
}
// avw_first_cb records the first buffer's PTS and removes itself.
static GstPadProbeReturn avw_first_cb(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
	*(GstClockTime *)data = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
	return GST_PAD_PROBE_REMOVE;
}

static GstClockTime *avw_watch_first(GstElement *pipeline, const char *name) {
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);
	if (e == NULL) return NULL;
	GstPad *pad = gst_element_get_static_pad(e, "sink");
	gst_object_unref(e);
	if (pad == NULL) return NULL;
	GstClockTime *t = g_new(GstClockTime, 1);
	*t = GST_CLOCK_TIME_NONE;
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, avw_first_cb, t, NULL);
	gst_object_unref(pad);
	return t;
}
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// Fault is a timestamp fault on the sink pad of the element named Element:
// buffers stamped in [From, To) are restamped +Shift, or, with Stall, all
// stamped From.
type Fault struct {
	Element  string
	From, To time.Duration
	Shift    time.Duration
	Stall    bool
}

// AddFault installs f on the pipeline (a GstElement*) before it plays.
func AddFault(pipeline unsafe.Pointer, f Fault) error {
	name := C.CString(f.Element)
	defer C.free(unsafe.Pointer(name))
	stall := C.int(0)
	if f.Stall {
		stall = 1
	}
	if C.avw_add_fault((*C.GstElement)(pipeline), name, C.GstClockTime(f.From), C.GstClockTime(f.To), C.gint64(f.Shift), stall) == 0 {
		return fmt.Errorf("no element %q with a sink pad in the pipeline", f.Element)
	}
	return nil
}

// FirstPTS watches the first buffer on the sink pad of the element named
// name; the returned function reads its PTS (-1 before it came) and must be
// called once, after the pipeline stopped, to free the record.
func FirstPTS(pipeline unsafe.Pointer, name string) (func() time.Duration, error) {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	t := C.avw_watch_first((*C.GstElement)(pipeline), cn)
	if t == nil {
		return nil, fmt.Errorf("no element %q with a sink pad in the pipeline", name)
	}
	return func() time.Duration {
		v := *t
		C.g_free(C.gpointer(t))
		if v == C.GST_CLOCK_TIME_NONE {
			return -1
		}
		return time.Duration(v)
	}, nil
}
