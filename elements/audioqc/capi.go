package audioqc

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-base-1.0 gstreamer-audio-1.0
// Called per buffer with pointers to locals: without these the locals
// escape to the Go heap, one allocation per buffer.
#cgo noescape avw_times
#cgo nocallback avw_times
#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include <gst/audio/audio.h>

// Positions as audiodetect.Position numbers them.
enum { P_UNKNOWN, P_MONO, P_FL, P_FR, P_FC, P_LFE, P_RL, P_RR, P_SL, P_SR, P_OTHER };

typedef struct {
	int ok, format, rate, channels, planar;
	int pos[8];
} avw_caps;

static int avw_pos(GstAudioChannelPosition p) {
	switch (p) {
	case GST_AUDIO_CHANNEL_POSITION_MONO: return P_MONO;
	case GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT: return P_FL;
	case GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT: return P_FR;
	case GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER: return P_FC;
	case GST_AUDIO_CHANNEL_POSITION_LFE1:
	case GST_AUDIO_CHANNEL_POSITION_LFE2: return P_LFE;
	case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT: return P_RL;
	case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT: return P_RR;
	case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
	case GST_AUDIO_CHANNEL_POSITION_SURROUND_LEFT: return P_SL;
	case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
	case GST_AUDIO_CHANNEL_POSITION_SURROUND_RIGHT: return P_SR;
	case GST_AUDIO_CHANNEL_POSITION_NONE:
	case GST_AUDIO_CHANNEL_POSITION_INVALID: return P_UNKNOWN;
	default: return P_OTHER;
	}
}

static void avw_parse_caps(void *caps, avw_caps *out) {
	GstAudioInfo info;
	memset(out, 0, sizeof(*out));
	out->ok = gst_audio_info_from_caps(&info, GST_CAPS(caps));
	if (!out->ok) return;
	switch (GST_AUDIO_INFO_FORMAT(&info)) {
	case GST_AUDIO_FORMAT_S16LE: out->format = 0; break;
	case GST_AUDIO_FORMAT_S32LE: out->format = 1; break;
	case GST_AUDIO_FORMAT_F32LE: out->format = 2; break;
	case GST_AUDIO_FORMAT_F64LE: out->format = 3; break;
	default: out->format = -1;
	}
	out->rate = GST_AUDIO_INFO_RATE(&info);
	out->channels = GST_AUDIO_INFO_CHANNELS(&info);
	out->planar = GST_AUDIO_INFO_LAYOUT(&info) == GST_AUDIO_LAYOUT_NON_INTERLEAVED;
	int unpositioned = (GST_AUDIO_INFO_FLAGS(&info) & GST_AUDIO_FLAG_UNPOSITIONED) != 0;
	for (int i = 0; i < out->channels && i < 8; i++)
		out->pos[i] = unpositioned ? P_UNKNOWN : avw_pos(GST_AUDIO_INFO_POSITION(&info, i));
}

typedef struct {
	GstMapInfo map;
	guint64 pts;
	int has_meta;
	gsize samples;
	gsize offsets[8];
} avw_buf;

static int avw_map(void *buf, avw_buf *o) {
	GstBuffer *b = GST_BUFFER(buf);
	if (!gst_buffer_map(b, &o->map, GST_MAP_READ)) return 0;
	o->pts = GST_BUFFER_PTS(b);
	GstAudioMeta *m = gst_buffer_get_audio_meta(b);
	o->has_meta = m != NULL && m->offsets != NULL;
	if (o->has_meta) {
		o->samples = m->samples;
		for (int i = 0; i < m->info.channels && i < 8; i++) o->offsets[i] = m->offsets[i];
	}
	return 1;
}

static void avw_unmap(void *buf, avw_buf *o) { gst_buffer_unmap(GST_BUFFER(buf), &o->map); }

// avw_times converts a buffer timestamp with the element's input segment.
static void avw_times(void *trans, guint64 pts, guint64 *rt, guint64 *st) {
	GstSegment *seg = &GST_BASE_TRANSFORM(trans)->segment;
	*rt = *st = GST_CLOCK_TIME_NONE;
	if (seg->format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID(pts)) return;
	*rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, pts);
	*st = gst_segment_to_stream_time(seg, GST_FORMAT_TIME, pts);
}

// avw_parent_sink_event hands an event to GstBaseTransform's own handler
// (go-gst has no way to chain up from a Go SinkEvent).
static gboolean avw_parent_sink_event(void *trans, void *ev) {
	GstBaseTransformClass *k = GST_BASE_TRANSFORM_CLASS(g_type_class_peek(GST_TYPE_BASE_TRANSFORM));
	return k->sink_event(GST_BASE_TRANSFORM(trans), GST_EVENT(ev));
}

static int avw_event_type(void *ev) { return GST_EVENT_TYPE(GST_EVENT(ev)); }

// transform_ip goes straight to an exported Go function instead of through
// go-gst's generic trampoline, which allocates Go wrappers for the element
// and the buffer on every call (~2 heap objects per buffer).
extern int goAudioqcTransformIP(void *trans, void *buf);
static GstFlowReturn avw_transform_ip(GstBaseTransform *t, GstBuffer *b) {
	return (GstFlowReturn)goAudioqcTransformIP(t, b);
}
static void avw_override_transform_ip(void *klass) {
	GST_BASE_TRANSFORM_CLASS(klass)->transform_ip = avw_transform_ip;
}
enum { AVW_EOS = GST_EVENT_EOS, AVW_FLUSH_STOP = GST_EVENT_FLUSH_STOP };

// avw_top is the address of the outermost bin holding elem (itself when
// it has no parent): the A/V sync group of a pipeline.
static guintptr avw_top(void *elem) {
	GstObject *o = gst_object_ref(GST_OBJECT(elem)), *p;
	while ((p = gst_object_get_parent(o)) != NULL) {
		gst_object_unref(o);
		o = p;
	}
	guintptr a = (guintptr)o;
	gst_object_unref(o);
	return a;
}
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/avwatch/avwatch/elements/audiodetect"
)

// parseCaps reads the negotiated raw-audio caps (GstCaps*).
func parseCaps(caps unsafe.Pointer) (audiodetect.Format, bool) {
	var c C.avw_caps
	C.avw_parse_caps(caps, &c)
	if c.ok == 0 || c.format < 0 {
		return audiodetect.Format{}, false
	}
	f := audiodetect.Format{
		Rate:     int(c.rate),
		Channels: int(c.channels),
		Sample:   audiodetect.SampleFormat(c.format),
		Planar:   c.planar != 0,
	}
	for i := 0; i < f.Channels && i < audiodetect.MaxChannels; i++ {
		f.Positions[i] = audiodetect.Position(c.pos[i])
	}
	return f, f.Validate() == nil
}

// mapped is one buffer mapped for reading.
type mapped struct{ c C.avw_buf }

func (m *mapped) mapBuffer(buf unsafe.Pointer) bool { return C.avw_map(buf, &m.c) != 0 }
func (m *mapped) unmap(buf unsafe.Pointer)          { C.avw_unmap(buf, &m.c) }

// bytes is the mapped memory, read in place (no copy).
func (m *mapped) bytes() []byte {
	if m.c._map.size == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(m.c._map.data)), int(m.c._map.size))
}

func (m *mapped) pts() time.Duration {
	if uint64(m.c.pts) == ^uint64(0) {
		return -1
	}
	return time.Duration(m.c.pts)
}

// planes returns the samples per channel and the plane offsets of a
// planar buffer that carries a GstAudioMeta (nil offsets otherwise).
func (m *mapped) planes(dst *[audiodetect.MaxChannels]int, channels int) (int, []int) {
	if m.c.has_meta == 0 {
		return -1, nil
	}
	for i := 0; i < channels; i++ {
		dst[i] = int(m.c.offsets[i])
	}
	return int(m.c.samples), dst[:channels]
}

// segmentTimes converts pts with the transform's input segment.
func segmentTimes(trans unsafe.Pointer, pts time.Duration) (rt, st time.Duration) {
	if pts < 0 {
		return -1, -1
	}
	var r, s C.guint64
	C.avw_times(trans, C.guint64(pts), &r, &s)
	conv := func(v C.guint64) time.Duration {
		if uint64(v) == ^uint64(0) {
			return -1
		}
		return time.Duration(v)
	}
	return conv(r), conv(s)
}

// topLevel is the address of the pipeline (outermost bin) holding elem.
func topLevel(elem unsafe.Pointer) uintptr { return uintptr(C.avw_top(elem)) }

func overrideTransformIP(klass unsafe.Pointer) { C.avw_override_transform_ip(klass) }

func parentSinkEvent(trans, ev unsafe.Pointer) bool { return C.avw_parent_sink_event(trans, ev) != 0 }

type eventKind int

const (
	evOther eventKind = iota
	evEOS
	evFlushStop
)

func eventType(ev unsafe.Pointer) eventKind {
	switch C.avw_event_type(ev) {
	case C.AVW_EOS:
		return evEOS
	case C.AVW_FLUSH_STOP:
		return evFlushStop
	}
	return evOther
}
