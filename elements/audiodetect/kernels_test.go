package audiodetect

import (
	"math"
	"math/rand"
	"testing"

	"github.com/avwatch/avwatch/internal/simd"
)

// The F32 kernel converts exactly as sane(float64(v)) does, NaN, ±Inf,
// overs beyond ±64, -0 and subnormals included, for every length.
func TestConvF32Kernel(t *testing.T) {
	if !haveKernels || !simd.AVX2 {
		t.Skip("no vector kernels on this CPU")
	}
	r := rand.New(rand.NewSource(6))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e30, -1e30, 64, -64, 64.5,
		float32(math.Copysign(0, -1)), 1e-40, -1e-40, 1, -1}
	for n := 0; n < 80; n++ {
		src := make([]float32, n)
		for i := range src {
			if r.Intn(4) == 0 {
				src[i] = special[r.Intn(len(special))]
			} else {
				src[i] = float32(r.NormFloat64())
			}
		}
		got := make([]float64, n)
		q := n / 4
		if q > 0 {
			convF32AVX2(&got[0], &src[0], q)
		}
		for i := 4 * q; i < n; i++ {
			got[i] = sane(float64(src[i]))
		}
		for i, v := range src {
			if want := sane(float64(v)); math.Float64bits(got[i]) != math.Float64bits(want) {
				t.Fatalf("n=%d: sample %d (%v) -> %v, want %v", n, i, v, got[i], want)
			}
		}
	}
}

// levels' kernel: the same peak and full-scale flag as the Go loop, the
// sum of squares to rounding.
func TestLevelsKernel(t *testing.T) {
	if !haveKernels || !simd.AVX2 {
		t.Skip("no vector kernels on this CPU")
	}
	r := rand.New(rand.NewSource(7))
	for n := 0; n < 200; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64() * 0.3
			if r.Intn(50) == 0 {
				x[i] = math.Copysign(1, x[i])
			}
		}
		lvl := 0.999
		var ss, pk float64
		clip := false
		for _, v := range x {
			ss += v * v
			pk = max(pk, math.Abs(v))
			clip = clip || math.Abs(v) >= lvl
		}
		gs, gp, gc := levels(x, lvl)
		if gp != pk || gc != clip || math.Abs(gs-ss) > 1e-12*ss {
			t.Fatalf("n=%d: levels %v %v %v, want %v %v %v", n, gs, gp, gc, ss, pk, clip)
		}
	}
}
