package loudness

import (
	"math"
	"math/rand"
	"testing"
)

// The bounds TruePeakAbove relies on hold for any window, including the
// worst cases: samples with the signs of a phase's taps (the gain bound is
// reached), full-scale alternation at fs/2, impulses, noise and tones.
func TestTruePeakBounds(t *testing.T) {
	if tpGain < 1.5 || tpGain > 2.5 || tpSlope < 0.3 || tpSlope > 0.8 {
		t.Fatalf("tpGain %v, tpSlope %v: not the interpolator's", tpGain, tpSlope)
	}
	r := rand.New(rand.NewSource(3))
	var windows [][tpLen]float64
	for _, mu := range []float64{0.25, 0.5, 0.75} {
		h := tpTaps(mu)
		var w [tpLen]float64
		for j := range h {
			w[j] = math.Copysign(1, h[j])
		}
		windows = append(windows, w)
	}
	for i := 0; i < 20000; i++ {
		var w [tpLen]float64
		f := r.Float64() * 0.5
		ph := r.Float64() * 2 * math.Pi
		for j := range w {
			switch i % 4 {
			case 0:
				w[j] = r.NormFloat64()
			case 1:
				w[j] = math.Sin(2*math.Pi*f*float64(j) + ph)
			case 2:
				w[j] = float64(1 - 2*(j&1)) // fs/2
				if r.Intn(3) == 0 {
					w[j] *= -1
				}
			default:
				if r.Intn(8) == 0 {
					w[j] = r.Float64()*2 - 1
				}
			}
		}
		windows = append(windows, w)
	}
	reached := 0.0
	for _, w := range windows {
		var pk, dmax float64
		for j := range w {
			pk = max(pk, math.Abs(w[j]))
			if j > 0 {
				dmax = max(dmax, math.Abs(w[j]-w[j-1]))
			}
		}
		y := tpWindow(w[:])
		bound := min(tpGain*pk, pk+tpSlope*dmax) * tpMargin
		if y > bound {
			t.Fatalf("window %v: interpolated %v above bound %v", w, y, bound)
		}
		if pk > 0 {
			reached = max(reached, y/(tpGain*pk))
		}
	}
	if reached < 0.999 { // the sign patterns reach the gain bound
		t.Fatalf("gain bound never reached (%.3f): not tight", reached)
	}
}

// TruePeakAbove gives TruePeak's value whenever that is above the floor,
// and otherwise the sample peak (at most the true peak, at most the
// floor); it leaves the state as TruePeak does. On programme-like noise
// it skips most chunks under a floor near the largest true peak.
func TestTruePeakAbove(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	var exact, fast TPState
	skipped, chunks := 0, 0
	for i := 0; i < 4000; i++ {
		x := make([]float64, 1+r.Intn(600))
		level := math.Pow(10, -float64(r.Intn(40))/20)
		f := r.Float64() * 0.45
		for j := range x {
			switch i % 3 {
			case 0:
				x[j] = level * r.NormFloat64() / 4
			case 1:
				x[j] = level * math.Sin(2*math.Pi*f*float64(j))
			default:
				x[j] = level * (r.Float64()*2 - 1) * math.Sin(2*math.Pi*0.02*float64(j))
			}
		}
		floor := []float64{0, 0.1, 0.5, 0.9, 1, 2}[r.Intn(6)]
		want := TruePeak(&exact, x)
		got := TruePeakAbove(&fast, x, floor)
		if exact != fast {
			t.Fatalf("chunk %d: state differs", i)
		}
		chunks++
		if got == want {
			continue
		}
		skipped++
		var xpk float64
		for _, v := range x {
			xpk = max(xpk, math.Abs(v))
		}
		if want > floor || got != xpk || got > want {
			t.Fatalf("chunk %d, floor %v: got %v, true peak %v, sample peak %v", i, floor, got, want, xpk)
		}
	}
	if skipped < chunks/3 {
		t.Fatalf("skipped %d of %d chunks: the bound is too loose to help", skipped, chunks)
	}
}
