package avsync

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Role is the part an element plays in a Group.
type Role uint8

const (
	Video Role = iota + 1
	Audio
)

func (r Role) String() string {
	switch r {
	case Video:
		return "video"
	case Audio:
		return "audio"
	}
	return "unknown"
}

// Sink receives the group's av_offset events. The video member's sink is
// the one used (videoqc posts A/V sync). It is called from whichever
// streaming thread produced the event, one call at a time and in order,
// never with the group locked; it must be safe to call from any thread
// (message.Poster is) and should return quickly.
type Sink func(defect.Event)

// Group is the meeting point of one video and one audio element: the
// detectors and their merged av_offset window.
//
// Concurrency: the two elements push from their own streaming threads. One
// mutex guards the detectors; a push holds it for O(1) work (ring writes,
// marker and skew steps) plus, once per second of media, a copy of the
// correlation window (~5k values). The correlation itself runs on the
// pushing thread with the lock released, so the other thread never waits
// for it. Events are delivered after the lock is released.
type Group struct {
	key string

	mu     sync.Mutex
	video  *Member
	audio  *Member
	s      Settings
	skew   *Skew
	marker *Marker
	corr   *Correlator
	busy   bool   // a correlation is being computed outside the lock
	gen    uint64 // bumped by Reset: a computation started before is void
	ended  [3]bool
	done   bool // detectors finished (EOS on both, or a member left)

	// Merging: the three detectors' windows become one av_offset window,
	// so the agent never sees two overlapping windows of one type from
	// one element.
	activeMask uint8
	mergedAt   time.Duration
	lastEnd    time.Duration
	ptsOff     time.Duration // video PTS − running time, to date events in video PTS
	lastRT     time.Duration
	evs        []defect.Event // detector output scratch, used under mu
	out        [outCap]defect.Event
	nout       int
	dropped    int

	deliverMu sync.Mutex
	batch     [outCap]defect.Event // delivery scratch, used under deliverMu

	toneHz atomic.Uint64 // math.Float64bits; read by the audio thread without mu
}

const outCap = 32

const (
	srcSkew uint8 = 1 << iota
	srcMarker
	srcCorr
)

// Member is one element's handle on its Group. All methods are safe on a
// nil *Member (no-ops), so an element whose Join failed or that runs with
// sync off needs no special cases.
type Member struct {
	g    *Group
	role Role
	sink Sink

	// Video side only: called once the detectors have finished (both
	// streams ended), with the final estimate. Set before streaming.
	onFinish func(Stats)

	// Audio side only, used by the audio streaming thread alone.
	meter  AudioMeter
	blocks []AudioBlock
}

var registry = struct {
	sync.Mutex
	groups map[string]*Group
}{groups: map[string]*Group{}}

// PipelineKey is the sync-group key of the pipeline (top-level bin) at
// address addr, used when the sync-group property is empty: the videoqc
// and audioqc of one pipeline find each other, and two pipelines in one
// process (the agent runs one per stream) never mix.
func PipelineKey(addr uintptr) string { return fmt.Sprintf("pipeline@%#x", addr) }

// SyncGroupNone is the sync-group value that keeps an element out of A/V
// sync.
const SyncGroupNone = "none"

// GroupKey resolves an element's sync-group property: "" is the element's
// pipeline (PipelineKey of the top-level bin's address), SyncGroupNone
// means no sync (ok false), anything else is an explicit group.
func GroupKey(prop string, pipeline uintptr) (key string, ok bool) {
	switch prop {
	case "":
		return PipelineKey(pipeline), true
	case SyncGroupNone:
		return "", false
	}
	return prop, true
}

// Join adds an element to the group named key, creating it if needed.
// There is one member per role: a second video or audio element in the
// same group gets an error (and should run without sync, posting the error
// as a warning). sink is used for the video member; pass nil for audio.
// Call once per run (READY→PAUSED) and Leave when stopping.
func Join(key string, role Role, sink Sink) (*Member, error) {
	if key == "" {
		return nil, fmt.Errorf("sync-group: empty key")
	}
	if role != Video && role != Audio {
		return nil, fmt.Errorf("sync-group %q: unknown role %d", key, role)
	}
	registry.Lock()
	defer registry.Unlock()
	g := registry.groups[key]
	if g == nil {
		s := DefaultSettings()
		g = &Group{key: key, s: s, skew: NewSkew(s), marker: NewMarker(s), corr: NewCorrelator(s),
			evs: make([]defect.Event, 0, outCap), lastRT: -1}
		g.toneHz.Store(math.Float64bits(s.Marker.ToneHz))
		registry.groups[key] = g
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		// The previous run finished (both ended, or a member left):
		// this is a new run.
		g.resetLocked()
	}
	m := &Member{g: g, role: role, sink: sink}
	switch role {
	case Video:
		if g.video != nil {
			return nil, fmt.Errorf("sync-group %q already has a video element: set a distinct sync-group on each videoqc/audioqc pair", key)
		}
		g.video = m
	case Audio:
		if g.audio != nil {
			return nil, fmt.Errorf("sync-group %q already has an audio element: set a distinct sync-group on each videoqc/audioqc pair", key)
		}
		g.audio = m
		m.blocks = make([]AudioBlock, 0, 64)
	}
	return m, nil
}

// Leave removes the element from its group. Open windows are closed (their
// end events go to the video sink, if the video member is still there), and
// the group is forgotten once both have left.
func (m *Member) Leave() {
	if m == nil {
		return
	}
	g := m.g
	g.mu.Lock()
	if !g.done {
		g.finishLocked()
	}
	g.mu.Unlock()
	g.deliver()
	registry.Lock()
	g.mu.Lock()
	switch {
	case m.role == Video && g.video == m:
		g.video = nil
	case m.role == Audio && g.audio == m:
		g.audio = nil
	}
	if g.video == nil && g.audio == nil && registry.groups[g.key] == g {
		delete(registry.groups, g.key)
	}
	g.mu.Unlock()
	registry.Unlock()
}

// SetSettings applies A/V sync settings (videoqc's av-* properties) to the
// group; safe while playing. History is kept.
func (m *Member) SetSettings(s Settings) error {
	if m == nil {
		return nil
	}
	if err := s.Validate(); err != nil {
		return err
	}
	g := m.g
	g.mu.Lock()
	g.s = s
	g.skew.SetSettings(s)
	g.marker.SetSettings(s)
	g.corr.SetSettings(s)
	g.mu.Unlock()
	g.toneHz.Store(math.Float64bits(s.Marker.ToneHz))
	return nil
}

// Video pushes one frame's features (video member only).
func (m *Member) Video(f VideoFrame) {
	if m == nil || m.role != Video {
		return
	}
	g := m.g
	g.mu.Lock()
	if g.done || f.RT < 0 {
		g.mu.Unlock()
		return
	}
	g.ptsOff = f.PTS - f.RT
	g.lastRT = max(g.lastRT, f.RT)
	evs := g.evs[:0]
	evs = g.skew.AddVideo(f.RT+max(0, f.Duration), max(0, f.Duration), evs)
	g.merge(srcSkew, evs)
	g.corr.AddVideo(f)
	evs = g.marker.AddVideo(f, g.evs[:0])
	g.merge(srcMarker, evs)
	g.correlateAndUnlock()
	g.deliver()
}

// AudioF32 pushes interleaved float samples (full scale ±1) whose first
// sample is at running time rt (audio member only). Any buffer size.
func (m *Member) AudioF32(rt time.Duration, x []float32, channels, rate int) {
	if m == nil || m.role != Audio || channels <= 0 || rate <= 0 {
		return
	}
	m.blocks = m.meter.F32(rt, x, channels, rate, m.g.tone(), m.blocks[:0])
	m.audio(rt, len(x)/channels, rate)
}

// AudioPlanar pushes planar float samples, planes[c][:n] per channel (full
// scale ±1), whose first sample is at running time rt (audio member only).
func (m *Member) AudioPlanar(rt time.Duration, planes [][]float64, n, rate int) {
	if m == nil || m.role != Audio || n <= 0 || rate <= 0 {
		return
	}
	m.blocks = m.meter.Planar(rt, planes, n, rate, m.g.tone(), m.blocks[:0])
	m.audio(rt, n, rate)
}

// AudioS16 pushes interleaved signed 16-bit samples.
func (m *Member) AudioS16(rt time.Duration, x []int16, channels, rate int) {
	if m == nil || m.role != Audio || channels <= 0 || rate <= 0 {
		return
	}
	m.blocks = m.meter.S16(rt, x, channels, rate, m.g.tone(), m.blocks[:0])
	m.audio(rt, len(x)/channels, rate)
}

func (g *Group) tone() float64 { return math.Float64frombits(g.toneHz.Load()) }

func (m *Member) audio(rt time.Duration, frames, rate int) {
	g := m.g
	g.mu.Lock()
	if g.done || rt < 0 {
		g.mu.Unlock()
		return
	}
	dur := time.Duration(int64(frames) * int64(time.Second) / int64(rate))
	evs := g.skew.AddAudio(rt+dur, dur, g.evs[:0])
	g.merge(srcSkew, evs)
	for _, b := range m.blocks {
		g.corr.AddAudio(b)
		evs = g.marker.AddAudio(b, g.evs[:0])
		g.merge(srcMarker, evs)
	}
	g.correlateAndUnlock()
	g.deliver()
}

// correlateAndUnlock runs a due correlation with the lock released, then
// unlocks. Called with g.mu held.
func (g *Group) correlateAndUnlock() {
	if g.busy || !g.corr.Due() {
		g.mu.Unlock()
		return
	}
	end, _ := g.corr.span()
	g.corr.snapshot(end)
	g.busy = true
	gen := g.gen
	g.mu.Unlock()

	e := g.corr.compute() // scratch only: no lock needed

	g.mu.Lock()
	g.busy = false
	if gen == g.gen && !g.done {
		// Markers, when present, are exact: the correlator's verdict is
		// not used then (its estimate still shows in stats).
		g.merge(srcCorr, g.corr.apply(e, g.marker.Estimate().Present, g.evs[:0]))
	}
	g.mu.Unlock()
}

// Reset forgets all history and closes open windows: call on FLUSH_STOP (a
// seek: running times before and after are not comparable). Not on a new
// SEGMENT: one that moves a stream's running time is a skew to report.
func (m *Member) Reset() {
	if m == nil {
		return
	}
	g := m.g
	g.mu.Lock()
	g.resetLocked()
	g.mu.Unlock()
	g.deliver()
}

func (g *Group) resetLocked() {
	g.gen++
	end := max(g.lastRT, 0)
	g.merge(srcSkew, g.skew.Reset(g.evs[:0]))
	g.merge(srcMarker, g.marker.Reset(end, g.evs[:0]))
	g.merge(srcCorr, g.corr.Reset(end, g.evs[:0]))
	g.ended = [3]bool{}
	g.done = false
	g.lastRT = -1
}

// EOS notes the end of the member's stream. Timestamp skew stops at the
// first EOS (the other stream running on is not a skew); the content
// detectors make their last estimates and close their windows once both
// streams have ended.
func (m *Member) EOS() {
	if m == nil {
		return
	}
	g := m.g
	g.mu.Lock()
	g.ended[m.role] = true
	g.merge(srcSkew, g.skew.Finish(g.evs[:0]))
	g.skew.Stop()
	var final func(Stats)
	if g.ended[Video] && g.ended[Audio] && !g.done {
		g.finishLocked()
		if g.video != nil {
			final = g.video.onFinish
		}
	}
	g.mu.Unlock()
	g.deliver()
	if final != nil {
		final(g.video0().Stats())
	}
}

// video0 is the group's video member (nil-safe: Stats on nil is zero).
func (g *Group) video0() *Member {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.video
}

// OnFinish sets a function the group calls once per run, after the last
// events, when both streams have ended (EOS on both): the final estimate,
// for a last stats message. It is called from whichever streaming thread
// delivered the second EOS. Video member only; call before streaming.
func (m *Member) OnFinish(f func(Stats)) {
	if m == nil || m.role != Video {
		return
	}
	m.g.mu.Lock()
	m.onFinish = f
	m.g.mu.Unlock()
}

// finishLocked runs the detectors' end-of-stream work. Called with g.mu
// held; a computation in flight is voided.
func (g *Group) finishLocked() {
	g.gen++
	end := max(g.lastRT, 0)
	g.merge(srcSkew, g.skew.Finish(g.evs[:0]))
	markers := g.marker.Estimate().Present
	g.merge(srcMarker, g.marker.Finish(end, g.evs[:0]))
	if !g.busy {
		g.merge(srcCorr, g.corr.Finish(end, markers, g.evs[:0]))
	} else {
		g.merge(srcCorr, g.corr.flush(end, g.evs[:0]))
	}
	g.done = true
}

// merge folds one detector's edges into the group's single window and
// queues the merged edges. Called with g.mu held.
func (g *Group) merge(src uint8, evs []defect.Event) {
	for _, ev := range evs {
		switch ev.Edge {
		case defect.Start:
			was := g.activeMask
			g.activeMask |= src
			if was != 0 {
				continue
			}
			if ev.RunningTime < g.lastEnd {
				ev.RunningTime = g.lastEnd
			}
			g.mergedAt = ev.RunningTime
		case defect.End:
			if g.activeMask&src == 0 {
				continue
			}
			g.activeMask &^= src
			if g.activeMask != 0 {
				continue
			}
			if ev.RunningTime < g.mergedAt {
				ev.RunningTime = g.mergedAt
			}
			ev.Duration = ev.RunningTime - g.mergedAt
			g.lastEnd = ev.RunningTime
		}
		ev.PTS = ev.RunningTime + g.ptsOff
		ev.StreamTime = -1
		if g.nout == outCap {
			g.dropped++ // cannot happen with ≤ 3 detectors and delivery after every push
			continue
		}
		g.out[g.nout] = ev
		g.nout++
	}
}

// deliver hands queued events to the video sink, in order, without g.mu.
func (g *Group) deliver() {
	g.deliverMu.Lock()
	defer g.deliverMu.Unlock()
	g.mu.Lock()
	n := copy(g.batch[:], g.out[:g.nout])
	g.nout = 0
	var sink Sink
	if g.video != nil {
		sink = g.video.sink
	}
	g.mu.Unlock()
	if sink == nil {
		return
	}
	for i := 0; i < n; i++ {
		sink(g.batch[i])
	}
}

// Source says which detector the current estimate comes from.
type Source uint8

const (
	SourceNone        Source = iota // no usable estimate
	SourceMarker                    // sync markers
	SourceCorrelation               // programme content
)

// Stats is the group's state for the video element's stats message.
type Stats struct {
	// OffsetMs and Confidence are the best current estimate: markers
	// when present, else a confident correlation, else none (0, 0).
	OffsetMs   float64
	Confidence float64
	Source     Source
	// Signal is false when the content gives no usable signal (no
	// markers, and too few audio onsets or visual changes).
	Signal bool
	// Alert is true while an av_offset window is open.
	Alert bool
	// Paired is true when the group has both a video and an audio
	// element (a video-only stream has no A/V sync to report).
	Paired bool
	// AgeS is how far back (media seconds before the latest video frame)
	// lies the moment the estimate describes: the last marker pair, or
	// the middle of the correlation window. A drifting offset is right
	// there, not now.
	AgeS        float64
	Marker      MarkerEstimate
	Correlation Estimate
	Skew        SkewEstimate
}

// StatNames are the stats fields the video element adds, in the order
// Stats.Values appends them. Doubles only: booleans are 0/1, Source is the
// Source number.
var StatNames = []string{
	"av-offset-ms", "av-confidence", "av-source", "av-signal", "av-alert",
	"av-marker-offset-ms", "av-marker-pairs",
	"av-corr-offset-ms", "av-corr-confidence",
	"av-ts-skew-ms", "av-age-s",
}

// Values appends the StatNames values to dst (no allocation when dst has
// room).
func (s Stats) Values(dst []float64) []float64 {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	return append(dst, s.OffsetMs, s.Confidence, float64(s.Source), b(s.Signal), b(s.Alert),
		s.Marker.OffsetMs, float64(s.Marker.Pairs),
		s.Correlation.OffsetMs, s.Correlation.Confidence,
		s.Skew.SkewMs, s.AgeS)
}

// Stats returns the current estimates.
func (m *Member) Stats() Stats {
	if m == nil {
		return Stats{}
	}
	g := m.g
	g.mu.Lock()
	defer g.mu.Unlock()
	st := Stats{
		Marker:      g.marker.Estimate(),
		Correlation: g.corr.Estimate(),
		Skew:        g.skew.Estimate(),
		Alert:       g.activeMask != 0,
		Paired:      g.video != nil && g.audio != nil,
	}
	c := st.Correlation
	switch {
	case st.Marker.Present:
		st.OffsetMs, st.Confidence, st.Source, st.Signal = st.Marker.OffsetMs, 1, SourceMarker, true
		st.AgeS = max(0, g.lastRT-st.Marker.At).Seconds()
	case c.Valid && c.Signal && c.Confidence >= g.s.Correlation.MinConfidence:
		st.OffsetMs, st.Confidence, st.Source, st.Signal = c.OffsetMs, c.Confidence, SourceCorrelation, true
		st.AgeS = max(0, g.lastRT-c.At).Seconds()
	default:
		st.Signal = c.Valid && c.Signal
		st.Confidence = c.Confidence
	}
	return st
}
