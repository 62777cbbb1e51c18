package avsync

import (
	"math"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Marker measures the offset from sync test markers: a flash frame or white
// patch (video) together with a tone burst (audio), as broadcast sync test
// signals carry, typically one every 1–4 s. Every flash/tone pair is one
// measurement; a window of bad pairs lasting MinDuration raises av_offset.
//
// Video onsets are quantised to frames (the first frame showing the patch);
// audio onsets are interpolated inside the 5 ms block from how much of the
// block the tone fills (Goertzel power grows with the square of the filled
// share), so the audio side adds well under a millisecond of error.
//
// Periodic markers are ambiguous by their period: a pair is made with the
// tone nearest to the previous offset (initially 0), within MaxOffset, so
// the offset is tracked continuously but only known modulo the period.
//
// Not safe for concurrent use; Group serialises it.
type Marker struct {
	s   Settings
	lim limits
	win window

	// video: Bright baseline (minimum of recent frames) and flash state
	br       [markerBaseFrames]float64
	nbr      int
	inFlash  bool
	flashAt  time.Duration // onset of the flash in progress
	flashMax float64       // its largest rise over the baseline
	vHead    time.Duration
	vLast    time.Duration
	vSeen    bool

	// audio: tone state and the onset waiting for its next block
	toneOn   bool
	offRun   int // blocks without tone
	prevTone float64
	pend     bool
	pendRT   time.Duration
	pendDur  time.Duration
	pendP    float64 // tone power of the first block with tone
	pendPrev float64 // of the block before it
	aHead    time.Duration
	aSeen    bool

	flashes onsets
	tones   onsets

	ref      float64 // offset the next pair is expected near
	recent   [3]float64
	nrecent  int
	suspect  [3]float64
	nsuspect int
	lastPair time.Duration
	lastFl   time.Duration
	haveFl   bool
	est      MarkerEstimate
}

// MarkerEstimate is the marker detector's latest measurement, for stats.
type MarkerEstimate struct {
	// At is the running time of the flash of the last pair.
	At time.Duration
	// OffsetMs is the offset of the last pair, positive = audio late.
	OffsetMs float64
	// Pairs counts the pairs measured since the start (or reset).
	Pairs int
	// PeriodMs is the interval between the last two flashes (0 if one).
	PeriodMs float64
	// Present is true while pairs keep coming (one within markerGap).
	Present bool
}

const (
	markerBaseFrames = 16   // Bright baseline: the calmest of the last 16 frames
	minPatch         = 0.01 // a white patch must cover ≥1% of the picture
	// maxFlash is the longest a white patch may stay on and still be a
	// marker: sync-test flashes last one frame to a few hundred ms, and
	// markers repeat every 1–4 s. A brighter picture that lasts longer is
	// the programme's new level: it becomes the baseline and is no marker.
	maxFlash = 500 * time.Millisecond
	// flashDominance: a flash whose rise is this many times another's is a
	// different kind of event (a white frame over a programme graphic),
	// not the same patch growing through field or encoder blending (≤2×).
	flashDominance = 4.0
	toneMinPower   = 1e-5 // −47 dBFS mean square: above any noise floor of a test signal
	toneDominance  = 0.5  // the tone carries at least half the block energy
	toneGapBlocks  = 10   // 50 ms without tone before a new burst counts
	markerGap      = 5 * time.Second
	// markerJumpMs is how far from the tracked offset a pair may be and
	// still count: a real change of offset larger than this needs three
	// agreeing pairs to be believed.
	markerJumpMs = 100.0
	onsetCap     = 32
)

// onsets is a small FIFO of onset times with a used flag.
type onsets struct {
	t    [onsetCap]time.Duration
	used [onsetCap]bool
	head int
	n    int
}

func (o *onsets) push(t time.Duration) {
	if o.n == onsetCap {
		o.pop()
	}
	i := (o.head + o.n) % onsetCap
	o.t[i], o.used[i] = t, false
	o.n++
}
func (o *onsets) at(i int) (time.Duration, bool) {
	k := (o.head + i) % onsetCap
	return o.t[k], o.used[k]
}

// dropLast withdraws the newest onset if it is at t.
func (o *onsets) dropLast(t time.Duration) {
	if o.n > 0 && o.t[(o.head+o.n-1)%onsetCap] == t {
		o.n--
	}
}
func (o *onsets) use(i int) { o.used[(o.head+i)%onsetCap] = true }
func (o *onsets) pop()      { o.head = (o.head + 1) % onsetCap; o.n-- }

// NewMarker returns a marker detector with settings s.
func NewMarker(s Settings) *Marker {
	m := &Marker{}
	m.SetSettings(s)
	return m
}

// SetSettings changes the settings; state is kept.
func (m *Marker) SetSettings(s Settings) {
	m.s = s
	m.lim = s.limits()
	m.win.configure(s.Marker.MinDuration, markerGap)
}

// Estimate returns the latest pair's measurement.
func (m *Marker) Estimate() MarkerEstimate { return m.est }

// Active reports whether an av_offset window is open.
func (m *Marker) Active() bool { return m.win.active() }

// Reset forgets all state, closing an open window at end.
func (m *Marker) Reset(end time.Duration, out []defect.Event) []defect.Event {
	out = m.flush(end, out)
	*m = Marker{s: m.s, lim: m.lim, win: m.win}
	return out
}

// forget drops the measurement history but keeps the window: after a
// backward timestamp jump of one stream the pending onsets and the tracked
// offset belong to another timeline (the skew detector reports the jump).
func (m *Marker) forget() {
	*m = Marker{s: m.s, lim: m.lim, win: m.win, est: MarkerEstimate{}}
}

func (m *Marker) flush(end time.Duration, out []defect.Event) []defect.Event {
	// One bad pair, or bad pairs spanning less than MinDuration, must
	// not alert because the stream ran on after them.
	m.win.dropCandidate()
	_, thr := m.lim.bad(m.est.OffsetMs, true)
	return m.win.flush(end, m.est.OffsetMs, thr, out)
}

// Finish pairs what can still be paired and closes any open window at end.
func (m *Marker) Finish(end time.Duration, out []defect.Event) []defect.Event {
	// Nothing more will arrive: every pending flash has all its candidates.
	past := end + 2*m.s.MaxOffset + time.Second
	m.vHead, m.aHead = max(m.vHead, past), max(m.aHead, past)
	out = m.pair(out)
	return m.flush(end, out)
}

// AddVideo looks for the onset of a white patch in one frame.
func (m *Marker) AddVideo(f VideoFrame, out []defect.Event) []defect.Event {
	if f.RT < 0 || !m.s.Marker.Enabled {
		return out
	}
	if m.vSeen && f.RT <= m.vLast {
		if m.vLast-f.RT <= backJump {
			return out // a frame out of order
		}
		m.forget() // timestamps restarted: pending onsets are of another timeline
	}
	m.vLast = f.RT
	base, top := math.Inf(1), math.Inf(-1)
	for i := 0; i < min(m.nbr, markerBaseFrames); i++ {
		base, top = math.Min(base, m.br[i]), math.Max(top, m.br[i])
	}
	ending := false
	if m.nbr > 0 {
		rise := f.Bright - base
		switch {
		// A patch must add minPatch above the brightest recent programme
		// frame, not only above the calmest: programme white share
		// flickers by about a percent from frame to frame (grain, a
		// graphic moving), and every such flicker would be a flash that
		// competes for the marker's tone.
		case !m.inFlash && f.Bright-top >= minPatch,
			m.inFlash && rise >= minPatch && rise >= flashDominance*m.flashMax:
			// A new flash, or a much stronger one on top of a weak one
			// (a white frame while a programme graphic is up): the weak
			// one must not hide the marker.
			m.inFlash, m.flashAt, m.flashMax = true, f.RT, rise
			m.flashes.push(f.RT)
		case m.inFlash && (rise < minPatch/2 || rise < m.flashMax/2):
			// The patch is gone once the rise falls below half its own
			// peak, so a programme that brightened a little during the
			// flash does not hold the flash (and the baseline) for ever.
			m.inFlash, ending = false, true
		case m.inFlash && f.RT-m.flashAt > maxFlash:
			// Too long for a marker: the programme's new level.
			m.inFlash = false
			m.flashes.dropLast(m.flashAt)
			for i := range m.br {
				m.br[i] = f.Bright
			}
		case m.inFlash:
			m.flashMax = max(m.flashMax, rise)
		}
	}
	// A patch that stays on would become the baseline and end the
	// flash: keep the baseline from before the flash while it lasts.
	// The frame a flash ends on may still show some of it (a blended
	// frame): kept out too, or it would raise the bar for the next flash.
	if !m.inFlash && !ending {
		m.br[m.nbr%markerBaseFrames] = f.Bright
		m.nbr++
		if m.nbr > 1<<30 {
			m.nbr = markerBaseFrames + m.nbr%markerBaseFrames
		}
	}
	d := f.Duration
	if d <= 0 {
		d = time.Millisecond
	}
	m.vHead, m.vSeen = f.RT+d, true
	out = m.pair(out)
	if m.win.active() && m.vHead-m.lastPair > markerGap {
		_, thr := m.lim.bad(m.est.OffsetMs, true)
		out = m.win.stepUnknown(m.vHead, m.est.OffsetMs, thr, out)
	}
	m.est.Present = m.est.Pairs > 0 && m.vHead-m.lastPair <= markerGap
	return out
}

// AddAudio looks for the onset of a tone burst in one block.
func (m *Marker) AddAudio(b AudioBlock, out []defect.Event) []defect.Event {
	if b.RT < 0 || b.Dur <= 0 || !m.s.Marker.Enabled {
		return out
	}
	if m.aSeen && m.aHead-(b.RT+b.Dur) > backJump {
		m.forget()
	}
	on := b.Tone >= toneMinPower && b.Tone >= toneDominance*b.Energy
	if m.pend {
		// Sub-block onset: the share of a block a tone fills is the
		// square root of its power relative to a full block.
		full := b.Tone
		if !on || full < m.pendP {
			full = m.pendP // burst shorter than two blocks: the first is the best reference
		}
		fFirst := math.Sqrt(math.Min(1, m.pendP/full))
		fPrev := math.Sqrt(math.Min(1, m.pendPrev/full))
		t := m.pendRT + time.Duration((1-fFirst-fPrev)*float64(m.pendDur))
		m.tones.push(t)
		m.pend = false
	}
	switch {
	case on && !m.toneOn && m.offRun >= toneGapBlocks:
		m.toneOn, m.offRun = true, 0
		m.pend, m.pendRT, m.pendDur, m.pendP, m.pendPrev = true, b.RT, b.Dur, b.Tone, m.prevTone
	case on:
		m.toneOn, m.offRun = true, 0
	default:
		m.toneOn = false
		m.offRun++
	}
	m.prevTone = b.Tone
	m.aHead, m.aSeen = b.RT+b.Dur, true
	return m.pair(out)
}

// pair makes pairs of flashes and tones once every candidate of a flash
// has arrived: its tones (audio past flash+MaxOffset) and the other flashes
// that could claim them (video past flash+2·MaxOffset), so the order in
// which the two threads deliver does not matter. A tone goes to the flash
// whose lag is nearest the expected offset, so a bright programme frame
// cannot take the tone of the marker flash next to it.
func (m *Marker) pair(out []defect.Event) []defect.Event {
	maxLag := m.s.MaxOffset
	lagMs := func(t, f time.Duration) float64 { return float64(t-f) / float64(time.Millisecond) }
	maxMs := float64(maxLag) / float64(time.Millisecond)
	for m.flashes.n > 0 {
		f, _ := m.flashes.at(0)
		if m.aHead < f+maxLag+blockDur*2 || m.vHead < f+2*maxLag {
			break
		}
		m.flashes.pop()
		best, bestD := -1, math.Inf(1)
		for i := 0; i < m.tones.n; i++ {
			t, used := m.tones.at(i)
			lag := lagMs(t, f)
			if used || math.Abs(lag) > maxMs {
				continue
			}
			d := math.Abs(lag - m.ref)
			if d >= bestD {
				continue
			}
			claimed := false // by a later flash that fits this tone better
			for k := 0; k < m.flashes.n && !claimed; k++ {
				g, _ := m.flashes.at(k)
				l2 := lagMs(t, g)
				claimed = math.Abs(l2) <= maxMs && math.Abs(l2-m.ref) < d
			}
			if !claimed {
				best, bestD = i, d
			}
		}
		if m.haveFl {
			m.est.PeriodMs = lagMs(f, m.lastFl)
		}
		m.lastFl, m.haveFl = f, true
		if best < 0 {
			continue // a flash without tone: a lost marker or a bright picture
		}
		t, _ := m.tones.at(best)
		m.tones.use(best)
		out = m.measured(f, lagMs(t, f), out)
	}
	// Drop tones no flash seen or to come can pair with.
	for m.tones.n > 0 {
		t, _ := m.tones.at(0)
		if m.vHead < t+maxLag+blockDur*2 {
			break
		}
		if m.flashes.n > 0 {
			if f, _ := m.flashes.at(0); t >= f-maxLag {
				break
			}
		}
		m.tones.pop()
	}
	return out
}

// measured takes one pair. Once three pairs agree, a pair far from them
// (a programme flash next to a marker tone) is held as a suspect rather
// than reported; three suspects that agree with each other are a real
// change of offset and become the new reference.
func (m *Marker) measured(at time.Duration, offsetMs float64, out []defect.Event) []defect.Event {
	if m.nrecent >= 3 && math.Abs(offsetMs-m.ref) > markerJumpMs {
		m.suspect[m.nsuspect%3] = offsetMs
		m.nsuspect++
		if m.nsuspect < 3 {
			return out
		}
		med := median3(m.suspect, 3)
		for _, v := range m.suspect {
			if math.Abs(v-med) > markerJumpMs/2 {
				return out
			}
		}
		m.recent, m.nrecent = m.suspect, 3 // relock
	}
	m.nsuspect = 0
	m.est.At, m.est.OffsetMs = at, offsetMs
	m.est.Pairs++
	m.est.Present = true
	m.recent[m.nrecent%3] = offsetMs
	m.nrecent++
	// Expect the next pair near the median of the last three, so one
	// odd pair does not drag the tracking away.
	m.ref = offsetMs
	if m.nrecent >= 3 {
		m.ref = median3(m.recent, 3)
	}
	if m.est.Pairs > 1 && at-m.lastPair > markerGap {
		// Bad pairs further apart than markerGap are not one bad state:
		// the markers were gone in between.
		m.win.dropCandidate()
	}
	m.lastPair = at
	bad, thr := m.lim.bad(offsetMs, m.win.active())
	return m.win.step(at, bad, offsetMs, thr, out)
}
