package avsync

import (
	"math"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Skew watches the relation between the two streams' timestamps, without
// looking at content.
//
// Each stream has two clocks: where its timestamps say it is (head: the
// running time at the end of its latest buffer) and where its data say it
// is (pos: its first buffer's end plus the durations of the buffers since —
// its sample count; for video, frame durations, or the last frame interval
// where frames carry none). The relation R = audio head − video head at any
// one moment splits exactly into
//
//	R = (Da − Dv) + M,  D = head − pos,  M = audio pos − video pos.
//
// D, the timestamps measured against the stream's own data, depends on
// that stream's buffers alone: no scheduling can change it, and a change of
// it sits at a known place in that stream's media. A timestamp fault is a
// change of D: stamps jumping (D steps), drifting (D ramps) or frozen while
// data flow (D falls 1 s/s). M, how much more audio than video has been
// delivered at a moment, is where all arrival timing lives: steady in a
// live pipeline, but in as-fast-as-possible file QC decided by thread
// scheduling and queue fill — hundreds of ms, for seconds at a time, on a
// loaded machine (measured: ±0.6 s with two busy loops on 2 cores). So the
// skew is D, and arrival is asked only what D cannot tell:
//
//   - Data missing: a forward step of D is either the stamps jumping or
//     data lost (a gap: a TS with lost packets, a live source's dropout).
//     Only arrival tells them apart: data lost means the stream's data fell
//     behind the other's, M moves by the step; a jump leaves M where it
//     was. So a forward step is judged by the median of M over skewLook
//     ticks after it against the median over as many before: moved by at
//     least half the step, toward the stream lagging, it is a gap and does
//     not count. The part of a forward step that only pays back an earlier
//     fall of D (a stall ending, stamps returning after a shift back) is a
//     timestamp fault ending and is not asked about.
//   - A stream stopping while the other flows: its data lag more than
//     skewWait behind the other's, more than any queue explains. Ticks then
//     complete without it, and the tick's end minus its data position (its
//     shortfall) counts as skew, as that stream's stamps stalled would;
//     when it comes back with its stamps moved on, the move up to where the
//     other stream is counts as data missing.
//
// The detector works on media ticks of 250 ms laid on the data clocks
// (pos, plus the gaps found), not on arrival: a tick completes when both
// streams' data have passed it (or the leader has by skewWait), and is
// judged skewLook ticks later, with the medians of Da and Dv of the buffers
// that fell in it, less the gaps found so far: Skew = that − baseline
// (median over 3 s after a 1 s warm-up). Faults are dated where they are
// in their own stream; the limits are widened by twice the baseline's
// tick-to-tick jitter (MarginMs), which is the stamps' own (0 on these
// clips), not the queues'.
//
// Positive = audio timestamps ahead of where they were relative to video =
// audio will be presented late. A video stall is positive, an audio stall
// negative; a stream whose buffers stop shows as that stream stalled.
//
// What it cannot detect: an offset present from the start (the baseline
// absorbs it) or baked into the content with consistent timestamps — the
// marker and correlation detectors measure those. A timestamp jump written
// into a file that was then muxed by timestamp is a gap to it (the demuxer
// hands the other stream out across it: M moves with D); recordings of live
// transport streams, muxed in arrival order, keep it visible. A stop
// shorter than skewWait is not reported (its end is judged as a gap). In
// file QC a gap in one stream smaller than M's jitter at that moment may be
// taken for a jump, or a jump for a gap (dropped video frames whose
// neighbours carry nominal durations are such gaps): the verdict rests on a
// second of ticks either side, not on one arrival, and only forward steps
// are asked about — stamps that stand still or go back are faults whatever
// the arrival.
//
// Cost: events come skewLook ticks (1 s of media) after a tick completes,
// on top of the MinDuration hysteresis; a stop is seen skewWait late.
//
// Not safe for concurrent use; Group serialises it.
type Skew struct {
	s   Settings
	lim limits
	win window

	a, v    skewStream
	started bool
	t0      time.Duration // data position where tick 0 starts: video's first

	next  int64 // first tick not yet complete
	open  [skewOpen]skewTickSamples
	done  [skewDone]skewTickValue // completed ticks, by index mod skewDone
	eval  int64                   // first completed tick not yet judged
	valid int64                   // first tick of done that holds a value (after a skip)
	held  skewTickValue           // a tick without buffers of a stream holds its last values
	isSet bool                    // held is set

	cand  [skewCands]skewCand // forward steps awaiting a verdict, oldest first
	ncand int

	base   [skewBaseTicks]float64
	nb     int
	r0     float64
	margin float64
	ready  bool
	judged time.Duration // end of the last judged tick, where Finish closes a window

	est     SkewEstimate
	stopped bool
}

// skewStream is one stream's two clocks.
type skewStream struct {
	seen   bool
	first  time.Duration // end of its first buffer
	head   time.Duration // running time its timestamps reached
	pos    time.Duration // running time its data reached
	period time.Duration // video: last frame interval, for frames without duration
	// level is the D its stamps belong at: the first D, plus the gaps
	// found (found) and those awaiting a verdict (pending). A forward
	// step above it is asked about; up to it, it is a fault ending.
	level, found, pending time.Duration
	// hole is the span of data positions a stop left without data.
	holeFrom, holeTo time.Duration
}

// at is where the stream's data are in media: its data clock plus the gaps
// found in it.
func (s *skewStream) at() time.Duration { return s.pos + s.found }

// short is how much of the tick ending at e the stream's data did not
// cover: none if they reached e, else back to where they stopped.
func (s *skewStream) short(e time.Duration) time.Duration {
	switch {
	case s.at() < e:
		return e - s.at()
	case e > s.holeFrom && e <= s.holeTo:
		return e - s.holeFrom
	}
	return 0
}

// add moves the clocks by one buffer ending (by its stamps) at end and
// lasting dur (0: unknown, take the last frame interval). Up to stop of a
// forward move of its stamps is data missing (pos moves with head). It
// returns the data position the buffer starts at and the part of a
// forward step of D that needs a verdict (ms, 0 if none).
func (s *skewStream) add(end, dur, stop time.Duration) (from, ask time.Duration) {
	if !s.seen {
		s.first, s.head, s.pos, s.seen = end, end, end, true
		return end, 0
	}
	step := end - s.head
	if dur <= 0 {
		dur = s.period
		if dur <= 0 {
			dur = max(step, 0) // the first interval: contiguous
		}
	}
	if step > 0 && step < time.Second {
		s.period = step
	}
	if skip := step - dur; skip > 0 && stop > 0 {
		s.holeFrom = s.at()
		s.pos += min(skip, stop)
		s.holeTo = s.at()
	}
	before := s.dev()
	from = s.at()
	s.head, s.pos = end, s.pos+dur
	if up := s.dev() - max(before, s.level+s.found+s.pending); up > skewAsk {
		s.pending += up
		return from, up
	}
	return from, 0
}

// dev is D = head − pos.
func (s *skewStream) dev() time.Duration { return s.head - s.pos }

type skewSamples struct {
	x [skewSamplesMax]float64
	n int
}

func (s *skewSamples) add(v float64) {
	s.x[s.n%skewSamplesMax] = v // a flood of tiny buffers: keep the newest
	s.n++
}

func (s *skewSamples) median() (float64, bool) {
	if s.n == 0 {
		return 0, false
	}
	return medianInPlace(s.x[:min(s.n, skewSamplesMax)]), true
}

type skewTickSamples struct{ da, dv, m skewSamples }

// skewTickValue is a completed tick (ms): the streams' D, how far each
// fell short of the tick's end when it completed without it, and M.
type skewTickValue struct{ da, dv, shortA, shortV, m float64 }

// skewCand is a forward step of one stream's D awaiting its verdict.
type skewCand struct {
	video bool
	tick  int64
	up    time.Duration
}

// SkewEstimate is the skew detector's state, for stats.
type SkewEstimate struct {
	At time.Duration
	// SkewMs is the latest judged tick's change of R from its baseline,
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
	// skewLook: a forward step is judged on the median of M over this many
	// ticks after it against as many before (1 s each): longer than a
	// typical scheduling excursion, short enough to alert within seconds.
	skewLook = 4
	// skewWait: how far one stream's data may run ahead of the other's
	// before the other is taken as stopped. Above the decodebin3
	// multiqueue plus a user's queue (1 s by default), below a stop worth
	// reporting.
	skewWait = 2 * time.Second
	// skewAsk: forward steps smaller than this are the rounding of
	// container timestamps, not worth a verdict.
	skewAsk        = 2 * time.Millisecond
	skewOpen       = int(skewWait/skewTick) + 4 // ticks that can be incomplete at once
	skewDone       = 2*skewLook + 2             // completed ticks kept for judging
	skewSamplesMax = 64                         // samples kept per tick and series
	skewCands      = 16                         // forward steps awaiting a verdict
	// skewMaxSkip bounds the ticks completed one by one when a buffer
	// moves a data clock far ahead (a huge duration): beyond it the empty
	// ticks are skipped.
	skewMaxSkip = 4 * skewOpen
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

// Finish judges what both streams have delivered and closes an open
// window there (end of stream).
func (k *Skew) Finish(out []defect.Event) []defect.Event {
	if k.started && !k.stopped {
		for n := 0; k.tickStart(k.next) < min(k.a.at(), k.v.at()) && n < skewMaxSkip; n++ {
			out = k.complete(out)
		}
		for k.eval < k.next {
			out = k.judge(k.eval, out)
		}
	}
	_, thr := k.lim.bad(k.est.SkewMs, true)
	return k.win.flush(k.judged, k.est.SkewMs, thr, out)
}

// Stop ends skew checking until Reset: after one stream's EOS the other
// running on is not a skew. Call Finish first.
func (k *Skew) Stop() { k.stopped = true }

// AddVideo notes a video buffer ending at running time end (its PTS +
// duration in running time) with duration dur (0: unknown).
func (k *Skew) AddVideo(end, dur time.Duration, out []defect.Event) []defect.Event {
	if end < 0 || k.stopped {
		return out
	}
	from, ask := k.v.add(end, dur, k.stop(&k.v, &k.a))
	return k.sample(true, from, ask, out)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// AddAudio notes an audio buffer ending at running time end with duration
// dur.
func (k *Skew) AddAudio(end, dur time.Duration, out []defect.Event) []defect.Event {
	if end < 0 || k.stopped {
		return out
	}
	from, ask := k.a.add(end, dur, k.stop(&k.a, &k.v))
	return k.sample(false, from, ask, out)
}

// stop is how much of a forward move of stream s's stamps is data missing
// because s had stopped (ticks were completed without it): up to where the
// other stream's data are. Zero if it had not.
func (k *Skew) stop(s, other *skewStream) time.Duration {
	if !k.started || s.at() >= k.tickStart(k.next) {
		return 0
	}
	return other.at() - s.at()
}

func (k *Skew) tickStart(i int64) time.Duration { return k.t0 + time.Duration(i)*skewTick }

// sample files the buffer of one stream that starts at data position from
// under its tick, then completes the ticks both streams have passed.
func (k *Skew) sample(video bool, from, ask time.Duration, out []defect.Event) []defect.Event {
	if !k.v.seen || !k.a.seen || !k.s.Timestamp.Enabled {
		return out
	}
	if !k.started {
		k.started = true
		// On video's first frame, not on whichever stream came first:
		// the ticks, and so the dates, do not depend on arrival.
		k.t0 = k.v.first
		k.a.level, k.v.level = k.a.dev(), k.v.dev()
		k.a.pending, k.v.pending = 0, 0
		return out
	}
	if from < k.tickStart(k.next) {
		// Its tick completed without this stream (it lagged more than
		// skewWait): what it says about that tick comes too late.
		if ask > 0 {
			k.ask(video, k.next, ask)
		}
		return k.advance(out)
	}
	i := int64((from - k.t0) / skewTick)
	for n := 0; i-k.next >= int64(skewOpen) && n < skewMaxSkip; n++ {
		out = k.complete(out) // no room: the lagging stream is not waited for
	}
	if i-k.next >= int64(skewOpen) {
		k.skip(i - int64(skewOpen) + 1)
	}
	if ask > 0 {
		k.ask(video, i, ask)
	}
	t := &k.open[i%int64(skewOpen)]
	if video {
		t.dv.add(ms(k.v.dev()))
	} else {
		t.da.add(ms(k.a.dev()))
	}
	t.m.add(ms(k.a.at() - k.v.at()))
	return k.advance(out)
}

// ask queues a forward step for a verdict at tick i.
func (k *Skew) ask(video bool, i int64, up time.Duration) {
	if k.ncand == skewCands {
		k.verdict(k.cand[0], false) // no room: the oldest counts as a jump
		copy(k.cand[:], k.cand[1:])
		k.ncand--
	}
	k.cand[k.ncand] = skewCand{video, i, up}
	k.ncand++
}

// verdict settles a forward step: a gap raises its stream's level.
func (k *Skew) verdict(c skewCand, gap bool) {
	s := &k.a
	if c.video {
		s = &k.v
	}
	s.pending -= c.up
	if gap {
		s.found += c.up
	}
}

// advance completes every tick both data clocks have passed, and those the
// leading one has passed by more than skewWait.
func (k *Skew) advance(out []defect.Event) []defect.Event {
	for n := 0; n < skewMaxSkip; n++ {
		a, v := k.a.at(), k.v.at() // a verdict moves them
		end := k.tickStart(k.next + 1)
		if end > min(a, v) && end+skewWait > max(a, v) {
			break
		}
		out = k.complete(out)
	}
	return out
}

// skip jumps over empty ticks up to (not including) tick i: nothing was
// sampled there. Steps awaiting a verdict count as jumps.
func (k *Skew) skip(i int64) {
	for j := k.next; j < i && j < k.next+int64(skewOpen); j++ {
		k.open[j%int64(skewOpen)] = skewTickSamples{}
	}
	for _, c := range k.cand[:k.ncand] {
		k.verdict(c, false)
	}
	k.ncand = 0
	k.next, k.eval, k.valid = i, i, i
}

// complete closes tick k.next and judges the tick skewLook before it.
func (k *Skew) complete(out []defect.Event) []defect.Event {
	t := &k.open[k.next%int64(skewOpen)]
	if !k.isSet {
		k.held = skewTickValue{da: ms(k.a.dev()), dv: ms(k.v.dev()), m: ms(k.a.at() - k.v.at())}
		k.isSet = true
	}
	if v, ok := t.da.median(); ok {
		k.held.da = v
	}
	if v, ok := t.dv.median(); ok {
		k.held.dv = v
	}
	if v, ok := t.m.median(); ok {
		k.held.m = v
	}
	*t = skewTickSamples{}
	e := k.tickStart(k.next + 1)
	k.held.shortA, k.held.shortV = ms(k.a.short(e)), ms(k.v.short(e))
	k.done[k.next%skewDone] = k.held
	k.next++
	if j := k.next - 1 - skewLook; j >= k.eval {
		out = k.judge(j, out)
	}
	return out
}

// medianM is the median of M over the completed ticks [from, to].
func (k *Skew) medianM(from, to int64) (float64, bool) {
	var m [skewLook]float64
	n := 0
	for i := max(from, k.valid, k.next-skewDone); i <= to && i < k.next && n < len(m); i++ {
		m[n] = k.done[i%skewDone].m
		n++
	}
	if n == 0 {
		return 0, false
	}
	return medianInPlace(m[:n]), true
}

// judge settles the forward steps at completed tick j, then judges it.
func (k *Skew) judge(j int64, out []defect.Event) []defect.Event {
	n := 0
	for _, c := range k.cand[:k.ncand] {
		if c.tick > j {
			k.cand[n] = c
			n++
			continue
		}
		before, ok1 := k.medianM(c.tick-skewLook, c.tick-1)
		after, ok2 := k.medianM(c.tick+1, c.tick+skewLook)
		moved := after - before // a gap in audio: M falls; in video: M rises
		if !c.video {
			moved = -moved
		}
		k.verdict(c, ok1 && ok2 && moved >= ms(c.up)/2)
	}
	k.ncand = n

	t := k.done[j%skewDone]
	v := (t.da - ms(k.a.found) - t.shortA) - (t.dv - ms(k.v.found) - t.shortV)
	k.eval = j + 1
	at := k.tickStart(j)
	k.judged = at + skewTick
	if !k.ready {
		if at < k.t0+skewWarmup {
			return out
		}
		k.base[k.nb] = v
		k.nb++
		if k.nb < skewBaseTicks {
			return out
		}
		b := k.base
		k.r0 = medianInPlace(b[:])
		for _, x := range k.base {
			k.margin = math.Max(k.margin, 2*math.Abs(x-k.r0))
		}
		k.ready = true
	}
	skew := v - k.r0
	k.est = SkewEstimate{At: at, SkewMs: skew, MarginMs: k.margin, Ready: true}
	l := limits{k.lim.early + k.margin, k.lim.late + k.margin}
	bad, thr := l.bad(skew, k.win.active())
	return k.win.step(at, bad, skew, thr, out)
}

// medianInPlace sorts x (small) and returns its median.
func medianInPlace(x []float64) float64 {
	for i := 1; i < len(x); i++ { // insertion sort: ≤64 values, no allocation
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
