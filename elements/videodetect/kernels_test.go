package videodetect

import (
	"math/rand"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/videodetect/testpic"
	"github.com/avwatch/avwatch/internal/simd"
)

func needKernels(t testing.TB) {
	if !haveKernels || !simd.AVX2 {
		t.Skip("no vector kernels on this CPU")
	}
}

// fillSamples fills b with bytes that hit the thresholds' edges often:
// runs of equal values (unchanged samples), the extremes, and noise.
func fillSamples(r *rand.Rand, b []byte) {
	for i := range b {
		switch r.Intn(6) {
		case 0:
			b[i] = 0
		case 1:
			b[i] = 255
		case 2:
			b[i] = byte(14 + r.Intn(6)) // around black
		case 3:
			b[i] = byte(196 + r.Intn(20)) // around near-white
		default:
			b[i] = byte(r.Intn(256))
		}
	}
}

// The luma kernel adds exactly what the Go passes add, for every
// threshold, with and without previous frames and a separate reference,
// on sizes whose C region does and does not end on a whole block.
func TestLumaKernelMatchesGo(t *testing.T) {
	needKernels(t)
	r := rand.New(rand.NewSource(1))
	for _, sz := range [][2]int{{1280, 720}, {720, 576}, {1920, 1080}, {176, 144}, {100, 40}, {3840, 2160}} {
		x := newExtractor()
		x.configure(sz[0], sz[1], sz[0]%2 == 0, 0.1)
		if x.geom.n == 0 {
			t.Fatalf("%v: no probes", sz)
		}
		bufs := [3][]byte{}
		for i := range bufs {
			bufs[i] = make([]byte, x.geom.size())
		}
		for trial := 0; trial < 40; trial++ {
			x.darkT = uint8(r.Intn(256))
			x.brightM = uint64(r.Intn(129)) // bright code 128…256 (256: none)
			if x.brightM == 128 {
				x.brightM = 127
			}
			for i := range bufs {
				fillSamples(r, bufs[i])
			}
			if trial%3 == 0 {
				copy(bufs[1], bufs[0]) // an unchanged frame
			}
			cur, prev, ref := bufs[0], bufs[1], bufs[2]
			for _, c := range []struct {
				prev, ref []byte
				same      bool
			}{{nil, nil, false}, {prev, prev, true}, {prev, ref, false}} {
				var a, b lumaStats
				x.lumaPassGo(&a, cur, c.prev, c.ref, c.same)
				x.lumaPassAVX2(&b, cur, c.prev, c.ref, c.same)
				if a.sum != b.sum || a.dark != b.dark || a.bright != b.bright || a.sad != b.sad || (a.changed != 0) != (b.changed != 0) {
					t.Fatalf("%v trial %d prev=%v same=%v dark<=%d bright>=%d: Go %+v, kernel %+v",
						sz, trial, c.prev != nil, c.same, x.darkT, x.brightM+128, a, b)
				}
			}
		}
	}
}

func BenchmarkLumaPass(b *testing.B) {
	x := newExtractor()
	x.configure(1280, 720, false, 0.1)
	r := rand.New(rand.NewSource(1))
	bufs := [3][]byte{}
	for i := range bufs {
		bufs[i] = make([]byte, x.geom.size())
		fillSamples(r, bufs[i])
	}
	b.Run("go", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var ls lumaStats
			x.lumaPassGo(&ls, bufs[0], bufs[1], bufs[2], false)
		}
	})
	b.Run("avx2", func(b *testing.B) {
		needKernels(b)
		for i := 0; i < b.N; i++ {
			var ls lumaStats
			x.lumaPassAVX2(&ls, bufs[0], bufs[1], bufs[2], false)
		}
	})
}

// fillCueSamples fills b so that gradients land on the step and activity
// thresholds often: flat runs, small noise, and jumps.
func fillCueSamples(r *rand.Rand, b []byte, kind int) {
	switch kind {
	case 0:
		fillSamples(r, b)
	case 1: // small noise around a level: gradients 0…4, activities near 1, 4, 16
		base := r.Intn(250)
		for i := range b {
			b[i] = byte(base + r.Intn(1+r.Intn(5)))
		}
	default: // flat runs with steps of 1…12 levels
		v := r.Intn(200)
		for i := range b {
			if r.Intn(7) == 0 {
				v = max(0, min(255, v+r.Intn(25)-12))
			}
			b[i] = byte(v)
		}
	}
}

// The cue kernels count exactly what the Go (SWAR) code counts, on sizes
// with and without leftover groups for the Go code.
func TestCueKernelsMatchGo(t *testing.T) {
	needKernels(t)
	r := rand.New(rand.NewSource(2))
	for _, sz := range [][2]int{{1280, 720}, {720, 576}, {1920, 1080}, {176, 144}, {100, 40}, {3840, 2160}, {640, 360}} {
		x := newExtractor()
		x.configure(sz[0], sz[1], false, 0.1)
		cur, prev := make([]byte, x.geom.size()), make([]byte, x.geom.size())
		for trial := 0; trial < 60; trial++ {
			fillCueSamples(r, cur, trial%3)
			fillCueSamples(r, prev, (trial/3)%3)
			if trial%5 == 0 {
				copy(prev, cur)
			}
			if a, b := x.pictureCounts(cur, false), x.pictureCounts(cur, true); a != b {
				t.Fatalf("%v trial %d: picture cues Go %+v, kernel %+v", sz, trial, a, b)
			}
			ga, ca := x.diffCounts(cur, prev, false)
			gb, cb := x.diffCounts(cur, prev, true)
			if ga != gb || ca != cb {
				t.Fatalf("%v trial %d: difference cues Go %d/%d, kernel %d/%d", sz, trial, ga, ca, gb, cb)
			}
		}
	}
}

func BenchmarkCues(b *testing.B) {
	x := newExtractor()
	x.configure(1280, 720, false, 0.1)
	r := rand.New(rand.NewSource(1))
	cur, prev := make([]byte, x.geom.size()), make([]byte, x.geom.size())
	fillCueSamples(r, cur, 1)
	fillCueSamples(r, prev, 1)
	for _, vec := range []bool{false, true} {
		name := "go"
		if vec {
			name = "avx2"
		}
		b.Run(name, func(b *testing.B) {
			if vec {
				needKernels(b)
			}
			for i := 0; i < b.N; i++ {
				x.pictureCounts(cur, vec)
				x.diffCounts(cur, prev, vec)
			}
		})
	}
}

// gatherBothWays gathers a random plane of each size (partly filled
// groups, odd widths, padded strides) with the path under test, which used
// reports was taken, and again with it turned off (off returns what turns
// it back on), and fails at the first byte that differs.
func gatherBothWays(t *testing.T, seed int64, path string, used func(g *geometry, plane []byte) bool, off func(g *geometry) (on func())) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	for _, sz := range [][3]int{{1280, 720, 1280}, {1920, 1080, 1920}, {720, 576, 768}, {641, 359, 704}, {176, 144, 192}, {3840, 2160, 3840}, {100, 40, 100}} {
		w, h, stride := sz[0], sz[1], sz[2]
		plane := make([]byte, (h-1)*stride+w)
		fillSamples(r, plane)
		x := newExtractor()
		x.configure(w, h, false, 0.1)
		g := &x.geom
		with, without := make([]byte, g.size()), make([]byte, g.size())
		g.gather(with, Plane{Data: plane, Stride: stride})
		if !used(g, plane) {
			t.Fatalf("%v: the %s was not used", sz, path)
		}
		on := off(g)
		g.gather(without, Plane{Data: plane, Stride: stride})
		on()
		for i := range without {
			if with[i] != without[i] {
				t.Fatalf("%v: byte %d of %d: %s %d, without it %d", sz, i, len(without), path, with[i], without[i])
			}
		}
	}
}

// The gather kernel lays out exactly the bytes the Go gather does.
func TestGatherKernelMatchesGo(t *testing.T) {
	needKernels(t)
	gatherBothWays(t, 9, "row kernel",
		func(g *geometry, _ []byte) bool { return g.vec != nil },
		func(g *geometry) func() { v := g.vec; g.vec = nil; return func() { g.vec = v } })
}

// A stream analysed with and without the kernels gives the same features
// frame by frame and the same events: the kernels change speed only.
func TestKernelsOffSameAnalysis(t *testing.T) {
	needKernels(t)
	defer func(v bool) { simd.AVX2 = v }(simd.AVX2)
	const w, h = 1280, 720
	s := DefaultSettings()
	s.Black.MinDuration, s.Freeze.MinDuration = 400*time.Millisecond, 400*time.Millisecond
	on, off := NewAnalyzer(s), NewAnalyzer(s)
	var evOn, evOff int
	for i := 0; i < 150; i++ {
		p := testpic.New(w, h)
		switch {
		case i >= 20 && i < 50: // frozen
			p.Scene(0.8, 0, 7)
		case i >= 60 && i < 80: // black
			p.Fill(16, 128, 128)
		default:
			p.Scene(float64(i)*0.04, 2, uint64(i))
		}
		if i >= 90 && i < 110 {
			p.Blockify(0, h)
		}
		f := frameOf(p, "I420", 64, 0)
		f.PTS = time.Duration(i) * 40 * time.Millisecond
		f.Duration = 40 * time.Millisecond
		simd.AVX2 = true
		a, err := on.Analyze(f)
		if err != nil {
			t.Fatal(err)
		}
		evOn += len(a)
		simd.AVX2 = false
		b, err := off.Analyze(f)
		if err != nil {
			t.Fatal(err)
		}
		evOff += len(b)
		if on.Features() != off.Features() {
			t.Fatalf("frame %d: with kernels %+v, without %+v", i, on.Features(), off.Features())
		}
		if len(a) != len(b) {
			t.Fatalf("frame %d: %d events with kernels, %d without", i, len(a), len(b))
		}
		for k := range a {
			if a[k].Type != b[k].Type || a[k].Edge != b[k].Edge || a[k].PTS != b[k].PTS || a[k].Value != b[k].Value {
				t.Fatalf("frame %d: event %+v with kernels, %+v without", i, a[k], b[k])
			}
		}
	}
	if evOn < 6 {
		t.Fatalf("only %d events: the stream should open and close freeze, black and blockiness", evOn)
	}
}

// The column gather without bounds checks lays out exactly the bytes of
// the checked loop.
func TestGatherColumnsMatchChecked(t *testing.T) {
	gatherBothWays(t, 10, "unchecked column gather",
		func(g *geometry, plane []byte) bool { return g.colEnd > 0 && g.colEnd <= len(plane) },
		func(g *geometry) func() { end := g.colEnd; g.colEnd = 0; return func() { g.colEnd = end } })
}
