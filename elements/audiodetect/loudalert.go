package audiodetect

import (
	"math"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/loudness"
)

// loudAlert: short-term loudness (3 s window, every 100 ms) outside
// target ± tolerance for MinDuration.
//
// Confirming on short-term loudness is what EBU R128 asks for, and it is
// what keeps dialogue pauses quiet: speech at the target must pause for
// more than 2 s before its short-term loudness drops 5 LU, and the 3 s
// default minimum on top means a pause must last about 4 s (short-term
// stays low ~1 s after speech resumes, so the excursion is ~1.1 s shorter
// than the pause) before it is called a loudness fault. A pause that long
// in a silent room is reported as silence anyway.
//
// Dating: short-term loudness lags a step by up to 3 s (0.3 s for a +13 LU
// step, 2.1 s for a -17 LU step), so it cannot date the change. When it
// first leaves the band, the detector looks back 3.2 s at the 10 ms
// sub-block loudness values and finds the level step (see changePoint).
// That change point is the start; the end is found the same way when
// short-term loudness returns.
//
// Hysteresis: once out, short-term loudness must come back 1 LU inside the
// band to end the window, and stay there 1 s.
//
// Root causes first: below the absolute gate (-70 LUFS) there is no
// programme to judge (that is silence), and while a channel is lost a
// too-quiet verdict is held, since the loss explains the drop.
type loudAlert struct {
	cfg    LoudnessSettings
	tr     tracker
	lo, hi float64

	ring  [lookback]float64 // sub-block loudness, LUFS
	start [lookback]int64   // sub-block first sample
	at, n int

	dir     int     // +1 too loud, -1 too quiet (of the current/last window)
	value   float64 // short-term loudness that triggered, then the extreme
	extreme float64
}

const (
	lookback     = 400 // 10 ms sub-blocks kept (4 s)
	searchBlocks = 320 // looked back at a change (3.2 s: a 3 s window + slack)
	loudHyst     = 1.0 // LU
	loudClear    = time.Second
	// shortTermWindow is BS.1770's short-term integration time.
	shortTermWindow = 3 * time.Second
)

func (l *loudAlert) init(cfg LoudnessSettings) {
	*l = loudAlert{cfg: cfg, lo: cfg.TargetLUFS - cfg.ToleranceLU, hi: cfg.TargetLUFS + cfg.ToleranceLU}
	l.tr.reset(cfg.MinDuration, loudClear)
}

func (l *loudAlert) step(a *Analyzer, b *block) {
	l.ring[l.at] = b.sub.Loudness()
	l.start[l.at] = b.start
	l.at = (l.at + 1) % lookback
	l.n = min(l.n+1, lookback)

	m := a.meter
	if !b.sub.BlockClosed || !m.ShortTermFull() {
		return
	}
	s := m.ShortTerm()
	lo, hi := l.lo, l.hi
	if l.tr.bad || l.tr.active() {
		lo, hi = lo+loudHyst, hi-loudHyst
	}
	dir := 0
	switch {
	case s > hi:
		dir = 1
	case s < lo && s > loudness.AbsoluteGate:
		// Below the absolute gate there is no programme to measure:
		// that is the silence detector's business.
		dir = -1
	}
	if dir < 0 && a.channelLostWithin(b.end(), shortTermWindow) {
		// A lost channel takes 3 dB (stereo) off the loudness: that drop
		// is the channel-loss alert's, not a second fault. Hold while a
		// channel is lost and until the 3 s window no longer holds it.
		return
	}
	bad := dir != 0
	date := int64(-1)
	switch {
	case bad && !l.tr.bad:
		l.dir = dir
		date = l.changePoint(true)
		if !l.tr.active() {
			l.extreme = s
		}
	case !bad && l.tr.bad:
		date = l.changePoint(false)
	}
	if date < 0 {
		date = b.end()
	}
	if bad {
		l.dir = dir
		if math.Abs(s-l.cfg.TargetLUFS) > math.Abs(l.extreme-l.cfg.TargetLUFS) {
			l.extreme = s
		}
	}
	if e, pos, ok := l.tr.step(a, bad, b.end(), date); ok {
		if e == defect.Start {
			l.value = s
		} else {
			l.value = l.extreme
		}
		l.emit(a, e, pos)
	}
}

// out reports whether loudness v is beyond the band on the side of the
// current window.
func (l *loudAlert) out(v float64) bool {
	if l.dir > 0 {
		return v > l.hi
	}
	return v < l.lo
}

// changePoint returns the first sample of the sub-block where the level
// changed (-1 if no split fits): the split of the last searchBlocks sub-blocks into two runs of
// constant loudness that fits best (least squares on sub-block loudness in
// LUFS, floored at the absolute gate so pauses weigh like very quiet
// programme, not like -Inf). Only splits whose step goes the right way are
// considered (entering a too-loud window: louder after; leaving it: quieter
// after; the reverse for too quiet). Programme's 10 ms blocks spread over
// ±10 dB around its level, so judging blocks one by one against the band
// edge would date a change by its noisiest neighbours; a level step of
// more than the tolerance stands far out of that spread, so the fit lands
// on it to within a sub-block or two.
func (l *loudAlert) changePoint(entering bool) int64 {
	n := min(l.n, searchBlocks)
	if n < 2 {
		return -1
	}
	first := (l.at - n + lookback) % lookback
	var vals [searchBlocks]float64
	var total, energy float64
	for i := 0; i < n; i++ {
		v := l.ring[(first+i)%lookback]
		energy += lufsToEnergy(v)
		v = min(max(v, loudness.AbsoluteGate), 20)
		vals[i] = v
		total += v
	}
	// Louder after the split is wanted when entering a too-loud window or
	// leaving a too-quiet one.
	louderAfter := (l.dir > 0) == entering
	best, bestScore := -1, math.Inf(-1)
	var before, eBefore float64
	for s := 1; s < n; s++ {
		before += vals[s-1]
		eBefore += lufsToEnergy(l.ring[(first+s-1)%lookback])
		nb, na := float64(s), float64(n-s)
		mb, ma := before/nb, (total-before)/na
		if (ma > mb) != louderAfter {
			continue
		}
		// And the programme after the split must be where the verdict
		// says: out of band after a start, back in band after an end. At
		// EOS this keeps a window that never ended from being cut short.
		if after := loudness.LUFS((energy - eBefore) / na); entering != l.out(after) {
			continue
		}
		// Maximising Σ² / n per segment is minimising the squared error.
		if score := before*before/nb + (total-before)*(total-before)/na; score > bestScore {
			best, bestScore = s, score
		}
	}
	if best < 0 {
		return -1
	}
	return l.start[(first+best)%lookback]
}

// lufsToEnergy inverts loudness.LUFS for one sub-block.
func lufsToEnergy(v float64) float64 {
	if math.IsInf(v, -1) {
		return 0
	}
	return math.Pow(10, (v+0.691)/10)
}

func (l *loudAlert) emit(a *Analyzer, e defect.Edge, pos int64) {
	ev := a.edge(defect.Loudness, e, pos, l.tr.startAt)
	ev.Value = l.value
	ev.Threshold = l.hi
	if l.dir < 0 {
		ev.Threshold = l.lo
	}
	a.emit(ev)
}

func (l *loudAlert) flush(a *Analyzer, end int64) {
	// A window still open at EOS ends where the signal came back, if it
	// did within the look-back; short-term loudness may not have caught up.
	badEnd := end
	if l.tr.bad {
		if p := l.changePoint(false); p >= 0 && p < end {
			badEnd = p
		}
	}
	started, at, ended, endAt := l.tr.flush(a, end, badEnd)
	l.value = l.extreme
	if started {
		l.emit(a, defect.Start, at)
	}
	if ended {
		l.emit(a, defect.End, endAt)
	}
}

// truePeakAlert: the true peak (4x oversampled) above TruePeakDB. Starts at
// the first over (to the sample), ends after the last one once a second has
// passed without another, so a passage full of overs is one window.
type truePeakAlert struct {
	cfg      LoudnessSettings
	tr       tracker
	lastOver int64 // first sample after the last over
	worst    float64
}

const truePeakClear = time.Second

func (t *truePeakAlert) init(cfg LoudnessSettings) {
	*t = truePeakAlert{cfg: cfg, lastOver: -1}
	t.tr.reset(0, truePeakClear)
}

func (t *truePeakAlert) step(a *Analyzer, b *block) {
	bad := b.tpFirst >= 0
	at := b.end()
	switch {
	case bad && !t.tr.bad:
		at = b.tpFirst
		if !t.tr.active() {
			t.worst = 0
		}
	case !bad && t.tr.bad:
		at = t.lastOver
	}
	if bad {
		t.lastOver = b.tpLast + 1
		t.worst = max(t.worst, b.tpMax)
	}
	if e, pos, ok := t.tr.step(a, bad, at, at); ok {
		t.emit(a, e, pos)
	}
}

func (t *truePeakAlert) emit(a *Analyzer, e defect.Edge, pos int64) {
	ev := a.edge(defect.TruePeak, e, pos, t.tr.startAt)
	ev.Value = dbOrFloor(t.worst)
	ev.Threshold = t.cfg.TruePeakDB
	a.emit(ev)
}

func (t *truePeakAlert) flush(a *Analyzer, end int64) {
	started, at, ended, endAt := t.tr.flush(a, end, max(t.lastOver, 0))
	if started {
		t.emit(a, defect.Start, at)
	}
	if ended {
		t.emit(a, defect.End, endAt)
	}
}
