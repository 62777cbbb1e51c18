package audiodetect

import "github.com/avwatch/avwatch/elements/defect"

// clipping: runs of at least MinRun consecutive samples at or above
// LevelDB, counted per channel over a sliding second; clipping while some
// channel has at least Rate runs in the last second.
//
// Why runs near full scale and not "samples equal to full scale": after
// lossy coding (AAC, MP2) a clipped plateau comes back as ripple of about
// ±0.5 dB around (and above) full scale, so exact-value tests miss it.
// Measured on 1 kHz tones hard-clipped by 12 dB and coded with avenc_aac,
// voaacenc, avenc_mp2 and twolame: runs of ≥3 samples at ≥ -0.5 dBFS come
// at 2,500-4,000 per second; the same tone unclipped at -6 dBFS gives none,
// and a 20 ms codec-rippled plateau splits into several runs at most. A
// natural peak gives a run too, but only loud content with peaks at full
// scale keeps up 10 per second.
//
// The window starts at the first run of the burst (runs closer than the
// chain gap belong together), ends after the last run; the minimum duration
// is measured between them, so a single clipped drum hit is not an alert.
type clipping struct {
	cfg ClippingSettings
	tr  tracker

	ring [clipWindow][MaxChannels]uint16
	sum  [MaxChannels]int
	at   int

	chainStart, lastRunEnd int64 // -1 until a run is seen
	gap                    int64 // chain gap in samples
	worst                  int   // most runs in a second during the window
}

const clipWindow = 100 // 10 ms blocks: one second

func (s *clipping) init(cfg ClippingSettings) {
	*s = clipping{cfg: cfg, chainStart: -1, lastRunEnd: -1}
	s.tr.reset(cfg.MinDuration, 0)
}

// chainGap: runs further apart than two average intervals at the alert
// rate (within 50 ms..1 s) start a new burst.
func (s *clipping) chainGap(rate int) int64 {
	g := 2 / max(s.cfg.Rate, 1e-3)
	g = min(max(g, 0.05), 1)
	return int64(g * float64(rate))
}

func (s *clipping) step(a *Analyzer, b *block) {
	if s.gap == 0 {
		s.gap = s.chainGap(a.f.Rate)
	}
	most := 0
	for c := 0; c < a.f.Channels; c++ {
		r := min(b.runs[c], 65535)
		s.sum[c] += r - int(s.ring[s.at][c])
		s.ring[s.at][c] = uint16(r)
		most = max(most, s.sum[c])
	}
	s.at = (s.at + 1) % clipWindow
	if b.runFirst >= 0 {
		if s.lastRunEnd < 0 || b.runFirst-s.lastRunEnd > s.gap {
			s.chainStart = b.runFirst
		}
		s.lastRunEnd = max(s.lastRunEnd, b.runEnd)
	}
	bad := s.lastRunEnd >= 0 && float64(most) >= s.cfg.Rate && b.end()-s.lastRunEnd <= s.gap
	at := b.end()
	switch {
	case bad && !s.tr.bad:
		at = s.chainStart
		if !s.tr.active() {
			s.worst = 0
		}
	case bad:
		at = s.lastRunEnd
	case s.tr.bad:
		at = s.lastRunEnd
	}
	if bad {
		s.worst = max(s.worst, most)
	}
	if e, pos, ok := s.tr.step(a, bad, at, at); ok {
		s.emit(a, e, pos)
	}
}

func (s *clipping) emit(a *Analyzer, e defect.Edge, pos int64) {
	ev := a.edge(defect.Clipping, e, pos, s.tr.startAt)
	ev.Value = float64(s.worst)
	ev.Threshold = s.cfg.Rate
	a.emit(ev)
}

func (s *clipping) flush(a *Analyzer, end int64) {
	// A burst still running is judged up to its last run, not to EOS.
	if s.tr.bad {
		end = s.lastRunEnd
	}
	started, at, ended, endAt := s.tr.flush(a, end, end)
	if started {
		s.emit(a, defect.Start, at)
	}
	if ended {
		s.emit(a, defect.End, endAt)
	}
}
