package avsync

import (
	"math"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Correlator estimates the A/V offset of ordinary programme content: it
// cross-correlates a visual-change signal (one value per frame) with an
// audio onset envelope (one value per 5 ms block) over a sliding window and
// takes the lag of the correlation peak. Events that are both seen and heard
// (cuts with a change of sound, hits, flashes with a bang) line up at the
// true offset; everything else lines up at random lags. How many visual
// events find an onset at the chosen lag, against how many would by chance,
// says how much to trust it (see scan).
//
// Frame quantisation: a video event is only known to the frame. The audio
// envelope is smoothed with a triangle one frame period wide before the
// correlation, so the correlation is smooth at the frame scale and its peak
// can be interpolated (parabola through the three best lags) instead of
// snapping to a 5 ms lag grid or to whole frames.
//
// Not safe for concurrent use; Group serialises it.
type Correlator struct {
	s   Settings
	lim limits
	win window

	// Rings, written by Add*, read by snapshot.
	vt []time.Duration // frame running time
	vv []float64       // frame visual novelty
	at []time.Duration // audio block centre running time
	av []float64       // audio onset strength

	st  corrState
	sc  corrScratch // owned by the one evaluation in progress
	est Estimate
}

// corrState is everything Reset forgets. It is apart from the scratch so a
// reset during a (lock-free) computation does not touch what it reads.
type corrState struct {
	vn, vw int
	dh     [3]float64 // recent Diff values: the motion baseline
	di, nd int
	luma   float64
	vHead  time.Duration
	period time.Duration // frame period, smoothed
	vLast  time.Duration
	vSeen  bool

	an, aw int
	eh, hh [onsetBlocks]float64 // last blocks' Energy and HF
	es, hs float64              // their sums
	ne     int
	aHead  time.Duration
	aLast  time.Duration
	aSeen  bool

	nextEval time.Duration
}

// Estimate is the correlator's latest result, for stats.
type Estimate struct {
	// At is the running time the estimate describes: the middle of the
	// window it was made from (an estimate of a drifting offset is right
	// there, not at the window's end).
	At time.Duration
	// OffsetMs is the estimated offset, positive = audio late.
	OffsetMs float64
	// Confidence is 0..1: 0 = the peak could be chance or is one of
	// several (periodic events), 1 = the match cannot be chance.
	Confidence float64
	// Significance is −log10 of the probability that at least Matched of
	// the VideoEvents would find an audio onset at the estimated lag by
	// chance, given how dense the onsets are, corrected for the number of
	// lags searched.
	Significance float64
	// Ambiguity is the height of the best other correlation peak
	// relative to the main one (above the sidelobe mean): ~1 means
	// periodic or repeated content whose offset is ambiguous.
	Ambiguity float64
	// VideoEvents and AudioEvents count the distinct visual changes and
	// audio onsets in the window, Matched the visual changes with an
	// onset at the estimated lag (within a frame). Signal is false when
	// either count is below minEvents: the content gives no usable signal
	// (static picture, silence, steady tone) and no estimate is made.
	VideoEvents int
	AudioEvents int
	Matched     int
	Signal      bool
	// Valid is true once an estimate has been made.
	Valid bool
}

const (
	corrStep    = blockDur // lag and audio-grid resolution
	corrHop     = time.Second
	corrMinSpan = 6 * time.Second // first estimate needs this much media
	// Rings hold maxWindow + 2·maxMaxOffset + slack: 8192 frames is 68 s
	// at 120 fps, 8192 blocks 41 s.
	ringFrames = 8192
	ringBlocks = 8192
	minEvents  = 3
	// eventSpan is how close two visual changes are to count as one
	// event: the eye integrates about 100 ms into one percept (Bloch's
	// law), which covers a flash frame or two and its return, at any
	// frame rate.
	eventSpan   = 100 * time.Millisecond
	onsetBlocks = 6 // 30 ms of audio per onset measurement
	// backJump is how far back a stream's timestamps may step before the
	// content detectors take it for a restart and drop their history
	// (smaller steps are frames out of order and are skipped).
	backJump = time.Second
	// onsetEps is the energy floor of the onset envelope (≈ −60 dBFS
	// mean square): sound below it is silence, whose relative
	// fluctuations are not onsets.
	onsetEps = 1e-6
	// videoEventMin and audioEventMin are the smallest values counted as
	// events for the Signal decision: a 1% mean luma change (a cut or
	// flash is 10–50%, coding noise well below 1% once its baseline is
	// removed) and a rise of ln 4 ≈ 6 dB within 5 ms.
	videoEventMin = 0.01
	audioEventMin = 1.386
)

type corrScratch struct {
	grid, smooth, corr []float64
	peaks              []float64
	ft                 []float64 // frame positions on the grid
	fv                 []float64 // frame weights
	ev                 []float64 // video event positions on the grid
	ao                 []int     // audio onset cells, ascending
	nf, nframes        int       // frames with novelty, all frames in the window
	h, K, L            int       // kernel half-width, lags each side, grid length
	g0                 time.Duration
	xs, xe             float64 // the window on the grid
	na                 int     // audio onsets in ao
	vthr               float64 // novelty of a video event
}

// NewCorrelator returns a correlator with settings s (Validate them first).
func NewCorrelator(s Settings) *Correlator {
	c := &Correlator{
		vt: make([]time.Duration, ringFrames), vv: make([]float64, ringFrames),
		at: make([]time.Duration, ringBlocks), av: make([]float64, ringBlocks),
	}
	maxLags := int(2*maxMaxOffset/corrStep) + 1
	gridLen := int((maxWindow+2*maxMaxOffset+2*time.Second)/corrStep) + 4
	c.sc = corrScratch{
		grid: make([]float64, gridLen), smooth: make([]float64, gridLen), corr: make([]float64, maxLags),
		peaks: make([]float64, gridLen),
		ft:    make([]float64, ringFrames), fv: make([]float64, ringFrames),
		ev: make([]float64, ringFrames), ao: make([]int, gridLen),
	}
	c.SetSettings(s)
	return c
}

// SetSettings changes the settings; history is kept.
func (c *Correlator) SetSettings(s Settings) {
	c.s = s
	c.lim = s.limits()
	c.win.configure(s.Correlation.MinDuration, s.Correlation.Window)
}

// Estimate returns the latest estimate.
func (c *Correlator) Estimate() Estimate { return c.est }

// Active reports whether an av_offset window is open.
func (c *Correlator) Active() bool { return c.win.active() }

// Reset forgets all history (a flush or discontinuity); an open window is
// closed at end and its end event appended to out.
func (c *Correlator) Reset(end time.Duration, out []defect.Event) []defect.Event {
	out = c.flush(end, out)
	c.st = corrState{}
	c.est = Estimate{}
	return out
}

func (c *Correlator) flush(end time.Duration, out []defect.Event) []defect.Event {
	_, thr := c.lim.bad(c.est.OffsetMs, true)
	return c.win.flush(end, c.est.OffsetMs, thr, out)
}

// AddVideo records one frame.
func (c *Correlator) AddVideo(f VideoFrame) {
	st := &c.st
	if f.RT < 0 {
		return // outside the segment
	}
	if st.vSeen && f.RT <= st.vLast {
		if st.vLast-f.RT <= backJump {
			return // a frame out of order
		}
		c.st = corrState{} // timestamps restarted: the history is of another timeline
	}
	// Visual novelty: the rise of Diff above the recent motion level (a
	// pan or noise keeps Diff high without an event), plus any rise of
	// mean luma, so that the onset of a flash outweighs its end and the
	// correlation does not also peak at "sound aligned with flash end".
	base := 0.0
	if st.nd > 0 {
		base = median3(st.dh, min(st.nd, 3))
	}
	v := math.Max(0, f.Diff-base)
	if st.vSeen {
		v += math.Max(0, f.Luma-st.luma)
	}
	if !(v < math.Inf(1)) { // NaN or Inf from a broken measure: no event
		v = 0
	}
	if st.vSeen {
		if p := f.RT - st.vLast; p > 0 && p < time.Second {
			if st.period == 0 {
				st.period = p
			} else {
				st.period += (p - st.period) / 8
			}
		}
	}
	st.dh[st.di] = finite(f.Diff)
	st.di = (st.di + 1) % 3
	st.nd = min(st.nd+1, 3)
	st.luma = finite(f.Luma)
	c.vt[st.vw], c.vv[st.vw] = f.RT, v
	st.vw = (st.vw + 1) % len(c.vt)
	st.vn = min(st.vn+1, len(c.vt))
	st.vLast = f.RT
	end := f.RT + f.Duration
	if f.Duration <= 0 {
		end = f.RT + st.period
	}
	if !st.vSeen || end > st.vHead {
		st.vHead = end
	}
	st.vSeen = true
}

// finite maps NaN and ±Inf (a broken upstream measure) to 0.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

func median3(d [3]float64, n int) float64 {
	switch {
	case n <= 1:
		return d[0]
	case n == 2:
		return math.Min(d[0], d[1]) // the calmer of the two: do not hide a second event
	}
	a, b, x := d[0], d[1], d[2]
	if a > b {
		a, b = b, a
	}
	if b > x {
		b = x
	}
	return math.Max(a, b)
}

// AddAudio records one block.
func (c *Correlator) AddAudio(b AudioBlock) {
	st := &c.st
	if b.RT < 0 || b.Dur <= 0 {
		return
	}
	mid := b.RT + b.Dur/2
	if st.aSeen && mid <= st.aLast {
		if st.aLast-mid <= backJump {
			return
		}
		c.st = corrState{}
	}
	// Onset strength: the rise of log energy of the last onsetBlocks
	// blocks over the same span one block earlier, full band plus first
	// difference (transients are broadband, so both rise; a swelling bass
	// note raises only the first). Integrating ~30 ms keeps the beating
	// of low notes (a 5 ms block is about one period of them) from
	// looking like onsets; the rise still peaks at the block where the
	// onset lands, so the timing stays at 5 ms.
	i := st.ne % onsetBlocks
	ps, ph := st.es, st.hs
	e, hf := finite(b.Energy), finite(b.HF)
	st.es += e - st.eh[i]
	st.hs += hf - st.hh[i]
	st.eh[i], st.hh[i] = e, hf
	st.es, st.hs = math.Max(0, st.es), math.Max(0, st.hs) // rounding after long silences
	on := 0.0
	if st.ne >= onsetBlocks {
		const k = 1.0 / onsetBlocks
		on = math.Max(0, math.Log((st.es*k+onsetEps)/(ps*k+onsetEps))) +
			math.Max(0, math.Log((st.hs*k+onsetEps)/(ph*k+onsetEps)))
	}
	st.ne++
	if st.ne >= 2*onsetBlocks {
		st.ne -= onsetBlocks
	}
	c.at[st.aw], c.av[st.aw] = mid, on
	st.aw = (st.aw + 1) % len(c.at)
	st.an = min(st.an+1, len(c.at))
	st.aLast = mid
	st.aHead = b.RT + b.Dur
	st.aSeen = true
}

// Due reports whether a new estimate can be made: a hop of media has passed
// since the last one and both streams cover the window plus the lag range.
func (c *Correlator) Due() bool {
	end, ok := c.span()
	return ok && end >= c.st.nextEval
}

// span is the end of the video span the window can cover now.
func (c *Correlator) span() (time.Duration, bool) {
	st := &c.st
	if !st.vSeen || !st.aSeen || !c.s.Correlation.Enabled {
		return 0, false
	}
	oldestV := c.vt[(st.vw+len(c.vt)-st.vn)%len(c.vt)]
	oldestA := c.at[(st.aw+len(c.at)-st.an)%len(c.at)]
	start := max(oldestV, oldestA+c.s.MaxOffset)
	end := min(st.vHead, st.aHead-c.s.MaxOffset)
	if end-start < min(corrMinSpan, c.s.Correlation.Window) {
		return 0, false
	}
	return end, true
}

// Update makes an estimate if one is due and feeds its verdict to the
// gate, appending any edge to out.
func (c *Correlator) Update(out []defect.Event) []defect.Event {
	if !c.Due() {
		return out
	}
	end, _ := c.span()
	c.snapshot(end)
	return c.apply(c.compute(), false, out)
}

// Finish makes a last estimate with whatever media there is (end of
// stream: audio beyond its end counts as silence) and closes any open
// window at end.
func (c *Correlator) Finish(end time.Duration, overruled bool, out []defect.Event) []defect.Event {
	st := &c.st
	if st.vSeen && st.aSeen && c.s.Correlation.Enabled {
		if e := min(st.vHead, st.aHead); e > st.nextEval && e-c.oldestVideo() >= min(corrMinSpan, c.s.Correlation.Window) {
			c.snapshot(e)
			out = c.apply(c.compute(), overruled, out)
		}
	}
	return c.flush(end, out)
}

func (c *Correlator) oldestVideo() time.Duration {
	return c.vt[(c.st.vw+len(c.vt)-c.st.vn)%len(c.vt)]
}

// apply stores an estimate and feeds its verdict to the gate. With
// overruled (sync markers are present and measure exactly), the verdict
// counts as unknown.
func (c *Correlator) apply(e Estimate, overruled bool, out []defect.Event) []defect.Event {
	c.est = e
	if overruled || !e.Signal || e.Confidence < c.s.Correlation.MinConfidence {
		_, thr := c.lim.bad(e.OffsetMs, c.win.active())
		return c.win.stepUnknown(e.At, e.OffsetMs, thr, out)
	}
	bad, thr := c.lim.bad(e.OffsetMs, c.win.active())
	return c.win.step(e.At, bad, e.OffsetMs, thr, out)
}

// snapshot copies the window ending at end out of the rings into the
// scratch (the only part of an estimate that needs the rings, so the Group
// holds its lock just for this copy) and schedules the next estimate.
func (c *Correlator) snapshot(end time.Duration) {
	st, sc := &c.st, &c.sc
	st.nextEval = end + corrHop
	maxLag := c.s.MaxOffset
	period := st.period
	if period <= 0 {
		period = 40 * time.Millisecond
	}
	sc.h = max(2, int(math.Round(float64(period)/float64(corrStep))))
	sc.K = int(maxLag / corrStep)
	start := max(end-c.s.Correlation.Window, c.oldestVideo())

	// Audio onsets onto a uniform grid from g0: gaps stay zero, so a
	// discontinuity cannot shift the rest of the envelope. The grid is in
	// phase with the audio blocks, so a block lands on a cell instead of
	// being rounded half a cell away.
	margin := time.Duration(sc.h+1) * corrStep
	g0 := start - maxLag - margin
	g0 += ((st.aLast-g0)%corrStep + corrStep) % corrStep
	g0 -= corrStep
	sc.g0 = g0
	sc.xs = float64(start-g0) / float64(corrStep)
	sc.xe = float64(end-g0) / float64(corrStep)
	L := min(int((end-start+2*maxLag+2*margin)/corrStep)+4, len(sc.grid))
	sc.L = L
	grid := sc.grid[:L]
	clear(grid)
	g1 := g0 + time.Duration(L)*corrStep
	for i := 0; i < st.an; i++ {
		k := (st.aw + len(c.at) - 1 - i) % len(c.at)
		t := c.at[k]
		if t < g0 {
			break
		}
		if t >= g1 {
			continue
		}
		j := int((t - g0 + corrStep/2) / corrStep)
		if j >= 0 && j < L && c.av[k] > grid[j] {
			grid[j] = c.av[k]
		}
	}

	// Frames in [start, end) with their grid position and novelty.
	sc.nf, sc.nframes = 0, 0
	for i := 0; i < st.vn; i++ {
		k := (st.vw + len(c.vt) - 1 - i) % len(c.vt)
		t := c.vt[k]
		if t < start {
			break
		}
		if t >= end {
			continue
		}
		sc.nframes++
		if c.vv[k] > 0 {
			sc.ft[sc.nf] = float64(t-g0) / float64(corrStep)
			sc.fv[sc.nf] = c.vv[k]
			sc.nf++
		}
	}
}

// compute makes the estimate from the scratch alone.
//
// It scans the whole window and its recent half and keeps the more
// significant of the two (each penalised for the double look): the whole
// window has more events, the half window follows a drifting offset (over
// 20 s a drift of 4 ms/s spreads the matches over 80 ms, more than the
// match tolerance).
func (c *Correlator) compute() Estimate {
	sc := &c.sc
	h, L := sc.h, sc.L
	grid, smooth := sc.grid[:L], sc.smooth[:L]

	// Keep only the peaks of the onset envelope (the largest value within
	// ±onsetBlocks): an onset raises the 30 ms energy for several blocks,
	// and that tail would pull the correlation late by a few ms.
	peaks := sc.peaks[:L]
	var asum float64
	na := 0
	for j := range grid {
		v := grid[j]
		peaks[j] = 0
		if v <= 0 {
			continue
		}
		top := true
		for k := max(0, j-onsetBlocks); k <= min(L-1, j+onsetBlocks); k++ {
			if grid[k] > v || (grid[k] == v && k < j) {
				top = false
				break
			}
		}
		if !top {
			continue
		}
		peaks[j] = v
		asum += v
		if v >= audioEventMin {
			sc.ao[na] = j
			na++
		}
	}
	sc.na = na
	var vsum float64
	for _, v := range sc.fv[:sc.nf] {
		vsum += v
	}
	// Video events are counted against the window's mean novelty so
	// steady motion does not count as a stream of events.
	sc.vthr = math.Max(videoEventMin, 3*vsum/float64(max(1, sc.nframes)))

	// Triangle smoothing, half-width h cells (one frame period).
	norm := 1 / float64((h+1)*(h+1))
	for j := range smooth {
		var s float64
		for m := -h; m <= h; m++ {
			if jj := j + m; jj >= 0 && jj < L {
				s += float64(h+1-absInt(m)) * peaks[jj]
			}
		}
		smooth[j] = s * norm
	}

	e := c.scan(sc.xs, sc.xe, asum)
	if (sc.xe-sc.xs)*float64(corrStep) >= float64(8*time.Second) {
		if half := c.scan((sc.xs+sc.xe)/2, sc.xe, asum); half.Significance > e.Significance {
			e = half
		}
	}
	return e
}

// scan estimates from the frames at grid positions [x0, x1).
func (c *Correlator) scan(x0, x1, asum float64) Estimate {
	sc := &c.sc
	h, K, L := sc.h, sc.K, sc.L
	smooth := sc.smooth[:L]
	mid := (x0 + x1) / 2
	e := Estimate{At: sc.g0 + time.Duration(mid*float64(corrStep)), Valid: true}

	nev := 0
	for i := 0; i < sc.nf; i++ {
		if x := sc.ft[i]; x >= x0 && x < x1 && sc.fv[i] >= sc.vthr && sc.strongest(i) {
			sc.ev[nev] = x
			nev++
		}
	}
	tol := (h+1)/2 + 2
	lo, hi := x0-float64(K+tol), x1+float64(K+tol)
	a0, a1 := sc.na, 0 // onsets a video event in range could meet
	for i, j := range sc.ao[:sc.na] {
		if float64(j) >= lo && float64(j) < hi {
			a0, a1 = min(a0, i), i+1
		}
	}
	ao := sc.ao[min(a0, a1):a1]
	e.VideoEvents, e.AudioEvents = nev, len(ao)
	e.Signal = nev >= minEvents && len(ao) >= minEvents && asum > 0
	if !e.Signal {
		return e
	}

	// Correlation over lags −K..K: C[k] = Σ v_i · smooth(pos_i + k).
	n := 2*K + 1
	corr := sc.corr[:n]
	clear(corr)
	for i := 0; i < sc.nf; i++ {
		p := sc.ft[i]
		if p < x0 || p >= x1 {
			continue
		}
		j0 := int(p)
		f := p - float64(j0)
		w0, w1 := sc.fv[i]*(1-f), sc.fv[i]*f
		base := j0 - K
		if base < 0 || base+n >= L {
			continue // cannot happen with the snapshot's margins; keeps the loop safe
		}
		s := smooth[base : base+n+1]
		for k := 0; k < n; k++ {
			corr[k] += w0*s[k] + w1*s[k+1]
		}
	}

	// Peak, then the best other peak outside the main lobe.
	best := 0
	for k := 1; k < n; k++ {
		if corr[k] > corr[best] {
			best = k
		}
	}
	excl := 2*h + 2
	var sum float64
	m := 0
	for k := 0; k < n; k++ {
		if absInt(k-best) > excl {
			sum += corr[k]
			m++
		}
	}
	if m < 2 || corr[best] <= 0 {
		e.Signal = false
		return e
	}
	mean := sum / float64(m)
	second := mean
	for k := 1; k < n-1; k++ {
		if absInt(k-best) > excl && corr[k] >= corr[k-1] && corr[k] >= corr[k+1] && corr[k] > second {
			second = corr[k]
		}
	}
	if peak := corr[best] - mean; peak > 0 {
		e.Ambiguity = math.Max(0, (second-mean)/peak)
	} else {
		e.Ambiguity = 1
	}
	lag := float64(best - K)
	if best > 0 && best < n-1 {
		a, b, cc := corr[best-1], corr[best], corr[best+1]
		if d := a - 2*b + cc; d < 0 {
			lag += 0.5 * (a - cc) / d
		}
	}
	e.OffsetMs = lag * float64(corrStep) / float64(time.Millisecond)

	// Significance: how many visual events have an onset at this lag,
	// against how many would by chance. A video event at a random lag
	// finds an onset within ±tol with probability p ≈ onsets·(2·tol+1)/span;
	// matches are then Binomial(events, p), and searching n lags makes
	// about n/(2·tol+1) independent tries (times the two windows
	// compute looks at). The correlation peak alone cannot say this:
	// with sparse events any single coincidence makes a peak that towers
	// over empty sidelobes.
	e.Matched = matches(sc.ev[:nev], ao, lag, tol)
	p := math.Min(1, float64(len(ao)*(2*tol+1))/(hi-lo))
	tries := 2 * float64(n) / float64(2*tol+1)
	e.Significance = -math.Log10(math.Min(1, binomTail(nev, e.Matched, p)*tries))
	e.Confidence = confidence(e.Significance, e.Ambiguity, e.Matched)
	if best == 0 || best == n-1 {
		e.Confidence = 0 // peak at the edge of the search: the offset is outside it
	}
	return e
}

// strongest reports whether frame i has the largest novelty of the frames
// within ±eventSpan of it (the earlier one on a tie). Only those count as
// video events: an on/off flash, or a cut through a frame or two of
// dissolve, is one thing seen and at most one thing heard. Counted twice,
// its silent second half is an event that by nature finds no onset, and
// the share of matching events, which is what says whether an offset is
// real, halves. The onsets are peaks of the audio envelope in the same way
// (compute). ft is monotonic (snapshot fills it newest first).
func (sc *corrScratch) strongest(i int) bool {
	x, v := sc.ft[i], sc.fv[i]
	span := float64(eventSpan / corrStep)
	beats := func(j int) bool { return sc.fv[j] > v || (sc.fv[j] == v && sc.ft[j] < x) }
	for j := i - 1; j >= 0 && math.Abs(sc.ft[j]-x) <= span; j-- {
		if beats(j) {
			return false
		}
	}
	for j := i + 1; j < sc.nf && math.Abs(sc.ft[j]-x) <= span; j++ {
		if beats(j) {
			return false
		}
	}
	return true
}

// matches counts the events (grid positions) with an onset cell within tol
// cells of position+lag. ao is ascending.
func matches(ev []float64, ao []int, lag float64, tol int) int {
	m := 0
	for _, x := range ev {
		want := x + lag
		lo, hi := 0, len(ao)
		for lo < hi { // first onset ≥ want−tol
			mid := (lo + hi) / 2
			if float64(ao[mid]) < want-float64(tol) {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo < len(ao) && float64(ao[lo]) <= want+float64(tol) {
			m++
		}
	}
	return m
}

// binomTail is P(X ≥ k) for X ~ Binomial(n, p).
func binomTail(n, k int, p float64) float64 {
	if k <= 0 {
		return 1
	}
	if k > n || p <= 0 {
		return 0
	}
	if p >= 1 {
		return 1
	}
	lp, lq := math.Log(p), math.Log1p(-p)
	ln, _ := math.Lgamma(float64(n + 1))
	var sum float64
	for i := k; i <= n; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		t := math.Exp(ln - a - b + float64(i)*lp + float64(n-i)*lq)
		sum += t
		if t < sum*1e-12 {
			break // terms fall fast past the mode
		}
	}
	return math.Min(1, sum)
}

// confidence maps the match statistics to 0..1: 0 up to a chance
// probability of 10^-2.5 (after the lag-search correction), 0.5 (the
// default MinConfidence) at 10^-4, 1 from 10^-5.5, and 0 whenever another
// peak reaches ambMax of the main one (periodic events: the offset is only
// known modulo their period). 10^-4 per window is about one chance alert a
// month on a stream whose events are all unrelated (a 15 s window is
// independent of the one 15 s later, so ~5800 tries a day, each needing
// the chance estimate to fall outside the limits too). These are
// significance levels, not fitted values; TestCorrelatorNull checks that
// independent event streams stay below MinConfidence.
func confidence(significance, ambiguity float64, matched int) float64 {
	if matched < minEvents {
		return 0
	}
	q1 := (significance - sigNull) / (sigFull - sigNull)
	q2 := (ambMax - ambiguity) / (ambMax - ambFull)
	return clamp01(math.Min(q1, q2))
}

const (
	sigNull = 2.5
	sigFull = 5.5
	ambMax  = 0.8
	ambFull = 0.5
)

func clamp01(x float64) float64 {
	if x < 0 || math.IsNaN(x) {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
