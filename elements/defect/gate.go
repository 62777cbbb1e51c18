package defect

import "time"

// Gate turns a stream of per-frame verdicts into start/end edges.
//
// A defect starts only after frames have been bad for MinDuration, and the
// start is dated at the first bad frame; it ends only after frames have been
// good for ClearDuration, and the end is dated at the first good frame. The
// two durations are the time-domain hysteresis: a single good frame inside a
// freeze does not split it in two, and a single bad frame does not raise an
// alert. Value-domain hysteresis (enter/exit thresholds) is the detector's job
// because only it knows its measure.
//
// The zero Gate starts on the first bad frame and ends on the first good one.
type Gate struct {
	MinDuration   time.Duration
	ClearDuration time.Duration
	// Bridge lets a candidate survive runs of good frames shorter than
	// Bridge, so a defect interrupted by a lone good frame before it is
	// confirmed (a keyframe refreshing a frozen picture) still starts at its
	// first bad frame. Zero keeps the plain behaviour: the first good frame
	// drops the candidate.
	Bridge time.Duration

	state     gateState
	badSince  time.Duration // first bad PTS of the current candidate/window
	goodSince time.Duration // first good PTS while clearing
}

type gateState uint8

const (
	gateIdle gateState = iota
	gateCandidate
	gateActive
	gateClearing
	gateCandidateGap // candidate interrupted by good frames, within Bridge
)

// Active reports whether a start has been emitted and not yet closed.
func (g *Gate) Active() bool { return g.state == gateActive || g.state == gateClearing }

// Idle reports whether the gate holds neither a candidate nor a window.
func (g *Gate) Idle() bool { return g.state == gateIdle }

// Holding reports whether the last verdict kept a candidate or window going
// (candidate or active, not bridging a gap or clearing): when a detector
// applies value hysteresis (a laxer threshold to stay bad than to become
// bad), this is when the laxer one applies.
func (g *Gate) Holding() bool { return g.state == gateCandidate || g.state == gateActive }

// Since is the PTS of the first bad frame of the current candidate or window.
func (g *Gate) Since() time.Duration { return g.badSince }

// Step feeds one verdict at media time pts and returns the edge it causes, if
// any. Timestamps must not go backwards; a caller that sees a discontinuity
// should Flush and Reset.
func (g *Gate) Step(pts time.Duration, bad bool) (edge Edge, at time.Duration, ok bool) {
	switch g.state {
	case gateIdle:
		if bad {
			g.badSince = pts
			g.state = gateCandidate
			return g.confirm(pts)
		}
	case gateCandidate:
		if !bad {
			if g.Bridge > 0 {
				g.goodSince = pts
				g.state = gateCandidateGap
				return "", 0, false
			}
			g.state = gateIdle
			return "", 0, false
		}
		return g.confirm(pts)
	case gateCandidateGap:
		if pts-g.goodSince >= g.Bridge {
			// The gap outlasted the bridge: the candidate is over, and this
			// frame is judged on its own.
			g.state = gateIdle
			return g.Step(pts, bad)
		}
		if bad {
			g.state = gateCandidate
			return g.confirm(pts)
		}
	case gateActive:
		if !bad {
			g.goodSince = pts
			g.state = gateClearing
			return g.clear(pts)
		}
	case gateClearing:
		if bad {
			g.state = gateActive
			return "", 0, false
		}
		return g.clear(pts)
	}
	return "", 0, false
}

func (g *Gate) confirm(pts time.Duration) (Edge, time.Duration, bool) {
	if pts-g.badSince >= g.MinDuration {
		g.state = gateActive
		return Start, g.badSince, true
	}
	return "", 0, false
}

func (g *Gate) clear(pts time.Duration) (Edge, time.Duration, bool) {
	if pts-g.goodSince >= g.ClearDuration {
		g.state = gateIdle
		return End, g.goodSince, true
	}
	return "", 0, false
}

// Flush closes the gate at end of stream, where end is the PTS just after the
// last frame. A window still open is ended (at the first good frame if it was
// clearing, else at end); a candidate that has lasted MinDuration by end is
// started and ended, so a defect running to the end of a file is not lost.
// It returns how many of start, end it produced, and their times.
func (g *Gate) Flush(end time.Duration) (startAt time.Duration, started bool, endAt time.Duration, ended bool) {
	switch g.state {
	case gateCandidate:
		if end-g.badSince >= g.MinDuration && end > g.badSince {
			startAt, started = g.badSince, true
			endAt, ended = end, true
		}
	case gateCandidateGap:
		// The window ran until the gap began.
		if g.goodSince-g.badSince >= g.MinDuration && g.goodSince > g.badSince {
			startAt, started = g.badSince, true
			endAt, ended = g.goodSince, true
		}
	case gateActive:
		endAt, ended = end, true
	case gateClearing:
		endAt, ended = g.goodSince, true
	}
	g.state = gateIdle
	return
}

// Reset forgets any candidate or open window without emitting anything.
func (g *Gate) Reset() { g.state = gateIdle }
