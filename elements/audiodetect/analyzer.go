package audiodetect

import (
	"math"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/loudness"
	"github.com/avwatch/avwatch/internal/simd"
)

// Analyzer runs every audio detector and the loudness meter on raw audio
// buffers. Feed it buffers in order with Process; it returns the defect
// edges they caused. It converts each buffer once into planar float64
// (1.0 = full scale) and then works in 10 ms sub-blocks (the loudness
// meter's), so detectors judge per sub-block but date edges to the sample.
//
// After the first buffers of a given size it allocates nothing. Not safe
// for concurrent use: the element calls it from its streaming thread and
// hands settings over with SetSettings.
type Analyzer struct {
	f     Format
	s     Settings
	meter *loudness.Meter

	planes [MaxChannels][]float64
	pos    int64 // position of the next sample since (re)start

	// run1's scratch: the chunk's channels, their true-peak states before
	// it (to date an over) and their true peaks
	chunk    [MaxChannels][]float64
	chunkPre [MaxChannels]loudness.TPState
	chunkTP  [MaxChannels]float64
	tl       timeline

	lossCh []int    // channels watched for channel loss
	pairs  [][2]int // stereo pairs watched for phase

	// per-sample scan parameters
	silThr, lossThr, clipLevel float64
	silDate, lossDate          float64 // levels that date silence / loss edges
	minRun                     int
	run                        [MaxChannels]int // current full-scale run length
	tpLimit                    float64          // linear; +Inf when the true-peak alert is off
	tpExact                    bool             // tests: oversample every sample (no floor)

	blk block // the sub-block being filled

	sil  silence
	clip clipping
	loud loudAlert
	tp   truePeakAlert
	loss [MaxChannels]channelLoss
	ph   []phase

	events []defect.Event
	st     statsAcc
}

// block is what detectors see of one 10 ms sub-block.
type block struct {
	start int64
	n     int
	sumSq [MaxChannels]float64
	peak  [MaxChannels]float64
	// first/last sample above the silence and channel-loss dating levels
	// (10 dB over the thresholds; absolute positions, -1 if none)
	silFirst, silLast   [MaxChannels]int64
	lossFirst, lossLast [MaxChannels]int64
	runs                [MaxChannels]int // clipped runs ending here
	runFirst, runEnd    int64            // earliest run start, latest run end (any channel)
	tpMax               float64          // all channels, linear
	tpFirst, tpLast     int64            // first/last sample over the true-peak limit
	xy                  [3]float64       // Σ l·r per phase pair
	sub                 *loudness.SubBlock
}

func (b *block) reset(start int64) {
	*b = block{start: start, runFirst: -1, runEnd: -1, tpFirst: -1, tpLast: -1}
	for c := range b.silFirst {
		b.silFirst[c], b.silLast[c], b.lossFirst[c], b.lossLast[c] = -1, -1, -1, -1
	}
}

func (b *block) end() int64 { return b.start + int64(b.n) }

// rms of channel c in linear units.
func (b *block) rms(c int) float64 { return math.Sqrt(b.sumSq[c] / float64(b.n)) }

// NewAnalyzer returns an analyser for f with settings s. f must be valid
// (Format.Validate); s should be (Settings.Validate).
func NewAnalyzer(f Format, s Settings) *Analyzer {
	a := &Analyzer{f: f, events: make([]defect.Event, 0, 32)}
	a.meter = loudness.New(f.Rate, f.Weights())
	a.lossCh = f.lossChannels()
	a.pairs = f.pairs()
	a.ph = make([]phase, len(a.pairs))
	a.st.init(f)
	a.s = s
	a.configure(true)
	a.restart()
	return a
}

// Format is what the analyser was made for.
func (a *Analyzer) Format() Format { return a.f }

// Settings are the settings in force.
func (a *Analyzer) Settings() Settings { return a.s }

// Meter gives read access to the loudness meter (M/S/I/LRA/true peak).
func (a *Analyzer) Meter() *loudness.Meter { return a.meter }

// SetSettings changes settings between buffers. Detectors whose settings
// changed are restarted; one with a window open first closes it at the
// current position, so every start still gets its end.
func (a *Analyzer) SetSettings(s Settings) []defect.Event {
	a.events = a.events[:0]
	old := a.s
	a.s = s
	end := a.pos
	if old.Silence != s.Silence {
		a.sil.flush(a, end)
	}
	if old.Clipping != s.Clipping {
		a.clip.flush(a, end)
	}
	if old.Loudness != s.Loudness {
		a.loud.flush(a, end)
		a.tp.flush(a, end)
	}
	if old.ChannelLoss != s.ChannelLoss {
		for _, c := range a.lossCh {
			a.loss[c].flush(a, end)
		}
	}
	if old.Phase != s.Phase {
		for i := range a.ph {
			a.ph[i].flush(a, end)
		}
	}
	a.configure(false)
	return a.events
}

// configure derives scan parameters and (re)initialises detectors whose
// settings differ from what they were made with.
func (a *Analyzer) configure(all bool) {
	s := &a.s
	a.silThr = dbToLin(s.Silence.ThresholdDB)
	a.lossThr = dbToLin(s.ChannelLoss.ThresholdDB)
	a.silDate = a.silThr * datingMargin
	a.lossDate = a.lossThr * datingMargin
	a.clipLevel = math.Inf(1)
	if s.Clipping.Enabled {
		a.clipLevel = dbToLin(s.Clipping.LevelDB)
	}
	a.minRun = max(s.Clipping.MinRun, 1)
	a.tpLimit = math.Inf(1)
	if s.Loudness.TruePeak {
		a.tpLimit = dbToLin(s.Loudness.TruePeakDB)
	}
	if all || a.sil.cfg != s.Silence {
		a.sil.init(s.Silence)
	}
	if all || a.clip.cfg != s.Clipping {
		a.clip.init(s.Clipping)
	}
	if all || a.loud.cfg != s.Loudness {
		a.loud.init(s.Loudness)
		a.tp.init(s.Loudness)
	}
	for _, c := range a.lossCh {
		if all || a.loss[c].cfg != s.ChannelLoss {
			a.loss[c].init(s.ChannelLoss, c)
		}
	}
	for i := range a.ph {
		if all || a.ph[i].cfg != s.Phase {
			a.ph[i].init(s.Phase, a.pairs[i], i)
		}
	}
}

// restart forgets the stream: positions, timeline, meter and detector
// state (after Flush, or on a discontinuity).
func (a *Analyzer) restart() {
	a.pos = 0
	a.tl.reset(a.f.Rate)
	a.meter.Reset()
	a.run = [MaxChannels]int{}
	a.blk.reset(0)
	a.configure(true)
	a.st.restart()
}

// datingMargin: silence and channel-loss edges are dated by the last (or
// first) sample 10 dB above the RMS threshold. At the threshold itself a
// noise floor 10 dB under it still has peaks above it (a -70 dBFS RMS
// Gaussian floor crosses -60 dBFS about once per 10 ms), which would date
// a silence late; 10 dB higher it never does, and a cut is as sharp there.
const datingMargin = 3.1622776601683795 // 10 dB

func dbToLin(db float64) float64 { return math.Pow(10, db/20) }

// sampleTime is the gate clock: sample position as a duration.
func (a *Analyzer) sampleTime(pos int64) time.Duration { return samplesToDuration(pos, a.f.Rate) }

// PTS is the timestamp of sample pos.
func (a *Analyzer) PTS(pos int64) time.Duration { return a.tl.pts(pos) }

// Position is the number of samples analysed since the last restart.
func (a *Analyzer) Position() int64 { return a.pos }

// ptsTolerance is how far a buffer timestamp may stray from the sample
// count before the timeline re-anchors; ptsJump is where a jump is a new
// stream (seek, loop, source restart) rather than a gap.
const (
	ptsTolerance = time.Millisecond
	ptsJump      = 2 * time.Second
)

// Process analyses one buffer of n samples per channel whose first sample
// has timestamp pts (negative: unknown, continue the count). data holds
// the raw samples in the analyser's Format; planeOffset gives the byte
// offset of each plane for planar buffers that carry a GstAudioMeta (nil:
// planes are contiguous). The returned events are valid until the next
// call.
func (a *Analyzer) Process(pts time.Duration, data []byte, n int, planeOffset []int) ([]defect.Event, error) {
	t0 := time.Now()
	a.events = a.events[:0]
	if n <= 0 {
		return a.events, nil
	}
	a.grow(n)
	if err := a.f.convert(&a.planes, 0, data, n, planeOffset); err != nil {
		return a.events, err
	}
	a.timestamp(pts)
	a.run1(n)
	a.st.cost += time.Since(t0)
	a.st.buffers++
	return a.events, nil
}

// Planes returns the last buffer's samples as Process converted them:
// planar float64, one slice per channel, 1.0 = full scale. Valid until the
// next call; A/V sync meters these instead of converting the buffer again.
func (a *Analyzer) Planes() [][]float64 { return a.planes[:a.f.Channels] }

// ProcessPlanar is Process for samples already planar float64
// (planes[c][:n]); tests and other Go callers use it.
func (a *Analyzer) ProcessPlanar(pts time.Duration, planes [][]float64) []defect.Event {
	a.events = a.events[:0]
	if len(planes) < a.f.Channels || len(planes[0]) == 0 {
		return a.events
	}
	n := len(planes[0])
	a.grow(n)
	for c := 0; c < a.f.Channels; c++ {
		for i, v := range planes[c][:n] {
			a.planes[c][i] = sane(v)
		}
	}
	a.timestamp(pts)
	a.run1(n)
	a.st.buffers++
	return a.events
}

func (a *Analyzer) grow(n int) {
	for c := 0; c < a.f.Channels; c++ {
		if cap(a.planes[c]) < n {
			a.planes[c] = make([]float64, n)
		}
		a.planes[c] = a.planes[c][:n]
	}
}

// timestamp checks a buffer's pts against the sample count.
func (a *Analyzer) timestamp(pts time.Duration) {
	if pts < 0 {
		return
	}
	if a.tl.empty() {
		a.tl.add(a.pos, pts)
		return
	}
	d := pts - a.tl.pts(a.pos)
	switch {
	case d < -ptsTolerance || d > ptsJump:
		// A new stream: close what is open where the old one ended.
		a.flushAll(a.pos)
		a.restart()
		a.tl.add(0, pts)
	case d > ptsTolerance:
		a.tl.add(a.pos, pts)
	}
}

// Flush closes every open window at the end of the stream (EOS) and
// restarts; it returns the edges that produced.
func (a *Analyzer) Flush() []defect.Event {
	a.events = a.events[:0]
	a.flushAll(a.pos)
	a.restart()
	return a.events
}

// Restart forgets the stream without emitting anything (flushing seek).
func (a *Analyzer) Restart() { a.restart() }

func (a *Analyzer) flushAll(end int64) {
	a.sil.flush(a, end)
	a.clip.flush(a, end)
	a.loud.flush(a, end)
	a.tp.flush(a, end)
	for _, c := range a.lossCh {
		a.loss[c].flush(a, end)
	}
	for i := range a.ph {
		a.ph[i].flush(a, end)
	}
}

// run1 analyses the n samples now in planes, cut at sub-block boundaries.
func (a *Analyzer) run1(n int) {
	ch := a.f.Channels
	m := a.meter
	for off := 0; off < n; {
		k := min(n-off, m.Room())
		base := a.pos + int64(off)
		// True peaks matter above the limit (overs) and above the
		// interval's maximum so far (stats); below both, the meter may
		// skip the 4x interpolation, and every maximum stays exact.
		if !a.tpExact {
			m.SetTruePeakFloor(min(a.tpLimit, a.st.tp))
		}
		xs := a.chunk[:ch]
		for c := range xs {
			xs[c] = a.planes[c][off : off+k]
		}
		overs := !math.IsInf(a.tpLimit, 1)
		if overs {
			for c := range xs {
				a.chunkPre[c] = *m.TPState(c)
			}
		}
		m.AddChannels(xs, a.chunkTP[:ch])
		for c, x := range xs {
			if overs && a.chunkTP[c] > a.tpLimit {
				a.blk.over(base, &a.chunkPre[c], x, a.tpLimit)
			}
			a.scan(c, x, base)
		}
		for i, p := range a.pairs {
			a.blk.xy[i] += dot(a.planes[p[0]][off:off+k], a.planes[p[1]][off:off+k])
		}
		a.blk.n += k
		off += k
		if m.Advance(k) {
			a.closeBlock()
		}
	}
	a.pos += int64(n)
}

func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1 float64
	i := 0
	for ; i+1 < len(x); i += 2 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
	}
	if i < len(x) {
		s0 += x[i] * y[i]
	}
	return s0 + s1
}

// over records where a chunk's true peak first and last exceeds the limit.
func (b *block) over(base int64, pre *loudness.TPState, x []float64, limit float64) {
	f := loudness.FirstOver(pre, x, limit)
	l := loudness.LastOver(pre, x, limit)
	if f < 0 {
		return
	}
	if b.tpFirst < 0 {
		b.tpFirst = base + int64(f)
	}
	b.tpLast = base + int64(max(l, f))
}

// scan is the per-sample pass: energy, peak and full-scale runs; first and
// last samples above the silence / channel-loss thresholds are found
// afterwards, only in chunks that have any.
func (a *Analyzer) scan(c int, x []float64, base int64) {
	b := &a.blk
	lvl, minRun := a.clipLevel, a.minRun
	ss, pk, clip := levels(x, lvl)
	run := a.run[c]
	switch {
	case clip:
		for i, v := range x {
			if math.Abs(v) >= lvl {
				run++
				continue
			}
			if run >= minRun {
				a.clipRun(c, base+int64(i-run), base+int64(i))
			}
			run = 0
		}
	case len(x) > 0:
		// Nothing at full scale: a run in progress ends at x[0].
		if run >= minRun {
			a.clipRun(c, base-int64(run), base)
		}
		run = 0
	}
	a.run[c] = run
	b.sumSq[c] += ss
	b.peak[c] = math.Max(b.peak[c], pk)
	if pk > a.silDate {
		f, l := aboveRange(x, a.silDate)
		if b.silFirst[c] < 0 {
			b.silFirst[c] = base + int64(f)
		}
		b.silLast[c] = base + int64(l)
	}
	if pk > a.lossDate {
		f, l := aboveRange(x, a.lossDate)
		if b.lossFirst[c] < 0 {
			b.lossFirst[c] = base + int64(f)
		}
		b.lossLast[c] = base + int64(l)
	}
}

// levels returns Σx², max|x| and whether any |x| reaches lvl (a
// full-scale sample). The vector kernel adds the squares in four lanes, so
// its sum may differ from the Go loop's in the last bits.
func levels(x []float64, lvl float64) (ss, pk float64, clip bool) {
	i := 0
	if q := len(x) / 4; haveKernels && simd.AVX2 && q > 0 {
		ss, pk, clip = levelsAVX2(&x[0], q, lvl)
		i = 4 * q
	}
	for _, v := range x[i:] {
		ss += v * v
		av := math.Abs(v)
		if av > pk {
			pk = av
		}
		clip = clip || av >= lvl
	}
	return ss, pk, clip
}

// aboveRange returns the first and last index with |x| > thr (one exists).
func aboveRange(x []float64, thr float64) (first, last int) {
	for first = 0; first < len(x) && math.Abs(x[first]) <= thr; first++ {
	}
	for last = len(x) - 1; last > first && math.Abs(x[last]) <= thr; last-- {
	}
	return first, last
}

// clipRun records a full-scale run [start, end) in channel c.
func (a *Analyzer) clipRun(c int, start, end int64) {
	b := &a.blk
	b.runs[c]++
	if b.runFirst < 0 || start < b.runFirst {
		b.runFirst = start
	}
	b.runEnd = max(b.runEnd, end)
}

// closeBlock hands a finished sub-block to every detector.
func (a *Analyzer) closeBlock() {
	b := &a.blk
	b.sub = a.meter.Last()
	for c := 0; c < a.f.Channels; c++ {
		b.tpMax = math.Max(b.tpMax, b.sub.TruePeak[c])
	}
	if a.s.Silence.Enabled {
		a.sil.step(a, b)
	}
	if a.s.Clipping.Enabled {
		a.clip.step(a, b)
	}
	if a.s.Loudness.Enabled {
		a.loud.step(a, b)
	}
	if a.s.Loudness.TruePeak {
		a.tp.step(a, b)
	}
	if a.s.ChannelLoss.Enabled {
		for _, c := range a.lossCh {
			a.loss[c].step(a, b)
		}
	}
	if a.s.Phase.Enabled {
		for i := range a.ph {
			a.ph[i].step(a, b)
		}
	}
	a.st.add(a, b)
	a.blk.reset(b.end())
}

// emit appends an event, filling what every event shares.
func (a *Analyzer) emit(ev defect.Event) {
	ev.RunningTime, ev.StreamTime = -1, -1
	a.events = append(a.events, ev)
}

// edge builds a start or end event dated at sample pos; for an end,
// startPos is where its window started.
func (a *Analyzer) edge(t defect.Type, e defect.Edge, pos, startPos int64) defect.Event {
	ev := defect.Event{Type: t, Edge: e, PTS: a.PTS(pos), Channel: -1}
	if e == defect.End {
		ev.Duration = ev.PTS - a.PTS(startPos)
	}
	return ev
}
