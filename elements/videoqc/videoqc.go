// Package videoqc is the videoqc GStreamer element: an in-place,
// passthrough analyser of raw video that runs the videodetect detectors
// (black, freeze, blockiness) on every frame and posts defect start/end,
// snapshot and periodic stats messages through elements/message.
//
// It is thin glue. Each buffer is mapped once for reading with
// gst_video_frame_map (which honours a GstVideoMeta's strides and offsets,
// or the caps' layout) and its planes are handed to a videodetect.Analyzer
// as slices over the mapped memory: no copy, no allocation per frame.
// Properties are set from any thread: each change publishes a new immutable
// Settings value, which the streaming thread picks up before its next frame.
package videoqc

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/base"

	"github.com/avwatch/avwatch/elements/avsync"
	"github.com/avwatch/avwatch/elements/benchfloor"
	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/message"
	"github.com/avwatch/avwatch/elements/procs"
	vd "github.com/avwatch/avwatch/elements/videodetect"
)

// Name is the element's factory name and its messages' structure name.
const Name = "videoqc"

// 10-bit formats are narrowed to 8 bits here (videodetect.Narrow), much
// cheaper than videoconvert's conversion.
const capsString = "video/x-raw, format=(string){ I420, YV12, NV12, Y42B, Y444, GRAY8, I420_10LE, I422_10LE, Y444_10LE, P010_10LE }, " +
	"width=(int)[ 1, 32768 ], height=(int)[ 1, 32768 ], framerate=(fraction)[ 0/1, 2147483647/1 ]"

// Register registers the element with plugin (nil: statically, in-process).
func Register(plugin *gst.Plugin) error {
	if !gst.RegisterElement(plugin, Name, gst.RankNone, &element{}, base.ExtendsBaseTransform) {
		return fmt.Errorf("gst_element_register(%s) failed", Name)
	}
	return nil
}

// JPEG quality of snapshots: small files, artefacts still recognisable.
const jpegQuality = 80

// StatNames are the fields of a stats message, after pts. The values are
// those of the last frame of the interval, except frames (analysed since
// start) and analysis-us (mean cost per frame over the interval, mapping
// and A/V sync included). While the element is paired with an audioqc for
// A/V sync, avsync.StatNames follow.
var StatNames = []string{
	"frames", "analysis-us", "luma", "dark", "freeze-diff-db", "still",
	"block", "block-diff", "streak", "blockiness",
	"block-baseline", "block-diff-baseline", "streak-baseline",
}

type element struct {
	thread procs.Thread           // the streaming thread, locked (procs.Thread says why)
	bt     *base.GstBaseTransform // kept from Constructed: virtual methods get a nil self
	trans  unsafe.Pointer         // GstBaseTransform*
	cs     *cstate                // C-side state: video info, current mapping
	poster *message.Poster

	mu        sync.Mutex // serialises property writes
	settings  atomic.Pointer[vd.Settings]
	av        atomic.Pointer[avsync.Settings]
	syncGroup string // under mu; read at start

	// The A/V sync group membership, from start to stop (nil: no sync).
	// Atomic: start/stop run on the state-change thread.
	member atomic.Pointer[avsync.Member]

	// The last stats message's video values and PTS, for the final
	// A/V stats message, which the audio thread may post.
	statsMu   sync.Mutex
	lastVals  []float64
	lastPTS   time.Duration
	finalVals []float64

	// Streaming thread only.
	an        *vd.Analyzer
	applied   *vd.Settings
	frame     vd.Frame
	supported bool
	swapUV    bool
	// narrow: 16-bit samples, their top 8 bits at this shift (0: 8-bit
	// samples); narrowed holds the 8-bit planes.
	narrow     uint
	narrowed   []byte
	nextPTS    time.Duration // for buffers without a PTS
	statsAt    time.Duration // PTS of the last stats message, -1 none
	costSum    time.Duration
	costFrames int
	values     []float64
	names      []string
	avApplied  *avsync.Settings
	warnedMap  bool
	warnedBad  bool

	snaps sync.WaitGroup // snapshot encoders in flight
}

func (e *element) New() glib.GoObjectSubclass {
	nv := len(StatNames) + len(avsync.StatNames)
	n := &element{statsAt: -1, values: make([]float64, 0, nv),
		lastVals: make([]float64, len(StatNames)), finalVals: make([]float64, 0, nv)}
	s := vd.DefaultSettings()
	n.settings.Store(&s)
	av := avsync.DefaultSettings()
	n.av.Store(&av)
	return n
}

func (e *element) ClassInit(klass *glib.ObjectClass) {
	class := gst.ToElementClass(klass)
	class.SetMetadata("Video QC", "Filter/Analyzer/Video",
		"Finds black, frozen and block-corrupted video in raw frames, in place, and posts start/end events, snapshots and stats",
		"avwatch")
	caps := gst.NewCapsFromString(capsString)
	class.AddPadTemplate(gst.NewPadTemplate("sink", gst.PadDirectionSink, gst.PadPresenceAlways, caps))
	class.AddPadTemplate(gst.NewPadTemplate("src", gst.PadDirectionSource, gst.PadPresenceAlways, caps))
	class.InstallProperties(append(paramSpecs(), avParamSpecs()...))
	patchClass(klass.Unsafe())
}

func (e *element) Constructed(obj *glib.Object) {
	e.bt = base.ToGstBaseTransform(obj)
	e.trans = obj.Unsafe()
	e.cs = configureInstance(e.trans)
	e.poster = message.NewPoster(e.trans, Name)
	e.an = vd.NewAnalyzer(*e.settings.Load())
	e.applied = e.settings.Load()
}

func (e *element) SetProperty(obj *glib.Object, id uint, value *glib.Value) {
	switch {
	case id == propSyncGroup:
		g, _ := value.GetString() // NULL reads as "": this pipeline
		e.mu.Lock()
		e.syncGroup = g
		e.mu.Unlock()
		return
	case id >= avPropBase && id < propSyncGroup:
		e.setAVProperty(avProps[id-avPropBase], value)
		return
	case id >= uint(len(props)):
		return
	}
	p := props[id]
	v, ok := valueOf(p, value)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := *e.settings.Load()
	p.set(&s, v)
	if err := s.Validate(); err != nil {
		if e.trans != nil {
			warn(e.trans, fmt.Sprintf("videoqc: property %s=%g ignored: %v", p.name, v, err))
		}
		return
	}
	e.settings.Store(&s)
}

func (e *element) GetProperty(obj *glib.Object, id uint) *glib.Value {
	var x any
	switch {
	case id == propSyncGroup:
		e.mu.Lock()
		x = e.syncGroup
		e.mu.Unlock()
	case id >= avPropBase && id < propSyncGroup:
		p := avProps[id-avPropBase]
		x = p.get(e.av.Load())
		if !p.double {
			x = x.(float64) != 0
		}
	case id < uint(len(props)):
		p := props[id]
		x = p.get(e.settings.Load())
		if !p.double {
			x = x.(float64) != 0
		}
	default:
		return nil
	}
	v, err := glib.GValue(x)
	if err != nil {
		return nil
	}
	return v
}

// setAVProperty validates and publishes an A/V sync setting; the streaming
// thread hands it to the group before its next frame.
func (e *element) setAVProperty(p avProp, value *glib.Value) {
	v, ok := valueOf(prop{}, value)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := *e.av.Load()
	p.set(&s, v)
	if err := s.Validate(); err != nil {
		if e.trans != nil {
			warn(e.trans, fmt.Sprintf("videoqc: property %s=%g ignored: %v", p.name, v, err))
		}
		return
	}
	e.av.Store(&s)
}

// applySettings hands the analyser and the sync group the settings changed
// since the last frame.
func (e *element) applySettings() {
	if av := e.av.Load(); av != e.avApplied {
		e.avApplied = av
		_ = e.member.Load().SetSettings(*av) // validated when set
	}
	s := e.settings.Load()
	if s == e.applied {
		return
	}
	e.applied = s
	e.post(e.an.SetSettings(*s))
}

func (e *element) setCaps(format, width, height int, fullRange bool) bool {
	e.supported = true
	e.swapUV = false
	e.narrow = 0
	f := &e.frame
	f.Width, f.Height, f.FullRange = width, height, fullRange
	switch format {
	case fmtI420:
		f.Layout = vd.Planar420
	case fmtYV12:
		f.Layout, e.swapUV = vd.Planar420, true
	case fmtNV12:
		f.Layout = vd.SemiPlanar420
	case fmtY42B:
		f.Layout = vd.Planar422
	case fmtY444:
		f.Layout = vd.Planar444
	case fmtGRAY8:
		f.Layout = vd.Gray
	case fmtI420p10:
		f.Layout, e.narrow = vd.Planar420, 2
	case fmtI422p10:
		f.Layout, e.narrow = vd.Planar422, 2
	case fmtY444p10:
		f.Layout, e.narrow = vd.Planar444, 2
	case fmtP010:
		f.Layout, e.narrow = vd.SemiPlanar420, 8
	default:
		e.supported = false
	}
	return e.supported
}

// transform analyses one buffer. It never fails the stream: a buffer it
// cannot read is passed on unanalysed, with one warning.
func (e *element) transform(trans, buf unsafe.Pointer) {
	t0 := time.Now()
	e.thread.Enter()
	e.applySettings()
	if !e.supported {
		return
	}
	pts, dur := bufferTimes(buf)
	if pts < 0 {
		pts = e.nextPTS
	}
	if dur < 0 {
		dur = 0
	}
	if !mapFrame(e.cs, buf, &e.frame, e.swapUV) {
		if !e.warnedMap {
			e.warnedMap = true
			warn(trans, "videoqc: cannot map a video buffer for reading (memory not accessible to the CPU? put a download/convert element before videoqc); passing buffers on unanalysed")
		}
		return
	}
	e.frame.PTS, e.frame.Duration = pts, dur
	if benchfloor.Floor {
		unmapFrame(e.cs)
		e.frame.Y, e.frame.U, e.frame.V = vd.Plane{}, vd.Plane{}, vd.Plane{}
		return
	}
	var evs []defect.Event
	var err error
	if e.narrow != 0 {
		e.narrowed, err = e.frame.Narrow(e.narrowed, e.narrow)
	}
	if err == nil {
		evs, err = e.an.Analyze(&e.frame)
	}
	unmapFrame(e.cs)
	e.frame.Y, e.frame.U, e.frame.V = vd.Plane{}, vd.Plane{}, vd.Plane{} // no dangling views
	if err != nil {
		if !e.warnedBad {
			e.warnedBad = true
			warn(trans, "videoqc: frame does not match its caps, not analysed: "+err.Error())
		}
		return
	}
	e.post(evs)
	if m := e.member.Load(); m != nil {
		// A/V sync from the features just measured: no second pass.
		ft := e.an.Features()
		rt, _ := segmentTimes(trans, pts)
		m.Video(avsync.VideoFrame{PTS: pts, RT: rt, Duration: dur,
			Luma: ft.Luma, Diff: max(ft.Diff, 0), Bright: ft.Bright})
	}
	if dur > 0 {
		e.nextPTS = pts + dur
	} else {
		e.nextPTS = pts + 40*time.Millisecond
	}
	e.costSum += time.Since(t0)
	e.costFrames++
	if e.statsAt < 0 || pts < e.statsAt {
		e.statsAt = pts
	} else if pts-e.statsAt >= e.applied.StatsInterval {
		e.postStats(pts)
	}
}

// post sends events to the bus, with segment times, and starts the
// snapshot of each start event.
func (e *element) post(evs []defect.Event) {
	for _, ev := range evs {
		ev.RunningTime, ev.StreamTime = segmentTimes(e.trans, ev.PTS)
		e.poster.Defect(ev)
		if ev.Edge != defect.Start {
			continue
		}
		if th := e.an.TakeSnapshot(ev.Type); th != nil {
			e.snapshot(th)
		}
	}
}

// snapshot encodes th off the streaming thread and posts it.
func (e *element) snapshot(th *vd.Thumb) {
	an := e.an // start() may replace e.an once this goroutine was waited for
	e.snaps.Add(1)
	go func() {
		defer e.snaps.Done()
		defer an.ReleaseThumb(th)
		if jpg, err := th.JPEG(jpegQuality); err == nil {
			e.poster.Snapshot(th.Type, th.PTS, jpg)
		}
	}()
}

func (e *element) postStats(pts time.Duration) {
	ft := e.an.Features()
	b1, b2, b3 := e.an.Baselines()
	still := 0.0
	if ft.Still {
		still = 1
	}
	v := e.values[:len(StatNames)]
	v[0] = float64(e.an.Frames())
	v[1] = float64(e.costSum.Microseconds()) / float64(max(e.costFrames, 1))
	v[2], v[3], v[4], v[5] = ft.Luma, ft.Dark, diffDB(ft.Diff), still
	v[6], v[7], v[8], v[9] = ft.Block, ft.BlockDiff, ft.Streak, ft.Blockiness
	v[10], v[11], v[12] = b1, b2, b3
	e.statsMu.Lock()
	copy(e.lastVals, v)
	e.lastPTS = pts
	e.statsMu.Unlock()
	names := StatNames
	if st := e.member.Load().Stats(); st.Paired {
		v = st.Values(v)
		names = e.names
	}
	e.poster.Stats(pts, names, v)
	e.statsAt = pts
	e.costSum, e.costFrames = 0, 0
}

func diffDB(d float64) float64 {
	if d < 0 {
		return 0
	}
	return vd.DiffDB(d)
}

// endOfStream closes open windows before EOS travels on, and waits for
// their snapshots, so every message of the stream precedes EOS on the bus.
// A/V sync finishes once audio has ended too (see finalStats).
func (e *element) endOfStream() {
	e.post(e.an.Flush())
	e.member.Load().EOS()
	e.snaps.Wait()
}

// discontinuity (flushing seek): windows end where the old timeline ended;
// nothing is compared across the cut.
func (e *element) discontinuity() {
	e.post(e.an.Flush())
	e.member.Load().Reset()
	e.statsAt = -1
}

// finalStats posts the last stats message of a run, with the final A/V
// estimate, once both streams have ended (the group calls it from the
// thread of the second EOS, after the last av_offset edge). The video
// values are those of the last stats message.
func (e *element) finalStats(st avsync.Stats) {
	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	v := append(e.finalVals[:0], e.lastVals...)
	v = st.Values(v)
	e.poster.Stats(e.lastPTS, e.names, v)
}

// joinSync joins the A/V sync group the sync-group property names (by
// default the pipeline's): audioqc in the same group feeds it audio.
func (e *element) joinSync() {
	e.mu.Lock()
	sg := e.syncGroup
	e.mu.Unlock()
	key, ok := avsync.GroupKey(sg, topLevel(e.trans))
	if !ok {
		return
	}
	m, err := avsync.Join(key, avsync.Video, func(ev defect.Event) { e.poster.Defect(ev) })
	if err != nil {
		warn(e.trans, "videoqc: no A/V sync: "+err.Error())
		return
	}
	e.avApplied = e.av.Load()
	_ = m.SetSettings(*e.avApplied)
	m.OnFinish(e.finalStats)
	e.member.Store(m)
}

func (e *element) start() {
	procs.Enter()
	e.applied = e.settings.Load()
	e.an = vd.NewAnalyzer(*e.applied)
	e.statsAt, e.nextPTS = -1, 0
	e.costSum, e.costFrames = 0, 0
	e.warnedMap, e.warnedBad = false, false
	if e.names == nil {
		e.names = append(append([]string(nil), StatNames...), avsync.StatNames...)
	}
	e.joinSync()
}

func (e *element) stop() {
	if e.an.Frames() > 0 {
		e.post(e.an.Flush())
	}
	// Leaving closes an open av_offset window (its end is posted here).
	e.member.Swap(nil).Leave()
	e.snaps.Wait()
	procs.Leave()
}
