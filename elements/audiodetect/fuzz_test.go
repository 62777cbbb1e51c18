package audiodetect

import (
	"testing"

	"github.com/avwatch/avwatch/elements/defect"
)

// FuzzAnalyzer feeds arbitrary bytes in arbitrary formats: nothing panics,
// every detector's edges alternate start/end per channel, ends never precede
// their start, and the stream ends with every window closed.
func FuzzAnalyzer(f *testing.F) {
	f.Add([]byte{0, 0, 255, 127, 1, 0, 0, 128}, uint8(1), uint16(441), uint8(0))
	f.Add(make([]byte, 4000), uint8(2), uint16(8000), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, ch uint8, rate uint16, fmtb uint8) {
		form := Format{Rate: int(rate)%96000 + 100, Channels: int(ch)%MaxChannels + 1, Sample: SampleFormat(fmtb % 4), Planar: fmtb&4 != 0}
		if fmtb&8 != 0 && form.Channels >= 2 {
			form.Positions[0], form.Positions[1] = PosFrontLeft, PosFrontRight
		}
		s := DefaultSettings()
		s.Silence.MinDuration, s.Clipping.MinDuration, s.Loudness.MinDuration = 0, 0, 0
		s.ChannelLoss.MinDuration, s.Phase.MinDuration = 0, 0
		a := NewAnalyzer(form, s)
		frame := form.Channels * form.Sample.Size()
		n := len(data) / frame
		if n == 0 {
			return
		}
		var evs []defect.Event
		// Repeat the data to cover several seconds, some buffers with odd sizes.
		for rep := 0; rep < 40; rep++ {
			e, err := a.Process(-1, data[:n*frame], n, nil)
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e...)
		}
		evs = append(evs, a.Flush()...)
		type key struct {
			t defect.Type
			c int
		}
		open := map[key]defect.Event{}
		for _, e := range evs {
			k := key{e.Type, e.Channel}
			st, isOpen := open[k]
			switch e.Edge {
			case defect.Start:
				if isOpen {
					t.Fatalf("%v: start while open since %v", e, st)
				}
				open[k] = e
			case defect.End:
				if !isOpen {
					t.Fatalf("%v: end without start", e)
				}
				if e.PTS < st.PTS || e.Duration != e.PTS-st.PTS {
					t.Fatalf("%v: bad end for start %v", e, st)
				}
				delete(open, k)
			}
		}
		if len(open) != 0 {
			t.Fatalf("left open: %v", open)
		}
	})
}
