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
// sub-block loudness values and picks the split that best separates
// "in band" from "out of band" (fewest misclassified sub-blocks before and
// after). That change point is the start; the end is found the same way
// when short-term loudness returns. Isolated loud syllables or short
// pauses only cost a few misclassified blocks, so the split lands on the
// level change, to within one 10 ms sub-block for a step.
//
// Hysteresis: once out, short-term loudness must come back 1 LU inside the
// band to end the window, and stay there 1 s.
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
	bad := dir != 0
	date := b.end()
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

// changePoint returns the first sample of the sub-block that best splits
// the last searchBlocks sub-blocks into in-band before / out-of-band after
// (entering) or out before / in after (leaving).
func (l *loudAlert) changePoint(entering bool) int64 {
	n := min(l.n, searchBlocks)
	first := (l.at - n + lookback) % lookback
	// errs(s) = misclassified before s + misclassified from s on.
	// Entering: before should be in, after out. Leaving: the reverse.
	totalOut := 0
	for i := 0; i < n; i++ {
		if l.out(l.ring[(first+i)%lookback]) {
			totalOut++
		}
	}
	best, bestErr := 0, math.MaxInt
	outBefore := 0
	for s := 0; s <= n; s++ {
		inBefore := s - outBefore
		outAfter := totalOut - outBefore
		inAfter := (n - s) - outAfter
		var e int
		if entering {
			e = outBefore + inAfter
		} else {
			e = inBefore + outAfter
		}
		// Entering: earliest best split; leaving: latest (the window is
		// never cut short by a tie).
		if e < bestErr || (!entering && e == bestErr) {
			best, bestErr = s, e
		}
		if s < n && l.out(l.ring[(first+s)%lookback]) {
			outBefore++
		}
	}
	if best >= n {
		// Nothing out of band after any split: the change is now.
		return l.start[(l.at-1+lookback)%lookback] + 1
	}
	return l.start[(first+best)%lookback]
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
	if l.tr.bad && l.n > 0 {
		if p := l.changePoint(false); p < end {
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
