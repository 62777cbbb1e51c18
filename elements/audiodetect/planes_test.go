package audiodetect

import (
	"math"
	"testing"
)

// Planes hands out the last buffer as Process converted it (A/V sync reads
// it), for interleaved and planar input alike.
func TestPlanesAfterProcess(t *testing.T) {
	in := [][]float64{{0.5, -0.25, 0, 0.125}, {-0.5, 0.25, 1.0 / 32768, -1}}
	for _, planar := range []bool{false, true} {
		f := Format{Rate: 48000, Channels: 2, Sample: S16, Planar: planar}
		a := NewAnalyzer(f, DefaultSettings())
		if _, err := a.Process(0, encode(f, in), 4, nil); err != nil {
			t.Fatal(err)
		}
		p := a.Planes()
		if len(p) != 2 || len(p[0]) != 4 || len(p[1]) != 4 {
			t.Fatalf("planar=%v: planes %v", planar, p)
		}
		for c := range in {
			for i, v := range in[c] {
				if math.Abs(p[c][i]-math.Max(v, -1)) > 1.0/32768 {
					t.Fatalf("planar=%v: channel %d sample %d = %v, want %v", planar, c, i, p[c][i], v)
				}
			}
		}
	}
}
