package audiodetect

import (
	"math"

	"github.com/avwatch/avwatch/elements/defect"
)

// phase: a stereo pair whose correlation over the last 200 ms stays below
// Correlation (default -0.5). Polarity inversion of one channel turns a
// mix's usual +0.5..+0.9 correlation into -0.5..-0.9 and a mono source into
// -1; genuine stereo goes that negative only for moments (wide reverb,
// effects), which the 2 s minimum rides out. Both channels must carry
// programme (10 dB above the silence threshold), else the verdict is held.
// The start is dated at the first 10 ms block of the negative stretch, the
// end at the first block back above the limit.
type phase struct {
	cfg  PhaseSettings
	pair [2]int
	idx  int // pair index in block.xy
	tr   tracker

	ring  [phaseWindow][3]float64 // xy, xx, yy per block
	start [phaseWindow]int64
	at, n int

	worst float64
}

const (
	phaseWindow = 20 // 10 ms blocks: 200 ms
	phaseHyst   = 0.1
)

func (p *phase) init(cfg PhaseSettings, pair [2]int, idx int) {
	*p = phase{cfg: cfg, pair: pair, idx: idx}
	p.tr.reset(cfg.MinDuration, silenceClear)
}

func corr(xy, xx, yy float64) float64 {
	if xx <= 0 || yy <= 0 {
		return 0
	}
	return xy / math.Sqrt(xx*yy)
}

func (p *phase) step(a *Analyzer, b *block) {
	l, r := p.pair[0], p.pair[1]
	p.ring[p.at] = [3]float64{b.xy[p.idx], b.sumSq[l], b.sumSq[r]}
	p.start[p.at] = b.start
	p.at = (p.at + 1) % phaseWindow
	p.n = min(p.n+1, phaseWindow)

	var xy, xx, yy float64
	var samples int64
	for i := 0; i < p.n; i++ {
		v := p.ring[i]
		xy, xx, yy = xy+v[0], xx+v[1], yy+v[2]
	}
	samples = int64(p.n) * int64(b.n)
	prog := a.silThr * math.Sqrt(10) // 10 dB above the silence threshold
	if xx < prog*prog*float64(samples) || yy < prog*prog*float64(samples) {
		return // hold
	}
	limit := p.cfg.Correlation
	if p.tr.bad || p.tr.active() {
		limit += phaseHyst
	}
	c := corr(xy, xx, yy)
	bad := c < limit
	at := b.end()
	switch {
	case bad && !p.tr.bad:
		at = p.since(func(c float64) bool { return c < p.cfg.Correlation })
		if !p.tr.active() {
			p.worst = c
		}
	case !bad && p.tr.bad:
		at = p.since(func(c float64) bool { return c >= p.cfg.Correlation })
	}
	if bad {
		p.worst = min(p.worst, c)
	}
	if e, pos, ok := p.tr.step(a, bad, at, at); ok {
		ev := a.edge(defect.Phase, e, pos, p.tr.startAt)
		ev.Value = p.worst
		ev.Threshold = p.cfg.Correlation
		a.emit(ev)
	}
}

// since returns the first sample of the run of most recent blocks whose own
// correlation satisfies ok (the newest block if it does not).
func (p *phase) since(ok func(float64) bool) int64 {
	newest := (p.at - 1 + phaseWindow) % phaseWindow
	pos := p.start[newest]
	for i := 0; i < p.n; i++ {
		j := (p.at - 1 - i + 2*phaseWindow) % phaseWindow
		v := p.ring[j]
		if !ok(corr(v[0], v[1], v[2])) {
			break
		}
		pos = p.start[j]
	}
	return pos
}

func (p *phase) flush(a *Analyzer, end int64) {
	started, at, ended, endAt := p.tr.flush(a, end, end)
	for _, e := range []struct {
		ok  bool
		pos int64
		e   defect.Edge
	}{{started, at, defect.Start}, {ended, endAt, defect.End}} {
		if e.ok {
			ev := a.edge(defect.Phase, e.e, e.pos, p.tr.startAt)
			ev.Value = p.worst
			ev.Threshold = p.cfg.Correlation
			a.emit(ev)
		}
	}
}
