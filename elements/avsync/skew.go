package avsync

import (
	"math"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Skew watches the relation between the two streams' timestamps, without
// looking at content.
//
// What it observes: the running time reached by each stream (end of its
// latest buffer) at the moments buffers arrive. R = audio head − video head,
// sampled at every buffer of either stream. In a live pipeline both heads
// track the clock, so R is the difference of the two streams' latencies and
// is steady; in as-fast-as-possible file QC the heads advance as the
// demuxer interleaves the file and the queues let them, so R is steady
// too, but jitters by up to the queue depth. Either way the arrival clock
// itself is never used: only how the two running times progress relative
// to each other.
//
// What it detects: a change of R from its baseline (the median of R over
// the first seconds after start or reset), as the median over 250 ms ticks:
//   - one stream's timestamps jump (an encoder or multiplexer restart of one
//     elementary stream): R steps by the jump;
//   - one stream's timestamps drift against the other's (two clocks): R ramps;
//   - one stream's timestamps stall, or its buffers stop, while the other
//     flows: R grows at 1 s/s (video stalled: positive, "audio late";
//     audio stalled: negative).
//
// Positive = audio timestamps ahead of where they were relative to video =
// audio will be presented late.
//
// Dating: a change is seen when the faulty buffer arrives. Faults in video
// timestamps are dated at the video head, those in audio timestamps at the
// audio head mapped into the video timeline (minus the baseline R): in file
// QC the demuxer hands one stream out up to ~0.5 s of media ahead of the
// other, and in real time the two latencies differ, so the arrival moment
// is not the fault's media time. Which stream is at fault: the one whose
// timestamps advanced other than by its buffers' durations in that tick.
//
// What it cannot detect: an offset present from the start (the baseline
// absorbs it) or baked into the content with consistent timestamps — the
// marker and correlation detectors measure those; and, in file QC, changes
// smaller than the queue jitter it saw while learning the baseline (the
// limits are widened by twice that jitter, reported as MarginMs). A
// timestamp jump written into a file that was then muxed by timestamp
// shows as a gap in one stream and no change of R; recordings of live
// transport streams (muxed in arrival order) keep the jump visible.
//
// Not safe for concurrent use; Group serialises it.
type Skew struct {
	s   Settings
	lim limits
	win window

	vHead, aHead time.Duration
	vSeen, aSeen bool
	now          time.Duration // progress clock (see sample)
	lastV        time.Duration
	aSinceV      time.Duration // audio progress since video last advanced
	started      bool
	start        time.Duration // now at the first sample with both streams

	tickEnd time.Duration
	samp    [skewSamples]float64
	ns      int

	base   [skewBaseTicks]float64
	nb     int
	r0     float64
	margin float64
	ready  bool

	// Which stream's timestamps misbehave (for dating): the abnormal
	// change of R each stream brought this tick (ms), and the verdict.
	vPeriod    time.Duration // frame period, for frames without duration
	abnA, abnV float64
	audioFault bool

	est     SkewEstimate
	stopped bool
}

// SkewEstimate is the skew detector's state, for stats.
type SkewEstimate struct {
	At time.Duration
	// SkewMs is the latest tick's change of R from its baseline,
	// positive = audio late.
	SkewMs float64
	// MarginMs is the jitter allowance added to the limits.
	MarginMs float64
	// Ready is false while the baseline is being learnt.
	Ready bool
}

const (
	skewTick      = 250 * time.Millisecond
	skewWarmup    = time.Second // queues filling at start are not the steady state
	skewBaseTicks = 12          // 3 s of baseline
	skewSamples   = 256         // samples kept per tick (more are thinned)
	// faultMinMs is the abnormal timestamp advance in a tick that names a
	// stream as the one at fault: above the rounding of container
	// timestamps (±1 ms per buffer), below any skew worth reporting.
	faultMinMs = 20.0
)

// NewSkew returns a timestamp-skew detector with settings s.
func NewSkew(s Settings) *Skew {
	k := &Skew{}
	k.SetSettings(s)
	return k
}

// SetSettings changes the settings; the baseline is kept.
func (k *Skew) SetSettings(s Settings) {
	k.s = s
	k.lim = s.limits()
	k.win.configure(s.Timestamp.MinDuration, 0)
}

// Estimate returns the current skew.
func (k *Skew) Estimate() SkewEstimate { return k.est }

// Active reports whether an av_offset window is open.
func (k *Skew) Active() bool { return k.win.active() }

// Reset forgets the baseline (new segment, flush), closing an open window.
func (k *Skew) Reset(out []defect.Event) []defect.Event {
	out = k.Finish(out)
	*k = Skew{s: k.s, lim: k.lim, win: k.win}
	return out
}

// Finish closes an open window at the current progress (end of stream).
func (k *Skew) Finish(out []defect.Event) []defect.Event {
	_, thr := k.lim.bad(k.est.SkewMs, true)
	return k.win.flush(k.now, k.est.SkewMs, thr, out)
}

// Stop ends skew checking until Reset: after one stream's EOS the other
// running on is not a skew.
func (k *Skew) Stop() { k.stopped = true }

// AddVideo notes that video has reached running time end (its latest
// buffer's PTS+duration in running time) with a frame of duration dur (0:
// unknown).
func (k *Skew) AddVideo(end, dur time.Duration, out []defect.Event) []defect.Event {
	if end < 0 {
		return out
	}
	if k.vSeen {
		step := end - k.vHead
		if dur <= 0 {
			dur = k.vPeriod
		}
		if step > 0 && step < time.Second {
			k.vPeriod = step
		}
		if dur > 0 {
			k.abnV -= ms(step - dur) // video ahead of its durations: R falls
		}
	}
	k.vHead, k.vSeen = end, true
	return k.sample(0, out)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// AddAudio notes that audio has reached running time end with a buffer of
// duration dur.
func (k *Skew) AddAudio(end, dur time.Duration, out []defect.Event) []defect.Event {
	if end < 0 {
		return out
	}
	if k.aSeen {
		k.abnA += ms(end - k.aHead - dur)
	}
	k.aHead, k.aSeen = end, true
	return k.sample(dur, out)
}

// sample takes one R sample; adur is the duration of the audio buffer that
// brought it (0 for video).
func (k *Skew) sample(adur time.Duration, out []defect.Event) []defect.Event {
	if !k.vSeen || !k.aSeen || !k.s.Timestamp.Enabled || k.stopped {
		return out
	}
	// The detector's clock follows video while video advances (events are
	// dated in the video timeline, which videoqc posts in), and audio
	// while video is stalled, so that a stall still has a duration.
	if !k.started {
		k.now = k.vHead
		k.start, k.started = k.now, true
		k.tickEnd = k.now + skewTick
		k.lastV = k.vHead
	}
	if k.vHead > k.lastV {
		k.aSinceV = 0
	} else {
		// Audio's own duration, not its timestamps: an audio jump is
		// what is being measured, not time passing.
		k.aSinceV += adur
	}
	k.lastV = k.vHead
	k.now = max(k.now, k.vHead+max(0, k.aSinceV-skewTick))
	r := float64(k.aHead-k.vHead) / float64(time.Millisecond)
	if k.ns < skewSamples {
		k.samp[k.ns] = r
		k.ns++
	} else {
		k.samp[k.ns%skewSamples] = r // a flood of tiny buffers: keep the newest
		k.ns++
	}
	for k.now >= k.tickEnd {
		at := k.tickEnd - skewTick
		k.tickEnd += skewTick
		if k.ns == 0 {
			continue
		}
		med := medianInPlace(k.samp[:min(k.ns, skewSamples)])
		k.ns = 0
		// The verdict sticks until a tick names the other stream: in
		// the middle of a shift no timestamp misbehaves any more.
		switch a, v := math.Abs(k.abnA), math.Abs(k.abnV); {
		case a > faultMinMs && a > v:
			k.audioFault = true
		case v > faultMinMs && v >= a:
			k.audioFault = false
		}
		k.abnA, k.abnV = 0, 0
		out = k.tick(at, med, out)
	}
	return out
}

func (k *Skew) tick(at time.Duration, med float64, out []defect.Event) []defect.Event {
	if !k.ready {
		if at < k.start+skewWarmup {
			return out
		}
		k.base[k.nb] = med
		k.nb++
		if k.nb < skewBaseTicks {
			return out
		}
		b := k.base
		k.r0 = medianInPlace(b[:])
		for _, v := range k.base {
			k.margin = math.Max(k.margin, 2*math.Abs(v-k.r0))
		}
		k.ready = true
	}
	skew := med - k.r0
	if k.audioFault {
		// Seen at the video head, happened at the audio head.
		at += time.Duration(k.r0 * float64(time.Millisecond))
	}
	k.est = SkewEstimate{At: at, SkewMs: skew, MarginMs: k.margin, Ready: true}
	l := limits{k.lim.early + k.margin, k.lim.late + k.margin}
	bad, thr := l.bad(skew, k.win.active())
	return k.win.step(at, bad, skew, thr, out)
}

// medianInPlace sorts x (small) and returns its median.
func medianInPlace(x []float64) float64 {
	for i := 1; i < len(x); i++ { // insertion sort: ≤256 values, no allocation
		v := x[i]
		j := i - 1
		for j >= 0 && x[j] > v {
			x[j+1] = x[j]
			j--
		}
		x[j+1] = v
	}
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}
