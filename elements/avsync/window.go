package avsync

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// window wraps a defect.Gate for a detector whose verdicts come at irregular
// times (an estimate per second, a marker pair every two seconds) and may be
// "unknown" (no usable content): unknown holds the window as it is, and an
// open window closes only after unknown has lasted holdUnknown, dated at the
// first unknown verdict. That way an alert does not flap with the content,
// and a window cannot stay open forever on a feed that went uninformative.
type window struct {
	gate        defect.Gate
	holdUnknown time.Duration

	startAt      time.Duration
	unknownSince time.Duration
	unknown      bool
	last         time.Duration // last verdict time, for monotonic stepping
	stepped      bool
}

func (w *window) configure(minDur, holdUnknown time.Duration) {
	w.gate.MinDuration = minDur
	w.gate.ClearDuration = minDur
	w.holdUnknown = max(holdUnknown, minDur)
}

func (w *window) active() bool { return w.gate.Active() }

// step feeds one verdict; offsetMs and thr are reported on the edge.
func (w *window) step(at time.Duration, bad bool, offsetMs, thr float64, out []defect.Event) []defect.Event {
	if w.stepped && at < w.last {
		at = w.last // a verdict dated before the previous one: keep time monotonic
	}
	w.last, w.stepped = at, true
	w.unknown = false
	edge, when, ok := w.gate.Step(at, bad)
	if !ok {
		return out
	}
	return w.emit(edge, when, offsetMs, thr, out)
}

// stepUnknown notes that no verdict could be made at at.
func (w *window) stepUnknown(at time.Duration, offsetMs, thr float64, out []defect.Event) []defect.Event {
	if !w.unknown {
		w.unknown, w.unknownSince = true, at
	}
	if !w.gate.Active() || at-w.unknownSince < w.holdUnknown {
		return out
	}
	since := max(w.unknownSince, w.last)
	out = w.step(since, false, offsetMs, thr, out)
	// The gate needs good verdicts for ClearDuration (≤ holdUnknown, so
	// at is late enough); the end lands at the first unknown verdict.
	out = w.step(at, false, offsetMs, thr, out)
	return out
}

// dropCandidate forgets bad verdicts that have not opened a window yet.
// For a detector with sparse verdicts (a marker pair every 1–4 s) the time
// after the last verdict is unknown, not bad: a candidate must be confirmed
// by verdicts spanning MinDuration, not by the stream going on past it.
func (w *window) dropCandidate() {
	if !w.gate.Active() {
		w.gate.Reset()
	}
}

// flush closes an open window at end (end of stream or reset).
func (w *window) flush(end time.Duration, offsetMs, thr float64, out []defect.Event) []defect.Event {
	startAt, started, endAt, ended := w.gate.Flush(end)
	if started {
		out = w.emit(defect.Start, startAt, offsetMs, thr, out)
	}
	if ended {
		out = w.emit(defect.End, endAt, offsetMs, thr, out)
	}
	w.unknown, w.stepped = false, false
	return out
}

func (w *window) emit(edge defect.Edge, at time.Duration, offsetMs, thr float64, out []defect.Event) []defect.Event {
	ev := defect.Event{
		Type: defect.AVOffset, Edge: edge, PTS: at, RunningTime: at, StreamTime: -1,
		Value: offsetMs, Threshold: thr, Channel: -1, OffsetMs: offsetMs,
	}
	if edge == defect.Start {
		w.startAt = at
	} else {
		if at < w.startAt {
			at = w.startAt
			ev.PTS, ev.RunningTime = at, at
		}
		ev.Duration = at - w.startAt
	}
	return append(out, ev)
}
