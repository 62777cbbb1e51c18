package videodetect

import (
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/videodetect/testpic"
)

// FuzzAnalyze drives the analyser with arbitrary picture sizes, formats,
// paddings, settings and sequences of defect kinds and timestamps (including
// jumps back), and checks what must always hold: no error for well-formed
// frames, events of each type alternate start/end with ends after starts
// and matching durations, and Flush leaves nothing open.
func FuzzAnalyze(f *testing.F) {
	f.Add(uint16(320), uint16(240), uint8(0), uint8(3), uint8(10), []byte{0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 0})
	f.Add(uint16(1917), uint16(37), uint8(2), uint8(0), uint8(0), []byte{1, 1, 2, 255, 4, 4, 4, 5})
	f.Add(uint16(17), uint16(600), uint8(5), uint8(64), uint8(1), []byte{3, 3, 3, 3, 0, 1})
	formats := []string{"I420", "YV12", "NV12", "Y42B", "Y444", "GRAY8"}
	f.Fuzz(func(t *testing.T, w, h uint16, format, pad, minFrames uint8, seq []byte) {
		W, H := int(w%700)+1, int(h%500)+1
		if len(seq) > 150 {
			seq = seq[:150]
		}
		s := DefaultSettings()
		md := time.Duration(minFrames%20) * fps25
		s.Black.MinDuration, s.Freeze.MinDuration, s.Blockiness.MinDuration = md, md, md
		s.Black.PixelThreshold = float64(minFrames%10+1) / 10 // also the >= 128 code path
		a := NewAnalyzer(s)
		p := testpic.New(W, H)
		fm := formats[int(format)%len(formats)]
		var evs []defect.Event
		pts := time.Duration(0)
		for i, b := range seq {
			switch b % 6 {
			case 0:
				p.Scene(float64(i)/25, 1, uint64(i))
			case 1:
				p.Fill(16, 128, 128)
			case 2: // repeat
			case 3:
				p.Scene(float64(i)/25, 1, uint64(i))
				p.Blockify(H/3, H)
			case 4:
				p.Scene(float64(i)/25, 1, uint64(i))
				p.Smear(H / 2)
			case 5:
				p.Grain(2, uint64(i))
			}
			if b == 255 {
				pts -= 10 * fps25 // a jump back
				if pts < 0 {
					pts = 0
				}
			}
			e, err := a.Analyze(frameOf(p, fm, int(pad%70), pts))
			if err != nil {
				t.Fatalf("frame %d (%dx%d %s pad %d): %v", i, W, H, fm, pad%70, err)
			}
			evs = append(evs, e...)
			pts += fps25
		}
		evs = append(evs, a.Flush()...)
		if more := a.Flush(); len(more) != 0 {
			t.Fatalf("second flush found windows open: %v", more)
		}
		for _, typ := range []defect.Type{defect.Black, defect.Freeze, defect.Blockiness} {
			te := only(evs, typ)
			if len(te)%2 != 0 {
				t.Fatalf("%s: odd number of edges: %v", typ, te)
			}
			for i, e := range te {
				want := defect.Start
				if i%2 == 1 {
					want = defect.End
					if e.PTS < te[i-1].PTS || e.Duration != e.PTS-te[i-1].PTS {
						t.Fatalf("%s: end %v does not follow start %v", typ, e, te[i-1])
					}
				}
				if e.Edge != want {
					t.Fatalf("%s: edge %d is %s: %v", typ, i, e.Edge, te)
				}
			}
		}
	})
}
