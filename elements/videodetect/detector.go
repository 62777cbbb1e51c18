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
}

// step feeds one verdict and appends the resulting event, if any.
func (t *tracker) step(out []defect.Event, pts time.Duration, bad bool, value, threshold float64) []defect.Event {
	wasIdle := t.gate.Idle()
	edge, at, ok := t.gate.Step(pts, bad)
	t.began = wasIdle && !t.gate.Idle()
	if !ok {
		return out
	}
	ev := defect.Event{Type: t.typ, Edge: edge, PTS: at, Value: value, Threshold: threshold, Channel: -1}
	if edge == defect.Start {
		t.start = at
	} else {
		ev.Duration = at - t.start
	}
	return append(out, ev)
}

// flush closes the gate at end, the PTS just after the last frame.
func (t *tracker) flush(out []defect.Event, end time.Duration, value, threshold float64) []defect.Event {
	s, started, e, ended := t.gate.Flush(end)
	if started {
		t.start = s
		out = append(out, defect.Event{Type: t.typ, Edge: defect.Start, PTS: s, Value: value, Threshold: threshold, Channel: -1})
	}
	if ended {
		out = append(out, defect.Event{Type: t.typ, Edge: defect.End, PTS: e, Duration: e - t.start, Value: value, Threshold: threshold, Channel: -1})
	}
	t.began = false
	return out
}

// pending reports whether the detector holds a candidate or an open window,
// which is when its value-domain hysteresis uses the exit threshold.
func (t *tracker) pending() bool { return !t.gate.Idle() }
