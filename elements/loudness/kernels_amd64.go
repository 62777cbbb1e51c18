package loudness

const haveKernels = true

// peakSlopeAVX2 returns max|x[i]| and max|x[i]−x[i−1]| over i = 0…4·quads−1,
// reading x[−1] too (x points into a slice at index 1 or later).
//
//go:noescape
func peakSlopeAVX2(x *float64, quads int) (pk, dmax float64)
