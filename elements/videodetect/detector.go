package videodetect

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// tracker is what the three detectors share: the time-domain hysteresis
// (defect.Gate) and the bookkeeping that turns its edges into events.
// Value-domain hysteresis is each detector's job: only it knows its measure.
type tracker struct {
	typ   defect.Type
	gate  defect.Gate
	start time.Duration // PTS of the open window's start, for the duration
	// began is set on the frame whose verdict opened a new candidate: the
	// first bad frame, which a snapshot should show.
	began bool
	// minDuration is the configured gate.MinDuration. While a candidate's
	// share of bad frames is below majority (the bridge lets good frames
	// into a candidate), or its detector holds it, the gate is given a
	// MinDuration no candidate reaches: the candidate lives on, unconfirmed.
	// That keeps sparse one-frame outliers, bridged together, from making
	// a window.
	minDuration time.Duration
	majority    float64
	run, bad    int  // frames since the candidate began, and bad ones
	held        bool // the detector's hold on the last frame
	// peak is the worst value over the candidate's bad frames: what a
	// start event reports (lowIsWorse for measures like freeze's dB).
	peak       float64
	lowIsWorse bool
}

// never is a MinDuration no candidate reaches.
const never = time.Duration(1<<63 - 1)

// step feeds one verdict and appends the resulting event, if any. hold
// keeps an open candidate from being confirmed on this frame.
func (t *tracker) step(out []defect.Event, pts time.Duration, bad, hold bool, value, threshold float64) []defect.Event {
	wasIdle := t.gate.Idle()
	if wasIdle {
		t.run, t.bad = 0, 0
		t.peak = value
	}
	if !t.gate.Active() {
		t.run++
		if bad {
			t.bad++
			if (t.lowIsWorse && value < t.peak) || (!t.lowIsWorse && value > t.peak) {
				t.peak = value
			}
		}
	}
	t.held = hold
	t.gate.MinDuration = t.confirmAfter()
	edge, at, ok := t.gate.Step(pts, bad)
	t.began = wasIdle && !t.gate.Idle()
	if !ok {
		return out
	}
	ev := defect.Event{Type: t.typ, Edge: edge, PTS: at, Value: value, Threshold: threshold, Channel: -1}
	if edge == defect.Start {
		t.start = at
		ev.Value = t.peak
	} else {
		ev.Duration = at - t.start
	}
	return append(out, ev)
}

// flush closes the gate at end, the PTS just after the last frame.
func (t *tracker) flush(out []defect.Event, end time.Duration, value, threshold float64) []defect.Event {
	t.gate.MinDuration = t.confirmAfter()
	s, started, e, ended := t.gate.Flush(end)
	if started {
		t.start = s
		out = append(out, defect.Event{Type: t.typ, Edge: defect.Start, PTS: s, Value: t.peak, Threshold: threshold, Channel: -1})
	}
	if ended {
		out = append(out, defect.Event{Type: t.typ, Edge: defect.End, PTS: e, Duration: e - t.start, Value: value, Threshold: threshold, Channel: -1})
	}
	t.began = false
	return out
}

// confirmAfter is the MinDuration to give the gate now.
func (t *tracker) confirmAfter() time.Duration {
	if !t.gate.Active() && (t.held || float64(t.bad) < t.majority*float64(t.run)) {
		return never
	}
	return t.minDuration
}

// pending reports whether the detector's last frame was bad within a
// candidate or window: then its value-domain hysteresis uses the laxer exit
// threshold. Once frames turn good (clearing, or a bridged gap) it takes a
// frame past the full threshold to be bad again, so noise around the exit
// threshold cannot keep a window open.
func (t *tracker) pending() bool { return t.gate.Holding() }
