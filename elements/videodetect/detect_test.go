package videodetect

import (
	"bytes"
	"image"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/videodetect/testpic"
)

func defaults() Settings {
	s := DefaultSettings()
	s.Black.MinDuration = time.Second
	s.Freeze.MinDuration = time.Second
	return s
}

func TestBlackWindow(t *testing.T) {
	a := NewAnalyzer(defaults())
	evs := stream(t, a, 320, 240, segment{"scene", 50}, segment{"black", 60}, segment{"scene", 40})
	wantWindow(t, only(evs, defect.Black), 50, 110, 0)
	if b := only(evs, defect.Black); b[0].Value != 1 || b[0].Threshold != 0.98 {
		t.Fatalf("black start reports the darkest share and the ratio: %v", b[0])
	}
	if f := only(evs, defect.Freeze); len(f) != 0 {
		t.Fatalf("a black window is not also a freeze: %v", f)
	}
	if b := only(evs, defect.Blockiness); len(b) != 0 {
		t.Fatalf("cuts to and from black are not blockiness: %v", b)
	}
}

func TestBlackTooShortAndDarkScene(t *testing.T) {
	a := NewAnalyzer(defaults())
	evs := stream(t, a, 320, 240, segment{"scene", 30}, segment{"black", 20}, segment{"dark", 100}, segment{"scene", 10})
	if len(evs) != 0 {
		t.Fatalf("a 0.8 s black and a dark scene (luma 22…42 with texture) raise nothing, got %v", evs)
	}
}

func TestBlackRespectsRange(t *testing.T) {
	// Luma 30 is black in limited range (16 + 10% of 219 = 37.9) but not in
	// full range (10% of 255 = 25.5).
	for _, c := range []struct {
		full bool
		want int
	}{{false, 2}, {true, 0}} {
		a := NewAnalyzer(defaults())
		p := testpic.New(160, 120)
		p.Fill(30, 128, 128)
		var evs []defect.Event
		for i := 0; i < 50; i++ {
			f := frameOf(p, "I420", 0, time.Duration(i)*fps25)
			f.FullRange = c.full
			e, err := a.Analyze(f)
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e...)
		}
		evs = append(evs, a.Flush()...)
		if got := len(only(evs, defect.Black)); got != c.want {
			t.Fatalf("full range %v: %d black events, want %d: %v", c.full, got, c.want, evs)
		}
	}
}

func TestFreezeWindow(t *testing.T) {
	a := NewAnalyzer(defaults())
	evs := stream(t, a, 320, 240, segment{"scene", 40}, segment{"freeze", 50}, segment{"scene", 30})
	// The first repeated frame is frame 40 (frame 39 is the last new one).
	wantWindow(t, only(evs, defect.Freeze), 40, 90, 0)
	if f := only(evs, defect.Freeze); f[0].Value != -120 || f[0].Threshold != -60 {
		t.Fatalf("freeze start reports the stillest difference (exact repeat: -120 dB) and the floor: %v", f[0])
	}
	if len(evs) != 2 {
		t.Fatalf("only the freeze: %v", evs)
	}
}

// TestFreezeNeedsExactRepeats: a still picture whose samples keep changing
// a little (what compression leaves of a noisy still caption) stays under
// the -60 dB floor but is not a freeze; the same picture repeated exactly,
// after a few frames of encoder refinement, is one, dated at its first
// frame under the floor.
func TestFreezeNeedsExactRepeats(t *testing.T) {
	base := testpic.New(320, 240)
	base.Scene(1, 0, 0)
	run := func(refine func(i int) bool) []defect.Event {
		a := NewAnalyzer(defaults())
		p := testpic.New(320, 240)
		var evs []defect.Event
		for i := 0; i < 100; i++ {
			copy(p.Y, base.Y)
			if i < 10 {
				p.Scene(float64(i), 1, uint64(i)) // moving content first
			} else if refine(i) {
				// Change 1 sample in 64 by one level, at places that move.
				r := testpic.Rand(i)
				for j := 0; j < len(p.Y)/64; j++ {
					k := int(r.Next() % uint64(len(p.Y)))
					p.Y[k]++
				}
			}
			e, err := a.Analyze(frameOf(p, "I420", 0, time.Duration(i)*fps25))
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e...)
			if i >= 11 && len(e) == 0 {
				if d := a.Features().Diff; d > 0.001 {
					t.Fatalf("frame %d: diff %v above the -60 dB floor, the test is not testing the exactness rule", i, d)
				}
			}
		}
		return append(evs, a.Flush()...)
	}
	if evs := run(func(int) bool { return true }); len(evs) != 0 {
		t.Fatalf("noisy still picture: want no event, got %v", evs)
	}
	// Frame 10 is the first of the still picture, 11 its first repeat.
	evs := run(func(i int) bool { return i < 16 }) // refinement for 6 frames, then exact
	wantWindow(t, only(evs, defect.Freeze), 11, 100, 0)
}

func TestFreezeBridgesKeyframe(t *testing.T) {
	a := NewAnalyzer(defaults())
	p := testpic.New(320, 240)
	var evs []defect.Event
	for i := 0; i < 120; i++ {
		switch {
		case i < 20:
			p.Scene(float64(i)/25, 1, uint64(i))
		case i == 45:
			// A keyframe re-quantises the frozen picture once.
			for j := range p.Y {
				if j%7 == 0 {
					p.Y[j] ^= 1
				}
			}
		case i >= 100:
			p.Scene(float64(i)/25, 1, uint64(i))
		}
		e, err := a.Analyze(frameOf(p, "I420", 0, time.Duration(i)*fps25))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e...)
	}
	evs = append(evs, a.Flush()...)
	wantWindow(t, only(evs, defect.Freeze), 20, 100, 0)
}

func TestBlockinessBurst(t *testing.T) {
	for _, kind := range []string{"blocky", "smear"} {
		t.Run(kind, func(t *testing.T) {
			a := NewAnalyzer(defaults())
			evs := stream(t, a, 640, 360, segment{"scene", 75}, segment{kind, 25}, segment{"scene", 50})
			wantWindow(t, only(evs, defect.Blockiness), 75, 100, 1)
			if b := only(evs, defect.Blockiness); b[0].Value < 1 {
				t.Fatalf("blockiness start reports the peak score, at least the threshold: %v", b[0])
			}
			if len(evs) != 2 {
				t.Fatalf("only blockiness: %v", evs)
			}
		})
	}
}

func TestCleanSceneRaisesNothing(t *testing.T) {
	a := NewAnalyzer(DefaultSettings())
	if evs := stream(t, a, 640, 360, segment{"scene", 250}); len(evs) != 0 {
		t.Fatalf("clean moving scene: %v", evs)
	}
	if f := a.Features(); f.Blockiness > 0.5 || f.Dark > 0.1 || f.Diff < 0.001 {
		t.Fatalf("clean scene features look wrong: %+v", f)
	}
}

func TestDisabledDetectorsAndSettingsChange(t *testing.T) {
	s := defaults()
	s.Black.Enabled = false
	a := NewAnalyzer(s)
	// With black detection off, a black still is reported as what it also
	// is: a frozen picture.
	evs := stream(t, a, 320, 240, segment{"black", 60})
	if len(only(evs, defect.Black)) != 0 || len(only(evs, defect.Freeze)) != 2 {
		t.Fatalf("black disabled: %v", evs)
	}
	// Enable, open a window, then disable while it is open: the window
	// closes at the end of the last frame.
	s.Black.Enabled = true
	a.SetSettings(s)
	p := testpic.New(320, 240)
	p.Fill(16, 128, 128)
	evs = nil
	for i := 0; i < 40; i++ {
		e, _ := a.Analyze(frameOf(p, "I420", 0, time.Duration(100+i)*fps25))
		evs = append(evs, e...)
	}
	s.Black.Enabled = false
	evs = append(evs, a.SetSettings(s)...)
	wantWindow(t, only(evs, defect.Black), 100, 140, 0)
}

func TestBackwardsTimeFlushes(t *testing.T) {
	a := NewAnalyzer(defaults())
	p := testpic.New(320, 240)
	p.Fill(16, 128, 128)
	var evs []defect.Event
	for i := 0; i < 40; i++ {
		e, _ := a.Analyze(frameOf(p, "I420", 0, time.Duration(i)*fps25))
		evs = append(evs, e...)
	}
	// A looping source starts over at 0: the open window ends at 40.
	e, _ := a.Analyze(frameOf(p, "I420", 0, 0))
	evs = append(evs, e...)
	if len(evs) < 2 || evs[1].Edge != defect.End || evs[1].PTS != 40*fps25 {
		t.Fatalf("want the window closed at 1.6 s by the jump back: %v", evs)
	}
}

func TestLayoutsGiveSameFeatures(t *testing.T) {
	// 1917 wide: odd width, stride larger than width, like real decoders.
	p := testpic.New(1917, 1080)
	p.Scene(2, 1, 1)
	var ref Features
	for i, c := range []struct {
		format string
		pad    int
	}{{"I420", 3}, {"YV12", 67}, {"NV12", 3}, {"Y42B", 131}, {"Y444", 3}, {"GRAY8", 0}} {
		a := NewAnalyzer(DefaultSettings())
		if _, err := a.Analyze(frameOf(p, c.format, c.pad, 0)); err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		f := a.Features()
		if f.Macroblocks == 0 {
			t.Fatalf("%s: nothing probed", c.format)
		}
		if i == 0 {
			ref = f
			continue
		}
		if f != ref {
			t.Fatalf("%s pad %d: features %+v differ from I420's %+v", c.format, c.pad, f, ref)
		}
	}
}

func TestBadFramesAreRefused(t *testing.T) {
	a := NewAnalyzer(DefaultSettings())
	p := testpic.New(64, 48)
	f := frameOf(p, "I420", 0, 0)
	f.Y.Data = f.Y.Data[:100]
	if _, err := a.Analyze(f); err == nil || !strings.Contains(err.Error(), "plane Y") {
		t.Fatalf("short luma plane: err = %v", err)
	}
	f = frameOf(p, "NV12", 0, 0)
	f.U.Stride = 10
	if _, err := a.Analyze(f); err == nil || !strings.Contains(err.Error(), "stride") {
		t.Fatalf("short stride: err = %v", err)
	}
	// A picture too small to probe is accepted and measured as nothing.
	tiny := frameOf(testpic.New(16, 16), "I420", 0, 0)
	if evs, err := a.Analyze(tiny); err != nil || len(evs) != 0 || a.Features().Macroblocks != 0 {
		t.Fatalf("16x16: evs %v err %v features %+v", evs, err, a.Features())
	}
}

func TestAnalyzeAllocatesNothing(t *testing.T) {
	pics := make([]*Frame, 3)
	for i := range pics {
		p := testpic.New(1280, 720)
		p.Scene(float64(i)/25, 1, uint64(i))
		pics[i] = frameOf(p, "NV12", 64, 0)
	}
	a := NewAnalyzer(DefaultSettings())
	n := 0
	allocs := testing.AllocsPerRun(200, func() {
		f := pics[n%3]
		f.PTS = time.Duration(n) * fps25
		n++
		if _, err := a.Analyze(f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Analyze allocates %.1f times per frame, want 0", allocs)
	}
}

func TestSnapshotOfFirstBadFrame(t *testing.T) {
	a := NewAnalyzer(defaults())
	p := testpic.New(1280, 720)
	var got *Thumb
	for i := 0; i < 100 && got == nil; i++ {
		if i < 25 {
			p.Scene(float64(i)/25, 1, uint64(i))
		} else {
			p.Fill(16, 128, 128)
		}
		evs, err := a.Analyze(frameOf(p, "NV12", 16, time.Duration(i)*fps25))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Edge == defect.Start {
				got = a.TakeSnapshot(e.Type)
			}
		}
	}
	if got == nil {
		t.Fatal("no snapshot with the black start")
	}
	if got.PTS != 25*fps25 || got.Type != defect.Black {
		t.Fatalf("snapshot of %s at %v, want black at the first black frame 1s", got.Type, got.PTS)
	}
	data, err := got.JPEG(80)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 360 {
		t.Fatalf("snapshot %v, want 640x360", b)
	}
	yc, ok := img.(*image.YCbCr)
	if !ok || yc.Y[yc.YOffset(320, 180)] > 8 {
		t.Fatalf("limited-range black must be full-range black in the JPEG")
	}
	a.ReleaseThumb(got)
}

func TestSettingsValidateAndProps(t *testing.T) {
	d := DefaultSettings()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := d
	bad.Black.Ratio = 1.5
	if err := bad.Validate(); err == nil || !strings.HasPrefix(err.Error(), "black.ratio: ") {
		t.Fatalf("got %v", err)
	}
	bad = d
	bad.Freeze.MinDuration = -time.Second
	if err := bad.Validate(); err == nil || !strings.HasPrefix(err.Error(), "freeze.min_duration: ") {
		t.Fatalf("got %v", err)
	}
	bad = d
	bad.Blockiness.Threshold = 0
	if err := bad.Validate(); err == nil || !strings.HasPrefix(err.Error(), "blockiness.threshold: ") {
		t.Fatalf("got %v", err)
	}
	p := d.Props()
	want := map[string]string{
		"black": "true", "black-pixel-threshold": "0.1", "black-ratio": "0.98", "black-min-duration": "2",
		"freeze": "true", "freeze-noise-db": "-60", "freeze-min-duration": "2",
		"blockiness": "true", "blockiness-threshold": "1", "blockiness-min-duration": "0.2",
		"stats-interval": "1", "snapshot": "true",
	}
	if len(p) != len(want) {
		t.Fatalf("props %v, want %v", p, want)
	}
	for k, v := range want {
		if p[k] != v {
			t.Fatalf("prop %s = %q, want %q", k, p[k], v)
		}
	}
}
