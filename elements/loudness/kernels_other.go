//go:build !amd64

package loudness

const haveKernels = false

func peakSlopeAVX2(x *float64, quads int) (pk, dmax float64) { panic("no vector kernels") }

func truePeakAVX2(x *float64, quads int, coef *[24][4]float64) float64 { panic("no vector kernels") }
