package loudness

import "math"

// A histogram keeps gated-loudness inputs in bounded memory: a stream can
// run for months, so the blocks cannot be stored one by one. Bins are
// 0.01 LU wide from the absolute gate (-70 LUFS) to +20 LUFS; each keeps its
// count, the sum of the block energies (so a gated mean is exact for the
// bins it includes) and the sum of the block loudnesses (so a percentile is
// the mean of its bin, exact for steady signals). Gate and percentile
// decisions are therefore quantised to 0.01 LU, far inside the ±0.1 LU
// that EBU Tech 3341 allows.
type histogram struct {
	count  [histBins]uint32
	energy [histBins]float64
	lsum   [histBins]float64
	n      uint64
}

const (
	histMin   = AbsoluteGate
	histMax   = 20.0
	histStep  = 0.01
	histBins  = 9000 // (histMax-histMin)/histStep
	histScale = 1 / histStep
)

// add files a block of mean-square energy e and loudness l (LUFS). Blocks
// at or below the absolute gate are dropped, as BS.1770 gates them.
func (h *histogram) add(e, l float64) {
	if !(l > histMin) { // also NaN
		return
	}
	b := histBins - 1
	if l < histMax {
		b = min(int((l-histMin)*histScale), histBins-1)
	}
	h.count[b]++
	h.energy[b] += e
	h.lsum[b] += l
	h.n++
}

// binLow is the lower edge of bin b in LUFS.
func binLow(b int) float64 { return histMin + float64(b)*histStep }

// firstAbove returns the first bin whose blocks are all above gate (LUFS):
// the bin holding the gate itself is counted as above when its centre is.
func firstAbove(gate float64) int {
	if gate <= histMin {
		return 0
	}
	b := int(math.Floor((gate - histMin) * histScale))
	if binLow(b)+histStep/2 <= gate {
		b++
	}
	return b
}

// meanFrom returns the mean energy and block count of bins from b up.
func (h *histogram) meanFrom(b int) (float64, uint64) {
	var e float64
	var n uint64
	for ; b < histBins; b++ {
		if h.count[b] != 0 {
			e += h.energy[b]
			n += uint64(h.count[b])
		}
	}
	if n == 0 {
		return 0, 0
	}
	return e / float64(n), n
}

// gated applies the relative gate (rel LU below the absolute-gated mean)
// and returns the first bin kept and the mean energy of the kept blocks.
func (h *histogram) gated(rel float64) (first int, mean float64, n uint64) {
	m, cnt := h.meanFrom(0)
	if cnt == 0 {
		return 0, 0, 0
	}
	first = firstAbove(energyToLUFS(m) - rel)
	mean, n = h.meanFrom(first)
	return first, mean, n
}

// percentile returns the loudness at quantile q (0..1) of the blocks in bins
// from first up, ranked as EBU Tech 3342 does (index round(q·(n-1)) of the
// sorted values).
func (h *histogram) percentile(first int, n uint64, q float64) float64 {
	rank := uint64(math.Round(q * float64(n-1)))
	var seen uint64
	for b := first; b < histBins; b++ {
		c := uint64(h.count[b])
		if c == 0 {
			continue
		}
		if seen+c > rank {
			return h.lsum[b] / float64(c)
		}
		seen += c
	}
	return math.Inf(-1)
}
