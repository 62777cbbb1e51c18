//go:build !amd64

package audiodetect

const haveKernels = false

func convF32AVX2(dst *float64, src *float32, quads int) { panic("no vector kernels") }

func levelsAVX2(x *float64, quads int, lvl float64) (ss, pk float64, clip bool) {
	panic("no vector kernels")
}
