package audiodetect

import (
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// The meter skips the 4x interpolation of chunks whose true peak provably
// stays below both the true-peak limit and the interval's maximum so far.
// Events and every stat must be exactly what oversampling every sample
// gives, on programme with overs, quiet passages and tones.
func TestTruePeakFloorChangesNothing(t *testing.T) {
	const rate = 48000
	f := stereoFormat(rate)
	planes := [][]float64{
		render(rate, []seg{{"noise", -30, 1.3, 0}, {"sine", -0.5, 0.7, 3000}, {"noise", -12, 1, 0},
			{"clip", -6, 0.4, 997}, {"noise", -40, 1.1, 0}, {"sine", -20, 0.9, 200}, {"noise", -8, 0.8, 0}}, 1),
		render(rate, []seg{{"noise", -26, 1.1, 0}, {"sine", -3, 0.8, 11000}, {"noise", -14, 1.2, 0},
			{"zero", 0, 0.5, 0}, {"noise", -20, 1.5, 0}, {"sine", -0.1, 0.4, 15000}, {"noise", -9, 0.7, 0}}, 2),
	}
	for _, chunk := range []int{1024, 1152, 480, 77} {
		for _, limit := range []float64{-1, -3, 0, -20} {
			s := DefaultSettings()
			s.Loudness.TruePeakDB = limit
			fast, exact := NewAnalyzer(f, s), NewAnalyzer(f, s)
			exact.tpExact = true
			fast.SetStatsInterval(300 * time.Millisecond)
			exact.SetStatsInterval(300 * time.Millisecond)
			data := encode(f, planes)
			frame := f.Channels * f.Sample.Size()
			n := len(planes[0])
			var evF, evE []defect.Event
			stats := 0
			for off := 0; off < n; off += chunk {
				k := min(chunk, n-off)
				a, err := fast.Process(-1, data[off*frame:(off+k)*frame], k, nil)
				if err != nil {
					t.Fatal(err)
				}
				evF = append(evF, a...)
				b, _ := exact.Process(-1, data[off*frame:(off+k)*frame], k, nil)
				evE = append(evE, b...)
				if fast.StatsDue() != exact.StatsDue() {
					t.Fatalf("chunk %d limit %v: stats due differ at %d", chunk, limit, off)
				}
				if fast.StatsDue() {
					names, vf := fast.Stats()
					_, ve := exact.Stats()
					for i, name := range names {
						if name == StatCostUs || name == StatCostPercent {
							continue
						}
						if vf[i] != ve[i] {
							t.Fatalf("chunk %d limit %v, at sample %d: stat %s = %v, exact %v", chunk, limit, off, name, vf[i], ve[i])
						}
					}
					stats++
				}
			}
			evF = append(evF, fast.Flush()...)
			evE = append(evE, exact.Flush()...)
			if len(evF) != len(evE) {
				t.Fatalf("chunk %d limit %v: %d events, exact %d:\n%v\n%v", chunk, limit, len(evF), len(evE), evF, evE)
			}
			for i := range evF {
				if evF[i] != evE[i] {
					t.Fatalf("chunk %d limit %v: event %d = %+v, exact %+v", chunk, limit, i, evF[i], evE[i])
				}
			}
			if stats < 15 || len(only(evE, defect.TruePeak)) == 0 && limit > -20 {
				t.Fatalf("chunk %d limit %v: test too weak: %d stats, events %v", chunk, limit, stats, evE)
			}
		}
	}
}
