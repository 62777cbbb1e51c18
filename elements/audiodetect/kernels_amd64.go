package audiodetect

const haveKernels = true

// convF32AVX2 writes sane(float64(src[i])) to dst[i] for i < 4·quads.
//
//go:noescape
func convF32AVX2(dst *float64, src *float32, quads int)

// levelsAVX2 returns Σx², max|x| and whether any |x| >= lvl over
// x[0…4·quads−1]. The sum is taken in four lanes, added at the end.
//
//go:noescape
func levelsAVX2(x *float64, quads int, lvl float64) (ss, pk float64, clip bool)
