package audiodetect

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// silence: every channel's 10 ms RMS below the threshold.
//
// RMS rather than sample peak, so that a -70 dBFS noise floor (whose
// peaks reach -58 dBFS) is silence and a -40 dBFS quiet passage is not.
// The start is dated just after the last sample above the threshold (in
// any channel), the end at the first sample above it: sample-accurate on a
// clean cut, and within a codec frame (~21 ms) after lossy coding, whose
// pre-echo and decay tails spread a cut.
//
// Digital zero: the source sent zeros. Lossy codecs do not return zeros
// as zeros: measured, AAC (voaacenc) decodes them to noise at -100..-110
// dBFS RMS with peaks near -87 dBFS, MP2 (avenc_mp2) to about -89 dBFS RMS,
// and a TPDF-dithered conversion to 16 bit toggles the last bit (-96 dBFS).
// Real quiet programme (room tone, hiss) sits at -50..-75 dBFS. So a 10 ms
// block counts as digital zero when every channel's RMS is below -80 dBFS,
// and a window is digital zero when at least 90 % of its blocks are (the
// first block after a cut carries the codec's decay tail).
type silence struct {
	cfg SilenceSettings
	tr  tracker

	lastLoud int64 // last sample above the threshold, any channel; -1 none

	blocks, zero int     // 10 ms blocks in the window, and how many were digital zero
	loudest      float64 // largest 10 ms RMS in the window (linear)
}

const (
	// silenceClear bridges a blip shorter than this inside a silence.
	silenceClear = 100 * time.Millisecond
	// digitalZero: 10 ms RMS below -80 dBFS.
	digitalZero      = 1e-4
	digitalZeroShare = 0.9
)

func (s *silence) init(cfg SilenceSettings) {
	*s = silence{cfg: cfg, lastLoud: -1}
	s.tr.reset(cfg.MinDuration, silenceClear)
}

func (s *silence) step(a *Analyzer, b *block) {
	quiet, zero := true, true
	var loudest float64
	blockLast := int64(-1)
	first := int64(-1)
	for c := 0; c < a.f.Channels; c++ {
		r := b.rms(c)
		loudest = max(loudest, r)
		if r >= a.silThr {
			quiet = false
		}
		if r >= digitalZero {
			zero = false
		}
		blockLast = max(blockLast, b.silLast[c])
		if f := b.silFirst[c]; f >= 0 && (first < 0 || f < first) {
			first = f
		}
	}
	prevStart := b.start - int64(b.n)
	if blockLast >= 0 {
		s.lastLoud = blockLast
	}
	at := b.end()
	switch {
	case quiet && !s.tr.bad:
		// Silence began just after the last loud sample (in this block or
		// the one before).
		at = max(s.lastLoud+1, prevStart, 0)
		if !s.tr.active() {
			s.blocks, s.zero, s.loudest = 0, 0, 0
		}
	case !quiet && s.tr.bad:
		at = b.start
		if first >= 0 {
			at = first
		}
	}
	if quiet {
		s.blocks++
		if zero {
			s.zero++
		}
		s.loudest = max(s.loudest, loudest)
	}
	if e, pos, ok := s.tr.step(a, quiet, at, at); ok {
		s.emit(a, e, pos)
	}
}

func (s *silence) emit(a *Analyzer, e defect.Edge, pos int64) {
	ev := a.edge(defect.Silence, e, pos, s.tr.startAt)
	ev.Value = dbOrFloor(s.loudest)
	ev.Threshold = s.cfg.ThresholdDB
	ev.DigitalZero = s.blocks > 0 && float64(s.zero) >= digitalZeroShare*float64(s.blocks)
	a.emit(ev)
}

func (s *silence) flush(a *Analyzer, end int64) {
	started, at, ended, endAt := s.tr.flush(a, end, end)
	if started {
		s.emit(a, defect.Start, at)
	}
	if ended {
		s.emit(a, defect.End, endAt)
	}
}
