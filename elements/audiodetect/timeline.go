package audiodetect

import "time"

// timeline maps sample positions to buffer timestamps. Positions count
// samples since the analyser (re)started; each buffer whose timestamp
// disagrees with the running count (a gap, a drifting source) adds an
// anchor. A few old anchors are kept because an edge may be dated up to a
// few seconds back (loudness change points).
type timeline struct {
	rate    int
	anchors [16]anchor
	n       int // anchors in use
	next    int // ring slot for the next anchor
}

type anchor struct {
	pos int64
	pts time.Duration
}

func (t *timeline) reset(rate int) { *t = timeline{rate: rate} }

func (t *timeline) empty() bool { return t.n == 0 }

func (t *timeline) add(pos int64, pts time.Duration) {
	t.anchors[t.next] = anchor{pos, pts}
	t.next = (t.next + 1) % len(t.anchors)
	t.n = min(t.n+1, len(t.anchors))
}

// pts of sample pos: from the newest anchor at or before pos (the oldest
// when pos predates them all).
func (t *timeline) pts(pos int64) time.Duration {
	if t.n == 0 {
		return samplesToDuration(pos, t.rate)
	}
	var best anchor
	for i := 1; i <= t.n; i++ {
		a := t.anchors[(t.next-i+len(t.anchors))%len(t.anchors)]
		best = a
		if a.pos <= pos {
			break
		}
	}
	return best.pts + samplesToDuration(pos-best.pos, t.rate)
}

// samplesToDuration converts a sample count at rate to time without
// overflowing for long streams.
func samplesToDuration(n int64, rate int) time.Duration {
	r := int64(rate)
	q, rem := n/r, n%r
	return time.Duration(q)*time.Second + time.Duration(rem*int64(time.Second)/r)
}
