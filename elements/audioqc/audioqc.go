// Package audioqc is the audioqc GStreamer element: an in-place,
// passthrough analyser of raw audio that runs the audiodetect detectors and
// loudness meter on every buffer and posts defect start/end and periodic
// stats messages through elements/message.
//
// It is thin glue. Each buffer is mapped once for reading (cgo, no copy)
// and handed to an audiodetect.Analyzer, which converts it once to planar
// float and works on that. Properties are set from any thread: they land in
// a mutex-guarded Settings with a version number, and the streaming thread
// picks up a new version before its next buffer.
package audioqc

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/base"

	"github.com/avwatch/avwatch/elements/audiodetect"
	"github.com/avwatch/avwatch/elements/avsync"
	"github.com/avwatch/avwatch/elements/benchfloor"
	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/message"
	"github.com/avwatch/avwatch/elements/procs"
)

// Name is the element's factory name and its messages' structure name.
const Name = "audioqc"

// DefaultStatsInterval is how often stats are posted (media time).
const DefaultStatsInterval = time.Second

const capsString = "audio/x-raw, format=(string){ S16LE, S32LE, F32LE, F64LE }, " +
	"layout=(string){ interleaved, non-interleaved }, rate=(int)[ 1, 2147483647 ], channels=(int)[ 1, 8 ]"

// Register registers the element with plugin (nil: statically, in-process).
func Register(plugin *gst.Plugin) error {
	if !gst.RegisterElement(plugin, Name, gst.RankNone, &element{}, base.ExtendsBaseTransform) {
		return fmt.Errorf("gst_element_register(%s) failed", Name)
	}
	return nil
}

// Property ids after the detector parameters: stats-interval, then
// sync-group.
var (
	propStatsInterval = uint(len(audiodetect.Params))
	propSyncGroup     = propStatsInterval + 1
)

type element struct {
	thread procs.Thread           // the streaming thread, locked (procs.Thread says why)
	bt     *base.GstBaseTransform // kept from Constructed: virtual methods get a nil self
	trans  unsafe.Pointer         // GstBaseTransform*
	poster *message.Poster

	mu        sync.Mutex
	settings  audiodetect.Settings
	interval  time.Duration
	syncGroup string // read at start
	version   atomic.Uint64

	// A/V sync group membership from start to stop (nil: no sync); the
	// state-change thread sets it, the streaming thread reads it.
	member atomic.Pointer[avsync.Member]

	// streaming thread only
	an      *audiodetect.Analyzer
	applied uint64
	buf     mapped
	offsets [audiodetect.MaxChannels]int
	nextRT  time.Duration // running time after the last buffer (A/V sync, buffers without PTS)
}

func (e *element) New() glib.GoObjectSubclass {
	return &element{settings: audiodetect.DefaultSettings(), interval: DefaultStatsInterval}
}

func (e *element) ClassInit(klass *glib.ObjectClass) {
	class := gst.ToElementClass(klass)
	class.SetMetadata("Audio QC", "Filter/Analyzer/Audio",
		"Finds silence, clipping, loudness (EBU R128) and true-peak excursions, channel loss and phase faults in raw audio, in place",
		"avwatch")
	caps := gst.NewCapsFromString(capsString)
	class.AddPadTemplate(gst.NewPadTemplate("sink", gst.PadDirectionSink, gst.PadPresenceAlways, caps))
	class.AddPadTemplate(gst.NewPadTemplate("src", gst.PadDirectionSource, gst.PadPresenceAlways, caps))

	flags := glib.ParameterReadWrite | glib.ParameterFlags(gst.ParameterMutablePlaying)
	def := audiodetect.DefaultSettings()
	var props []*glib.ParamSpec
	for _, p := range audiodetect.Params {
		d := p.Get(&def)
		switch p.Kind {
		case audiodetect.KindBool:
			props = append(props, glib.NewBoolParam(p.Name, p.Name, p.Blurb, d != 0, flags))
		case audiodetect.KindUint:
			props = append(props, glib.NewUintParam(p.Name, p.Name, p.Blurb, uint(p.Min), uint(p.Max), uint(d), flags))
		default:
			props = append(props, glib.NewFloat64Param(p.Name, p.Name, p.Blurb, p.Min, p.Max, d, flags))
		}
	}
	props = append(props, glib.NewFloat64Param("stats-interval", "stats-interval",
		"Seconds of audio between stats messages (0: none)", 0, 3600, DefaultStatsInterval.Seconds(), flags))
	none := ""
	props = append(props, glib.NewStringParam(avsync.PropSyncGroup, avsync.PropSyncGroup,
		`Which videoqc this element feeds audio to for A/V sync: "" = the one in the same pipeline, "none" = no A/V sync, any other name = the videoqc with the same sync-group (applies from the next start)`,
		&none, glib.ParameterReadWrite))
	class.InstallProperties(props)
	overrideTransformIP(klass.Unsafe())
}

func (e *element) Constructed(obj *glib.Object) {
	e.bt = base.ToGstBaseTransform(obj)
	e.trans = obj.Unsafe()
	e.bt.SetPassthrough(true)
	e.bt.SetInPlace(true)
	e.poster = message.NewPoster(obj.Unsafe(), Name)
}

func (e *element) SetProperty(obj *glib.Object, id uint, value *glib.Value) {
	if id == propSyncGroup {
		g, _ := value.GetString() // NULL reads as "": this pipeline
		e.mu.Lock()
		e.syncGroup = g
		e.mu.Unlock()
		return
	}
	v, err := value.GoValue()
	if err != nil {
		return
	}
	var f float64
	switch x := v.(type) {
	case bool:
		if x {
			f = 1
		}
	case float64:
		f = x
	case uint:
		f = float64(x)
	default:
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if id == propStatsInterval {
		e.interval = time.Duration(f * float64(time.Second))
	} else if int(id) < len(audiodetect.Params) {
		audiodetect.Params[id].Set(&e.settings, f)
	}
	e.version.Add(1)
}

func (e *element) GetProperty(obj *glib.Object, id uint) *glib.Value {
	e.mu.Lock()
	defer e.mu.Unlock()
	var v any
	if id == propSyncGroup {
		v = e.syncGroup
	} else if id == propStatsInterval {
		v = e.interval.Seconds()
	} else if int(id) < len(audiodetect.Params) {
		p := audiodetect.Params[id]
		f := p.Get(&e.settings)
		switch p.Kind {
		case audiodetect.KindBool:
			v = f != 0
		case audiodetect.KindUint:
			v = uint(f)
		default:
			v = f
		}
	}
	gv, err := glib.GValue(v)
	if err != nil {
		return nil
	}
	return gv
}

// SetCaps (re)creates the analyser for the negotiated format. A format
// change mid-stream first closes the old analyser's open windows.
func (e *element) SetCaps(_ *base.GstBaseTransform, incaps, _ *gst.Caps) bool {
	f, ok := parseCaps(unsafe.Pointer(incaps.Instance()))
	if !ok {
		return false
	}
	if e.an != nil {
		if e.an.Format() == f {
			return true
		}
		e.post(e.an.Flush())
	}
	e.mu.Lock()
	s, iv := e.settings, e.interval
	e.applied = e.version.Load()
	e.mu.Unlock()
	e.an = audiodetect.NewAnalyzer(f, s)
	e.an.SetStatsInterval(iv)
	return true
}

// apply hands changed properties to the analyser (streaming thread).
func (e *element) apply() {
	v := e.version.Load()
	if v == e.applied {
		return
	}
	e.mu.Lock()
	s, iv := e.settings, e.interval
	e.applied = v
	e.mu.Unlock()
	e.post(e.an.SetSettings(s))
	e.an.SetStatsInterval(iv)
}

// transformIP analyses one buffer (GstBuffer*) in place: the hot path,
// reached from C without go-gst wrappers (see capi.go).
func (e *element) transformIP(b unsafe.Pointer) gst.FlowReturn {
	if e.an == nil {
		return gst.FlowNotNegotiated
	}
	e.thread.Enter()
	e.apply()
	if !e.buf.mapBuffer(b) {
		e.bt.ErrorMessage(gst.DomainStream, gst.StreamErrorFailed, "audioqc: cannot map an audio buffer for reading", "")
		return gst.FlowError
	}
	f := e.an.Format()
	data := e.buf.bytes()
	n, offsets := e.buf.planes(&e.offsets, f.Channels)
	if n < 0 {
		n = len(data) / (f.Channels * f.Sample.Size())
	}
	pts := e.buf.pts()
	if benchfloor.Floor {
		e.buf.unmap(b)
		return gst.FlowOK
	}
	evs, err := e.an.Process(pts, data, n, offsets)
	e.buf.unmap(b)
	if err != nil {
		e.bt.ErrorMessage(gst.DomainStream, gst.StreamErrorFormat, "audioqc: "+err.Error(), "")
		return gst.FlowError
	}
	e.post(evs)
	if m := e.member.Load(); m != nil && n > 0 {
		// A/V sync meters the samples Process just converted.
		rt := e.nextRT
		if pts >= 0 {
			rt, _ = segmentTimes(e.trans, pts)
		}
		m.AudioPlanar(rt, e.an.Planes(), n, f.Rate)
		if rt >= 0 {
			e.nextRT = rt + time.Duration(int64(n)*int64(time.Second)/int64(f.Rate))
		}
	}
	if e.an.StatsDue() {
		e.stats()
	}
	return gst.FlowOK
}

func (e *element) stats() {
	pts := e.an.PTS(e.an.Position())
	names, values := e.an.Stats()
	e.poster.Stats(pts, names, values)
}

// post sends defect edges, dated in running and stream time too.
func (e *element) post(evs []defect.Event) {
	for _, ev := range evs {
		ev.RunningTime, ev.StreamTime = segmentTimes(e.trans, ev.PTS)
		e.poster.Defect(ev)
	}
}

// SinkEvent closes open windows (and posts last stats) before EOS travels
// on, so every start a consumer saw has its end before the pipeline's EOS;
// a flushing seek forgets the stream without reporting.
func (e *element) SinkEvent(_ *base.GstBaseTransform, ev *gst.Event) bool {
	p := unsafe.Pointer(ev.Instance())
	switch eventType(p) {
	case evEOS:
		if e.an != nil {
			e.apply()
			e.mu.Lock()
			iv := e.interval
			e.mu.Unlock()
			if iv > 0 && e.an.Position() > 0 {
				e.stats() // the last, partial interval
			}
			e.post(e.an.Flush())
		}
		// A/V sync after this element's own last messages, and before
		// EOS travels on: the final av_offset edges must precede the
		// pipeline's EOS on the bus.
		e.member.Load().EOS()
	case evFlushStop:
		if e.an != nil {
			e.an.Restart()
		}
		e.member.Load().Reset()
	}
	return parentSinkEvent(e.trans, p)
}

// Stop closes open windows when the pipeline stops without an EOS.
func (e *element) Stop(_ *base.GstBaseTransform) bool {
	if e.an != nil {
		e.post(e.an.Flush())
		e.an = nil
	}
	e.member.Swap(nil).Leave()
	procs.Leave()
	return true
}

// Start joins the A/V sync group the sync-group property names (by default
// the pipeline's), where videoqc measures the offset and posts av_offset.
func (e *element) Start(_ *base.GstBaseTransform) bool {
	procs.Enter()
	e.nextRT = 0
	e.mu.Lock()
	sg := e.syncGroup
	e.mu.Unlock()
	key, ok := avsync.GroupKey(sg, topLevel(e.trans))
	if !ok {
		return true
	}
	m, err := avsync.Join(key, avsync.Audio, nil)
	if err != nil {
		e.bt.MessageFull(gst.MessageWarning, gst.DomainStream, gst.StreamErrorFailed, "audioqc: no A/V sync: "+err.Error(), "", "audioqc.go", "Start", 0)
		return true
	}
	e.member.Store(m)
	return true
}
