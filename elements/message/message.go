// Package message is the one place that knows how avwatch elements talk to the
// application: the GstStructure layout of their element messages. Elements
// post with Post*, the pipeline runner reads with Parse, so the two sides
// cannot drift apart.
//
// Layout (structure name = the element's factory name, e.g. "videoqc"):
//
//	kind=defect   event=start|end type=<defect.Type> pts running-time stream-time
//	              duration (ns, end only) value threshold channel
//	              [offset-ms] [digital-zero]
//	kind=snapshot type pts jpeg (GstBuffer holding a JPEG)
//	kind=stats    pts, then one double field per feature
//
// Times are guint64 nanoseconds, GST_CLOCK_TIME_NONE when unknown, so
// `gst-launch-1.0 -m` prints them the way GStreamer users expect.
//
// Posting is done in C: one call per message rather than ~75 cgo crossings
// through go-gst's GValue wrappers, and the message is unreffed at once
// instead of waiting for a Go finalizer (see shared notes: RSS creeps
// otherwise).
package message

/*
#cgo pkg-config: gstreamer-1.0
#include <gst/gst.h>
#include <stdlib.h>

static GstStructure *avw_new(const char *name, const char *kind) {
	return gst_structure_new(name, "kind", G_TYPE_STRING, kind, NULL);
}
static void avw_set_str(GstStructure *s, const char *k, const char *v) { gst_structure_set(s, k, G_TYPE_STRING, v, NULL); }
static void avw_set_u64(GstStructure *s, const char *k, guint64 v) { gst_structure_set(s, k, G_TYPE_UINT64, v, NULL); }
static void avw_set_dbl(GstStructure *s, const char *k, gdouble v) { gst_structure_set(s, k, G_TYPE_DOUBLE, v, NULL); }
static void avw_set_int(GstStructure *s, const char *k, gint v) { gst_structure_set(s, k, G_TYPE_INT, v, NULL); }
static void avw_set_bool(GstStructure *s, const char *k, gboolean v) { gst_structure_set(s, k, G_TYPE_BOOLEAN, v, NULL); }
static void avw_set_buf(GstStructure *s, const char *k, const void *data, gsize n) {
	GstBuffer *b = gst_buffer_new_memdup(data, n);
	gst_structure_set(s, k, GST_TYPE_BUFFER, b, NULL);
	gst_buffer_unref(b);
}
static gboolean avw_post(void *elem, GstStructure *s) {
	GstElement *e = GST_ELEMENT(elem);
	return gst_element_post_message(e, gst_message_new_element(GST_OBJECT(e), s));
}

static const GstStructure *avw_structure(void *msg) {
	GstMessage *m = GST_MESSAGE(msg);
	if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ELEMENT) return NULL;
	return gst_message_get_structure(m);
}
static const char *avw_get_str(const GstStructure *s, const char *k) { return gst_structure_get_string(s, k); }
static guint64 avw_get_u64(const GstStructure *s, const char *k) {
	guint64 v = GST_CLOCK_TIME_NONE;
	gst_structure_get_uint64(s, k, &v);
	return v;
}
static int avw_get_dbl(const GstStructure *s, const char *k, gdouble *v) { return gst_structure_get_double(s, k, v); }
static int avw_get_int(const GstStructure *s, const char *k, gint *v) { return gst_structure_get_int(s, k, v); }
static int avw_get_bool(const GstStructure *s, const char *k, gboolean *v) { return gst_structure_get_boolean(s, k, v); }
static GstBuffer *avw_get_buf(const GstStructure *s, const char *k) {
	const GValue *v = gst_structure_get_value(s, k);
	if (v == NULL || !GST_VALUE_HOLDS_BUFFER(v)) return NULL;
	return gst_value_get_buffer(v);
}
static gsize avw_buf_extract(GstBuffer *b, void *dst, gsize n) { return gst_buffer_extract(b, 0, dst, n); }
static gsize avw_buf_size(GstBuffer *b) { return gst_buffer_get_size(b); }
static int avw_n_fields(const GstStructure *s) { return gst_structure_n_fields(s); }
static const char *avw_field_name(const GstStructure *s, int i) { return gst_structure_nth_field_name(s, i); }
// avw_field_number reads any numeric field as a double; returns 0 if not numeric.
static int avw_field_number(const GstStructure *s, const char *k, gdouble *out) {
	const GValue *v = gst_structure_get_value(s, k);
	if (v == NULL) return 0;
	if (G_VALUE_HOLDS_DOUBLE(v)) { *out = g_value_get_double(v); return 1; }
	if (G_VALUE_HOLDS_FLOAT(v)) { *out = g_value_get_float(v); return 1; }
	if (G_VALUE_HOLDS_INT(v)) { *out = g_value_get_int(v); return 1; }
	if (G_VALUE_HOLDS_UINT(v)) { *out = g_value_get_uint(v); return 1; }
	if (G_VALUE_HOLDS_INT64(v)) { *out = (gdouble)g_value_get_int64(v); return 1; }
	if (G_VALUE_HOLDS_UINT64(v)) { *out = (gdouble)g_value_get_uint64(v); return 1; }
	if (G_VALUE_HOLDS_BOOLEAN(v)) { *out = g_value_get_boolean(v) ? 1 : 0; return 1; }
	return 0;
}
*/
import "C"

import (
	"sync"
	"time"
	"unsafe"

	"github.com/avwatch/avwatch/elements/defect"
)

// Kind is the "kind" field of an avwatch element message.
type Kind string

const (
	KindDefect   Kind = "defect"
	KindSnapshot Kind = "snapshot"
	KindStats    Kind = "stats"
)

// Field names, exported so documentation and tests name them once.
const (
	FieldKind        = "kind"
	FieldEvent       = "event"
	FieldType        = "type"
	FieldPTS         = "pts"
	FieldRunningTime = "running-time"
	FieldStreamTime  = "stream-time"
	FieldDuration    = "duration"
	FieldValue       = "value"
	FieldThreshold   = "threshold"
	FieldChannel     = "channel"
	FieldOffsetMs    = "offset-ms"
	FieldDigitalZero = "digital-zero"
	FieldJPEG        = "jpeg"
)

const clockNone = ^uint64(0)

func clock(d time.Duration) C.guint64 {
	if d < 0 {
		return C.guint64(clockNone)
	}
	return C.guint64(d)
}

func fromClock(v C.guint64) time.Duration {
	if uint64(v) == clockNone {
		return -1
	}
	return time.Duration(v)
}

// cstrings holds C copies of the field names Parse reads. They are fixed, so
// they are made once at start-up and only read afterwards (Parse runs on many
// bus goroutines at once).
var cstrings = func() map[string]*C.char {
	m := map[string]*C.char{}
	for _, f := range []string{FieldKind, FieldEvent, FieldType, FieldPTS, FieldRunningTime, FieldStreamTime,
		FieldDuration, FieldValue, FieldThreshold, FieldChannel, FieldOffsetMs, FieldDigitalZero, FieldJPEG} {
		m[f] = C.CString(f)
	}
	return m
}()

func cs(s string) *C.char { return cstrings[s] }

// Poster posts messages for one element. It is safe for concurrent use: the
// streaming thread posts defects and stats while a snapshot goroutine posts
// JPEGs.
type Poster struct {
	mu   sync.Mutex
	elem unsafe.Pointer // GstElement*
	name *C.char
	strs map[string]*C.char // C copies of the names this element uses, made once
}

// NewPoster returns a Poster for the element whose GstElement* is elem
// (glib.Object.Unsafe()) and whose structures are named name.
func NewPoster(elem unsafe.Pointer, name string) *Poster {
	return &Poster{elem: elem, name: C.CString(name), strs: map[string]*C.char{}}
}

// c returns the C copy of s; callers hold p.mu.
func (p *Poster) c(s string) *C.char {
	if v, ok := p.strs[s]; ok {
		return v
	}
	v := C.CString(s)
	p.strs[s] = v
	return v
}

// Defect posts a start or end event.
func (p *Poster) Defect(ev defect.Event) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := C.avw_new(p.name, p.c(string(KindDefect)))
	C.avw_set_str(s, p.c(FieldEvent), p.c(string(ev.Edge)))
	C.avw_set_str(s, p.c(FieldType), p.c(string(ev.Type)))
	C.avw_set_u64(s, p.c(FieldPTS), clock(ev.PTS))
	C.avw_set_u64(s, p.c(FieldRunningTime), clock(ev.RunningTime))
	C.avw_set_u64(s, p.c(FieldStreamTime), clock(ev.StreamTime))
	if ev.Edge == defect.End {
		C.avw_set_u64(s, p.c(FieldDuration), clock(ev.Duration))
	}
	C.avw_set_dbl(s, p.c(FieldValue), C.gdouble(ev.Value))
	C.avw_set_dbl(s, p.c(FieldThreshold), C.gdouble(ev.Threshold))
	C.avw_set_int(s, p.c(FieldChannel), C.gint(ev.Channel))
	if ev.Type == defect.AVOffset {
		C.avw_set_dbl(s, p.c(FieldOffsetMs), C.gdouble(ev.OffsetMs))
	}
	if ev.Type == defect.Silence {
		C.avw_set_bool(s, p.c(FieldDigitalZero), cbool(ev.DigitalZero))
	}
	return C.avw_post(p.elem, s) != 0
}

// Snapshot posts the JPEG of the frame that started a defect.
func (p *Poster) Snapshot(t defect.Type, pts time.Duration, jpeg []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(jpeg) == 0 {
		return false
	}
	s := C.avw_new(p.name, p.c(string(KindSnapshot)))
	C.avw_set_str(s, p.c(FieldType), p.c(string(t)))
	C.avw_set_u64(s, p.c(FieldPTS), clock(pts))
	C.avw_set_buf(s, p.c(FieldJPEG), unsafe.Pointer(&jpeg[0]), C.gsize(len(jpeg)))
	return C.avw_post(p.elem, s) != 0
}

// Stats posts one stats message: names[i] = values[i]. Names must be valid
// GstStructure field names (letters, digits, '-', '_').
func (p *Poster) Stats(pts time.Duration, names []string, values []float64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := C.avw_new(p.name, p.c(string(KindStats)))
	C.avw_set_u64(s, p.c(FieldPTS), clock(pts))
	for i, n := range names {
		C.avw_set_dbl(s, p.c(n), C.gdouble(values[i]))
	}
	return C.avw_post(p.elem, s) != 0
}

func cbool(b bool) C.gboolean {
	if b {
		return 1
	}
	return 0
}

// Parsed is an avwatch element message read back.
type Parsed struct {
	Element string // structure name: the element's factory name
	Kind    Kind
	Defect  defect.Event       // KindDefect; KindSnapshot fills Type and PTS
	JPEG    []byte             // KindSnapshot
	PTS     time.Duration      // KindStats
	Stats   map[string]float64 // KindStats
}

// Parse reads an avwatch element message. msg is the GstMessage* (for a
// go-gst *gst.Message: unsafe.Pointer(m.Instance())). ok is false for any
// other message, so a bus loop can hand it every element message.
func Parse(msg unsafe.Pointer) (p Parsed, ok bool) {
	s := C.avw_structure(msg)
	if s == nil {
		return p, false
	}
	k := C.avw_get_str(s, cs(FieldKind))
	if k == nil {
		return p, false
	}
	p.Kind = Kind(C.GoString(k))
	p.Element = C.GoString(C.gst_structure_get_name(s))
	switch p.Kind {
	case KindDefect:
		d := &p.Defect
		d.Edge = defect.Edge(str(s, FieldEvent))
		d.Type = defect.Type(str(s, FieldType))
		d.PTS = fromClock(C.avw_get_u64(s, cs(FieldPTS)))
		d.RunningTime = fromClock(C.avw_get_u64(s, cs(FieldRunningTime)))
		d.StreamTime = fromClock(C.avw_get_u64(s, cs(FieldStreamTime)))
		if d.Edge == defect.End {
			d.Duration = fromClock(C.avw_get_u64(s, cs(FieldDuration)))
		}
		var v C.gdouble
		if C.avw_get_dbl(s, cs(FieldValue), &v) != 0 {
			d.Value = float64(v)
		}
		if C.avw_get_dbl(s, cs(FieldThreshold), &v) != 0 {
			d.Threshold = float64(v)
		}
		if C.avw_get_dbl(s, cs(FieldOffsetMs), &v) != 0 {
			d.OffsetMs = float64(v)
		}
		d.Channel = -1
		var i C.gint
		if C.avw_get_int(s, cs(FieldChannel), &i) != 0 {
			d.Channel = int(i)
		}
		var b C.gboolean
		if C.avw_get_bool(s, cs(FieldDigitalZero), &b) != 0 {
			d.DigitalZero = b != 0
		}
		if d.Edge != defect.Start && d.Edge != defect.End {
			return p, false
		}
	case KindSnapshot:
		p.Defect.Type = defect.Type(str(s, FieldType))
		p.Defect.PTS = fromClock(C.avw_get_u64(s, cs(FieldPTS)))
		p.Defect.Channel = -1
		buf := C.avw_get_buf(s, cs(FieldJPEG))
		if buf == nil {
			return p, false
		}
		n := C.avw_buf_size(buf)
		p.JPEG = make([]byte, int(n))
		if n > 0 {
			C.avw_buf_extract(buf, unsafe.Pointer(&p.JPEG[0]), n)
		}
	case KindStats:
		p.PTS = fromClock(C.avw_get_u64(s, cs(FieldPTS)))
		n := int(C.avw_n_fields(s))
		p.Stats = make(map[string]float64, n)
		for i := 0; i < n; i++ {
			name := C.avw_field_name(s, C.int(i))
			gn := C.GoString(name)
			if gn == FieldKind || gn == FieldPTS {
				continue
			}
			var v C.gdouble
			if C.avw_field_number(s, name, &v) != 0 {
				p.Stats[gn] = float64(v)
			}
		}
	default:
		return p, false
	}
	return p, true
}

func str(s *C.GstStructure, k string) string {
	v := C.avw_get_str(s, cs(k))
	if v == nil {
		return ""
	}
	return C.GoString(v)
}
