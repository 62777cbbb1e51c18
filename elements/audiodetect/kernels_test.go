package audiodetect

import (
	"encoding/binary"
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"

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

// A planar F32 stream with silence, clipping, overs and a lost channel
// gives the same events with and without the kernels: same types, edges
// and sample-exact times; values to rounding (Σx² is summed in lanes).
func TestKernelsOffSameEvents(t *testing.T) {
	if !haveKernels || !simd.AVX2 {
		t.Skip("no vector kernels on this CPU")
	}
	defer func(v bool) { simd.AVX2 = v }(simd.AVX2)
	const rate, buf = 48000, 1024
	f := Format{Rate: rate, Channels: 2, Sample: F32, Planar: true}
	f.Positions[0], f.Positions[1] = PosFrontLeft, PosFrontRight
	left := render(rate, []seg{{"noise", -20, 3, 0}, {"zero", 0, 3, 0}, {"clip", -6, 1, 0}, {"noise", -20, 3, 0}, {"sine", -0.2, 1, 9000}, {"noise", -20, 3, 0}}, 11)
	right := render(rate, []seg{{"noise", -20, 3, 0}, {"zero", 0, 3, 0}, {"noise", -20, 4, 0}, {"zero", 0, 4, 0}, {"noise", -20, 3, 0}}, 12)
	n := min(len(left), len(right))
	run := func(kernels bool) []defect.Event {
		simd.AVX2 = kernels
		a := NewAnalyzer(f, DefaultSettings())
		var all []defect.Event
		data := make([]byte, 2*buf*4)
		for off := 0; off < n; off += buf {
			k := min(buf, n-off)
			for c, p := range [][]float64{left, right} {
				for i := 0; i < k; i++ {
					binary.LittleEndian.PutUint32(data[(c*k+i)*4:], math.Float32bits(float32(p[off+i])))
				}
			}
			evs, err := a.Process(time.Duration(off)*time.Second/rate, data[:2*k*4], k, nil)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, evs...)
		}
		return append(all, a.Flush()...)
	}
	with, without := run(true), run(false)
	if len(with) < 6 || len(with) != len(without) {
		t.Fatalf("%d events with kernels, %d without (want the same, at least 6)", len(with), len(without))
	}
	for i := range with {
		a, b := with[i], without[i]
		if a.Type != b.Type || a.Edge != b.Edge || a.PTS != b.PTS || a.Channel != b.Channel || math.Abs(a.Value-b.Value) > 1e-9*math.Max(1, math.Abs(b.Value)) {
			t.Fatalf("event %d: with kernels %+v, without %+v", i, a, b)
		}
	}
}
