package videodetect

import (
	"math/rand"
	"testing"

	"github.com/avwatch/avwatch/elements/videodetect/testpic"
)

// countGE128 agrees with a byte loop for every threshold and many words.
func TestCountGE128(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for m := uint64(0); m < 128; m++ {
		for i := 0; i < 2000; i++ {
			x := r.Uint64()
			if i%3 == 0 { // bytes near the threshold
				for k := 0; k < 8; k++ {
					x = x&^(0xff<<(8*k)) | uint64(128+int(m)+r.Intn(5)-2)&0xff<<(8*k)
				}
			}
			want := 0
			for k := 0; k < 8; k++ {
				if (x>>(8*k))&0xff >= 128+m {
					want++
				}
			}
			if got := countGE128(x, m); got != want {
				t.Fatalf("countGE128(%#x, %d) = %d, want %d", x, m, got, want)
			}
		}
	}
}

// Bright is the share of the picture at near-white: 0 on programme
// pictures of ordinary brightness, the patch's share with a white patch,
// ~1 on a white frame, in both luma ranges.
func TestBright(t *testing.T) {
	const w, h = 1280, 720
	measure := func(p *testpic.Picture, full bool) Features {
		a := NewAnalyzer(DefaultSettings())
		f := frameOf(p, "I420", 0, 0)
		f.FullRange = full
		if _, err := a.Analyze(f); err != nil {
			t.Fatal(err)
		}
		return a.Features()
	}
	p := testpic.New(w, h)
	p.Scene(0, 2, 1)
	scene := measure(p, false).Bright // the test scene has some highlights
	p.Fill(120, 128, 128)
	p.Grain(40, 1)
	if b := measure(p, false).Bright; b != 0 {
		t.Errorf("grey picture with grain: Bright %.3f, want 0", b)
	}
	// A white patch over the middle quarter (half width, half height).
	for y := h / 4; y < 3*h/4; y++ {
		for x := w / 4; x < 3*w/4; x++ {
			p.Y[y*w+x] = 235
		}
	}
	if b := measure(p, false).Bright; b < 0.22 || b > 0.28 {
		t.Errorf("white patch on a quarter of the picture: Bright %.3f, want ~0.25", b)
	}
	if scene > 0.1 {
		t.Errorf("programme picture: Bright %.3f, want highlights only", scene)
	}
	p.Fill(235, 128, 128)
	if b := measure(p, false).Bright; b != 1 {
		t.Errorf("white frame: Bright %.3f, want 1", b)
	}
	// Full range: 210 is a light grey there (below 84% of 0..255), 250 white.
	p.Fill(210, 128, 128)
	if b := measure(p, true).Bright; b != 0 {
		t.Errorf("full-range grey 210: Bright %.3f, want 0", b)
	}
	p.Fill(250, 128, 128)
	if b := measure(p, true).Bright; b != 1 {
		t.Errorf("full-range white: Bright %.3f, want 1", b)
	}
}
