package videodetect

import (
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/videodetect/testpic"
)

const fps25 = 40 * time.Millisecond

// frameOf lays p out in format with rows padded by pad bytes and returns a
// Frame over that memory, as the element would build it from a buffer.
func frameOf(p *testpic.Picture, format string, pad int, pts time.Duration) *Frame {
	l, err := testpic.Padded(format, p.W, p.H, pad)
	if err != nil {
		panic(err)
	}
	buf := make([]byte, l.Size)
	if err := p.Write(buf, l); err != nil {
		panic(err)
	}
	return frameIn(buf, l, pts)
}

func frameIn(buf []byte, l testpic.Layout, pts time.Duration) *Frame {
	f := &Frame{Width: l.W, Height: l.H, PTS: pts}
	plane := func(i int) Plane { return Plane{Data: buf[l.Offset[i]:], Stride: l.Stride[i]} }
	f.Y = plane(0)
	switch l.Format {
	case "I420":
		f.Layout, f.U, f.V = Planar420, plane(1), plane(2)
	case "YV12":
		f.Layout, f.U, f.V = Planar420, plane(2), plane(1)
	case "NV12":
		f.Layout, f.U = SemiPlanar420, plane(1)
	case "Y42B":
		f.Layout, f.U, f.V = Planar422, plane(1), plane(2)
	case "Y444":
		f.Layout, f.U, f.V = Planar444, plane(1), plane(2)
	case "GRAY8":
		f.Layout = Gray
	}
	return f
}

// segment is a run of frames of one kind in a synthetic stream.
type segment struct {
	kind   string // scene, black, freeze, blocky, smear, still-noise, dark
	frames int
}

// stream renders segments at 25 fps through an analyser and returns the
// events (Flush included). Scenes move on; "freeze" repeats the last scene
// frame bit for bit.
func stream(t testing.TB, a *Analyzer, w, h int, segs ...segment) []defect.Event {
	t.Helper()
	p := testpic.New(w, h)
	var out []defect.Event
	n := 0
	for _, s := range segs {
		for i := 0; i < s.frames; i++ {
			ts := float64(n) / 25
			switch s.kind {
			case "scene":
				p.Scene(ts, 1, uint64(n))
			case "black":
				p.Fill(16, 128, 128)
			case "freeze":
				// keep p as it is
			case "blocky":
				p.Scene(ts, 1, uint64(n))
				p.Blockify(h/3, h)
			case "smear":
				p.Scene(ts, 1, uint64(n))
				p.Smear(h / 3)
			case "dark":
				p.Scene(ts, 1, uint64(n))
				for j, v := range p.Y {
					p.Y[j] = byte(22 + int(v-16)*20/219)
				}
			default:
				t.Fatalf("unknown segment kind %q", s.kind)
			}
			evs, err := a.Analyze(frameOf(p, "I420", 32, time.Duration(n)*fps25))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, evs...)
			n++
		}
	}
	return append(out, a.Flush()...)
}

func only(evs []defect.Event, typ defect.Type) []defect.Event {
	var out []defect.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// wantWindow checks that evs (of one type) are exactly one start/end pair
// within tol frames of the given frame numbers.
func wantWindow(t *testing.T, evs []defect.Event, start, end, tol int) {
	t.Helper()
	if len(evs) != 2 || evs[0].Edge != defect.Start || evs[1].Edge != defect.End {
		t.Fatalf("want one start/end pair, got %v", evs)
	}
	s, e := int(evs[0].PTS/fps25), int(evs[1].PTS/fps25)
	if abs(s-start) > tol || abs(e-end) > tol {
		t.Fatalf("window frames %d..%d, want %d..%d (±%d): %v", s, e, start, end, tol, evs)
	}
	if evs[1].Duration != evs[1].PTS-evs[0].PTS {
		t.Fatalf("end duration %v, want %v", evs[1].Duration, evs[1].PTS-evs[0].PTS)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
