package audiodetect

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// tracker wraps a defect.Gate for detectors that judge per 10 ms (or
// 100 ms) block but date edges more finely.
//
// The gate sees each verdict at time `at` and applies the minimum and clear
// durations there; the date of an edge is the `date` the detector gave
// with the verdict that began the streak: the first bad sample for a start,
// the first good sample for an end. Silence and clipping pass the same
// position for both; loudness confirms on short-term loudness (at = now)
// but dates by where the signal changed (date = a change point found
// looking back).
type tracker struct {
	g       defect.Gate
	bad     bool
	onset   int64 // date of the current/last bad streak's first bad sample
	offset  int64 // date of the last good streak's first good sample
	startAt int64 // date of the open event's start
}

func (t *tracker) reset(minDur, clearDur time.Duration) {
	*t = tracker{g: defect.Gate{MinDuration: minDur, ClearDuration: clearDur}}
}

// step feeds one verdict; at and date are sample positions.
func (t *tracker) step(a *Analyzer, bad bool, at, date int64) (defect.Edge, int64, bool) {
	if bad && !t.bad {
		t.onset = date
	}
	if !bad && t.bad {
		t.offset = date
	}
	t.bad = bad
	e, _, ok := t.g.Step(a.sampleTime(at), bad)
	if !ok {
		return "", 0, false
	}
	if e == defect.Start {
		t.startAt = t.onset
		return e, t.onset, true
	}
	return e, max(t.offset, t.startAt), true
}

// flush closes the gate at end (the position after the last sample); a
// window still bad ends at badEnd (normally end).
func (t *tracker) flush(a *Analyzer, end, badEnd int64) (started bool, startAt int64, ended bool, endAt int64) {
	_, started, _, ended = t.g.Flush(a.sampleTime(end))
	if started {
		t.startAt = t.onset
	}
	if ended {
		endAt = t.offset
		if t.bad {
			endAt = badEnd
		}
		endAt = max(endAt, t.startAt)
	}
	t.bad = false
	return started, t.onset, ended, endAt
}

func (t *tracker) active() bool { return t.g.Active() }
