package videodetect

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/avwatch/avwatch/elements/videodetect/testpic"
)

// The SWAR extractor must give exactly the features of the scalar one it
// replaced (reference_test.go), frame after frame: same floats, bit for
// bit (NaN where the reference gives NaN).

// sameFeatures reports the first field in which a and b differ.
func sameFeatures(a, b Features) (string, bool) {
	eq := func(x, y float64) bool {
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	}
	switch {
	case a.Macroblocks != b.Macroblocks:
		return "Macroblocks", false
	case !eq(a.Luma, b.Luma):
		return "Luma", false
	case !eq(a.Dark, b.Dark):
		return "Dark", false
	case !eq(a.Diff, b.Diff):
		return "Diff", false
	case !eq(a.Block, b.Block):
		return "Block", false
	case !eq(a.BlockDiff, b.BlockDiff):
		return "BlockDiff", false
	case !eq(a.Streak, b.Streak):
		return "Streak", false
	case !eq(a.Active, b.Active):
		return "Active", false
	case !eq(a.Bright, b.Bright):
		return "Bright", false
	case a.Still != b.Still:
		return "Still", false
	}
	return "", true
}

// lockstep runs both extractors over the same frames and fails at the
// first difference.
type lockstep struct {
	t      testing.TB
	fast   *extractor
	ref    *refExtractor
	frames int
}

func newLockstep(t testing.TB, w, h int, full bool, th float64) *lockstep {
	l := &lockstep{t: t, fast: newExtractor(), ref: refNewExtractor()}
	l.fast.configure(w, h, full, th)
	l.ref.configure(w, h, full, th)
	return l
}

func (l *lockstep) frame(f *Frame, keepRef bool) {
	l.t.Helper()
	a, b := l.fast.measure(f), l.ref.measure(f)
	if field, ok := sameFeatures(a, b); !ok {
		l.t.Fatalf("frame %d (%dx%d): %s differs:\n fast %+v\n ref  %+v", l.frames, f.Width, f.Height, field, a, b)
	}
	l.fast.advance(keepRef)
	l.ref.advance(keepRef)
	l.frames++
}

// randomLuma fills the luma plane with bytes from the whole range, with
// runs of extremes and of equal values, which stress the lane arithmetic
// (borrows at 0 and 255, gradients of 255, exact repeats).
func randomLuma(r *rand.Rand, y []byte) {
	mode := r.Intn(4)
	for i := range y {
		switch mode {
		case 0:
			y[i] = byte(r.Intn(256))
		case 1:
			if r.Intn(2) == 0 {
				y[i] = 0
			} else {
				y[i] = 255
			}
		case 2:
			y[i] = byte(120 + r.Intn(9))
		default:
			y[i] = []byte{0, 1, 2, 3, 4, 5, 127, 128, 129, 250, 253, 254, 255}[r.Intn(13)]
		}
	}
}

func TestFeaturesMatchReference(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	sizes := [][2]int{
		{1280, 720}, {1920, 1080}, {720, 576}, {640, 360}, {3840, 2160}, // dense, sparse, checkerboard
		{32, 32}, {30, 30}, {29, 400}, {46, 46}, {100, 37}, {33000 / 16 * 16, 48}, // edge cases, nb = 0
	}
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		for _, th := range []float64{0.1, 0.5, 0.52, 0.9, 1} { // dark threshold below and from 128
			full := th == 0.5
			l := newLockstep(t, w, h, full, th)
			p := testpic.New(w, h)
			frames := 12
			if w*h > 2e6 {
				frames = 5
			}
			for i := 0; i < frames; i++ {
				switch i % 6 {
				case 0, 3:
					p.Scene(float64(i)*0.04, 2, uint64(i))
				case 1:
					randomLuma(r, p.Y)
				case 2: // an exact repeat
				case 4:
					p.Scene(float64(i)*0.04, 2, uint64(i))
					p.Blockify(h/3, h)
					p.Smear(h / 2)
				case 5:
					p.Grain(3, uint64(i))
				}
				pad := r.Intn(3) * 32
				l.frame(frameOf(p, "GRAY8", pad, 0), i%4 == 2)
			}
		}
	}
}

// FuzzFeaturesMatchReference: arbitrary sizes, strides and luma.
func FuzzFeaturesMatchReference(f *testing.F) {
	f.Add(uint16(300), uint16(200), uint8(0), int64(1), uint8(3))
	f.Add(uint16(1900), uint16(90), uint8(7), int64(2), uint8(9))
	f.Fuzz(func(t *testing.T, w, h uint16, pad uint8, seed int64, n uint8) {
		W, H := int(w%2100)+1, int(h%700)+1
		r := rand.New(rand.NewSource(seed))
		l := newLockstep(t, W, H, seed%2 == 0, float64(seed%11)/10)
		p := testpic.New(W, H)
		for i := 0; i < int(n%8)+2; i++ {
			if r.Intn(3) > 0 {
				randomLuma(r, p.Y)
			}
			l.frame(frameOf(p, "GRAY8", int(pad%70), 0), r.Intn(3) == 0)
		}
	})
}

// BenchmarkMeasure compares the feature extraction (gather and features,
// no detectors) with the scalar reference on the same frames, in the same
// run: "ref" is the version before the SWAR layout.
func BenchmarkMeasure(b *testing.B) {
	for _, sz := range [][2]int{{1280, 720}, {1920, 1080}, {3840, 2160}} {
		w, h := sz[0], sz[1]
		pics := make([]*Frame, 4)
		for i := range pics {
			p := testpic.New(w, h)
			p.Scene(float64(i)*0.04, 2, uint64(i))
			pics[i] = frameOf(p, "I420", 64, 0)
		}
		name := fmt.Sprintf("%dp", h)
		b.Run(name+"/swar", func(b *testing.B) {
			x := newExtractor()
			x.configure(w, h, false, 0.1)
			b.ReportAllocs()
			c := startCPU(b)
			for i := 0; i < b.N; i++ {
				x.measure(pics[i%len(pics)])
				x.advance(false)
			}
			c.report(b)
		})
		b.Run(name+"/ref", func(b *testing.B) {
			x := refNewExtractor()
			x.configure(w, h, false, 0.1)
			b.ReportAllocs()
			c := startCPU(b)
			for i := 0; i < b.N; i++ {
				x.measure(pics[i%len(pics)])
				x.advance(false)
			}
			c.report(b)
		})
	}
}
