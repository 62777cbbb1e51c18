package loudness

const haveKernels = true

// peakSlopeAVX2 returns max|x[i]| and max|x[i]−x[i−1]| over i = 0…4·quads−1,
// reading x[−1] too (x points into a slice at index 1 or later).
//
//go:noescape
func peakSlopeAVX2(x *float64, quads int) (pk, dmax float64)

// truePeakAVX2 returns TruePeak's body maximum for the outputs whose
// windows start at x[0…4·quads−1] (each window 16 samples long).
//
//go:noescape
func truePeakAVX2(x *float64, quads int, coef *[24][4]float64) float64
