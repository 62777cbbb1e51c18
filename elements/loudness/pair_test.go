package loudness

import (
	"math"
	"math/rand"
	"testing"

	"github.com/avwatch/avwatch/internal/simd"
)

// sameToRounding is equality up to rounding: SumSquares2 has SumSquares' arithmetic,
// bit for bit where the compiler does not fuse multiply-adds (amd64 by
// default), but on arm64 (or GOAMD64=v3) each loop may fuse differently.
func sameToRounding(a, b float64) bool {
	// Fused and separate roundings drift apart through the filters'
	// feedback: ~1e-12 relative after a few hundred chunks. A wrong
	// coefficient or a swapped state is off by orders of magnitude more.
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))+1e-12
}

func nearState(a, b KState) bool {
	return sameToRounding(a.x1, b.x1) && sameToRounding(a.x2, b.x2) && sameToRounding(a.m1, b.m1) && sameToRounding(a.m2, b.m2) && sameToRounding(a.y1, b.y1) && sameToRounding(a.y2, b.y2)
}

// SumSquares2 and AddChannels are speed-ups only: the same numbers as one
// channel at a time, including the flush of decayed filter memory after
// silence.
func TestPairedWeightingMatches(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	k := NewKWeighting(48000)
	var a1, b1, a2, b2 KState
	for chunk := 0; chunk < 400; chunk++ {
		n := 1 + r.Intn(700)
		x, y := make([]float64, n), make([]float64, n)
		if chunk%50 < 40 { // then 10 chunks of digital silence
			for i := range x {
				x[i], y[i] = r.NormFloat64()*0.3, r.NormFloat64()*0.05
			}
		}
		sa, sb := k.SumSquares(&a1, x), k.SumSquares(&b1, y)
		pa, pb := k.SumSquares2(&a2, &b2, x, y)
		if !sameToRounding(sa, pa) || !sameToRounding(sb, pb) || !nearState(a1, a2) || !nearState(b1, b2) {
			t.Fatalf("chunk %d: one at a time %v %v, paired %v %v", chunk, sa, sb, pa, pb)
		}
	}
}

func TestAddChannelsMatchesAddChannel(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	weights := []float64{1, 1, 1, 0, 1.41, 1.41} // 5.1: LFE unweighted, odd count weighted
	one, all := New(48000, weights), New(48000, weights)
	one.SetTruePeakFloor(0.5)
	all.SetTruePeakFloor(0.5)
	tp := make([]float64, len(weights))
	for chunk := 0; chunk < 200; chunk++ {
		n := min(1+r.Intn(480), one.Room())
		xs := make([][]float64, len(weights))
		for c := range xs {
			xs[c] = make([]float64, n)
			for i := range xs[c] {
				xs[c][i] = r.NormFloat64() * 0.2 * float64(c+1) / 3
			}
		}
		want := make([]float64, len(xs))
		for c, x := range xs {
			want[c] = one.AddChannel(c, x)
		}
		all.AddChannels(xs, tp)
		for c := range xs {
			if want[c] != tp[c] || one.subTP[c] != all.subTP[c] || !sameToRounding(one.acc[c], all.acc[c]) {
				t.Fatalf("chunk %d channel %d: AddChannel acc %v tp %v, AddChannels acc %v tp %v",
					chunk, c, one.acc[c], one.subTP[c], all.acc[c], all.subTP[c])
			}
		}
		if one.Advance(n) != all.Advance(n) {
			t.Fatalf("chunk %d: sub-blocks closed apart", chunk)
		}
	}
	if !sameToRounding(one.Momentary(), all.Momentary()) {
		t.Fatalf("momentary %v vs %v", one.Momentary(), all.Momentary())
	}
}

// The kernel's maxima are peakAndSlope's (the Go loop) for every length.
func TestPeakAndSlopeKernel(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for n := 0; n < 70; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64() * math.Pow(10, float64(r.Intn(6)-3))
		}
		prev := r.NormFloat64()
		var wp, wd float64
		p := prev
		for _, v := range x {
			wp, wd = max(wp, math.Abs(v)), max(wd, math.Abs(v-p))
			p = v
		}
		gp, gd := peakAndSlope(x, prev)
		if gp != wp || gd != wd {
			t.Fatalf("n=%d: peak %v slope %v, want %v %v", n, gp, gd, wp, wd)
		}
	}
}

// The true-peak kernel gives TruePeak's Go loop's value exactly, for every
// length around the kernel's block size, loud and quiet.
func TestTruePeakKernel(t *testing.T) {
	if !haveKernels || !simd.AVX2 {
		t.Skip("no vector kernels on this CPU")
	}
	defer func(v bool) { simd.AVX2 = v }(simd.AVX2)
	r := rand.New(rand.NewSource(10))
	for n := 0; n < 120; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(float64(i)*0.7+r.Float64()) * math.Pow(10, float64(r.Intn(4)-2))
		}
		var a, b TPState
		for i := range a.hist {
			a.hist[i] = r.NormFloat64() * 0.1
		}
		b = a
		simd.AVX2 = true
		got := TruePeak(&a, x)
		simd.AVX2 = false
		want := TruePeak(&b, x)
		if math.Float64bits(got) != math.Float64bits(want) || a != b {
			t.Fatalf("n=%d: kernel %v, Go %v", n, got, want)
		}
	}
}
