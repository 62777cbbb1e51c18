package audiodetect

import (
	"math"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

const ms = time.Millisecond

func TestSilence(t *testing.T) {
	const rate = 48000
	f := stereoFormat(rate)
	cases := []struct {
		name string
		segs []seg
		want [][2]float64
		dz   bool
	}{
		{"digital zero", []seg{{"sine", -20, 3, 0}, {"zero", 0, 3, 0}, {"sine", -20, 3, 0}}, [][2]float64{{3, 6}}, true},
		{"-70 dBFS noise", []seg{{"noise", -30, 3, 0}, {"noise", -70, 2.5, 0}, {"noise", -30, 2, 0}}, [][2]float64{{3, 5.5}}, false},
		{"-40 dBFS passage is not silence", []seg{{"sine", -20, 2, 0}, {"noise", -40, 4, 0}, {"sine", -20, 2, 0}}, nil, false},
		{"1.5 s gap is too short", []seg{{"sine", -20, 2, 0}, {"zero", 0, 1.5, 0}, {"sine", -20, 2, 0}}, nil, false},
		{"silence to the end is closed at EOS", []seg{{"sine", -20, 2, 0}, {"zero", 0, 3, 0}}, [][2]float64{{2, 5}}, true},
		{"silence from the start", []seg{{"zero", 0, 2.5, 0}, {"sine", -20, 2, 0}}, [][2]float64{{0, 2.5}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := render(rate, c.segs, 1)
			y := render(rate, c.segs, 2)
			evs := only(run(t, f, onlyDetector("silence"), [][]float64{x, y}, 1024, 0), defect.Silence)
			expectWindows(t, evs, 2*ms, c.want...)
			for _, e := range evs {
				if e.DigitalZero != c.dz {
					t.Errorf("%v: digital zero %v, want %v", e, e.DigitalZero, c.dz)
				}
			}
		})
	}
}

func TestSilenceNeedsAllChannels(t *testing.T) {
	const rate = 48000
	x := render(rate, []seg{{"sine", -20, 2, 0}, {"zero", 0, 3, 0}, {"sine", -20, 2, 0}}, 1)
	y := render(rate, []seg{{"sine", -20, 7, 0}}, 1)
	evs := run(t, stereoFormat(rate), onlyDetector("silence"), [][]float64{x, y}, 1024, 0)
	if len(evs) != 0 {
		t.Fatalf("one live channel: %v", evs)
	}
}

func TestClipping(t *testing.T) {
	const rate = 48000
	f := stereoFormat(rate)
	cases := []struct {
		name string
		segs []seg
		want [][2]float64
	}{
		{"hard clipped window", []seg{{"sine", -20, 2, 0}, {"clip", -6, 3, 0}, {"sine", -20, 2, 0}}, [][2]float64{{2, 5}}},
		{"clean loud sine is not clipping", []seg{{"sine", -2, 5, 0}}, nil},
		{"a 200 ms burst is too short", []seg{{"sine", -20, 2, 0}, {"clip", -6, 0.2, 0}, {"sine", -20, 2, 0}}, nil},
		{"low-frequency clipping", []seg{{"noise", -30, 2, 0}, {"clip", -6, 2, 80}, {"noise", -30, 2, 0}}, [][2]float64{{2, 4}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := render(rate, c.segs, 1)
			evs := only(run(t, f, onlyDetector("clipping"), [][]float64{x, x}, 1024, 0), defect.Clipping)
			expectWindows(t, evs, 2*ms, c.want...)
		})
	}
}

// noiseAt returns Gaussian noise scaled to read lufs on the meter.
func noiseAt(rate int, lufs, dur float64, seed uint64) []float64 {
	x := render(rate, []seg{{"noise", -30, dur, 0}}, seed)
	// White noise at -30 dBFS RMS in both channels measures about
	// -24.7 LUFS after K-weighting; measure rather than assume.
	a := NewAnalyzer(stereoFormat(rate), onlyDetector(""))
	a.ProcessPlanar(0, [][]float64{x, x})
	g := math.Pow(10, (lufs-a.Meter().Integrated())/20)
	for i := range x {
		x[i] *= g
	}
	return x
}

func concat(parts ...[]float64) []float64 {
	var out []float64
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestLoudness(t *testing.T) {
	const rate = 48000
	f := stereoFormat(rate)
	n := func(l, d float64, seed uint64) []float64 { return noiseAt(rate, l, d, seed) }
	cases := []struct {
		name string
		x    []float64
		want [][2]float64
	}{
		{"too loud window", concat(n(-23, 6, 1), n(-10, 5, 2), n(-23, 6, 3)), [][2]float64{{6, 11}}},
		{"too quiet window", concat(n(-23, 6, 1), n(-40, 6, 2), n(-23, 6, 3)), [][2]float64{{6, 12}}},
		{"within tolerance", concat(n(-23, 6, 1), n(-19, 6, 2), n(-27, 6, 3)), nil},
		{"loud to the end", concat(n(-23, 5, 1), n(-12, 6, 2)), [][2]float64{{5, 11}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := only(run(t, f, onlyDetector("loudness"), [][]float64{c.x, c.x}, 1024, 0), defect.Loudness)
			expectWindows(t, evs, 20*ms, c.want...)
		})
	}
}

// Dialogue pauses must not raise a loudness alert: speech-like bursts at
// the target with pauses up to 3.5 s of room tone (-60 dBFS).
func TestLoudnessIgnoresDialoguePauses(t *testing.T) {
	const rate = 48000
	var parts [][]float64
	r := rng(7)
	for i := 0; i < 12; i++ {
		talk := 1.5 + 3*r.float()
		pause := 0.3 + 3.2*r.float()
		if i == 5 {
			pause = 3.5
		}
		parts = append(parts, noiseAt(rate, -21, talk, uint64(i+1)), render(rate, []seg{{"noise", -60, pause, 0}}, uint64(i+100)))
	}
	x := concat(parts...)
	evs := only(run(t, stereoFormat(rate), onlyDetector("loudness"), [][]float64{x, x}, 1024, 0), defect.Loudness)
	if len(evs) != 0 {
		t.Fatalf("dialogue with pauses raised %v", evs)
	}
}

// ATSC A/85: target -24 LKFS with ±2 LU makes -20 LUFS programme too loud.
func TestLoudnessTargetSettable(t *testing.T) {
	const rate = 48000
	x := concat(noiseAt(rate, -24, 5, 1), noiseAt(rate, -20, 6, 2), noiseAt(rate, -24, 5, 3))
	s := onlyDetector("loudness")
	s.Loudness.TargetLUFS, s.Loudness.ToleranceLU = -24, 2
	evs := only(run(t, stereoFormat(rate), s, [][]float64{x, x}, 1024, 0), defect.Loudness)
	expectWindows(t, evs, 50*ms, [2]float64{5, 11})
	if evs[0].Threshold != -22 {
		t.Errorf("threshold %v, want -22", evs[0].Threshold)
	}
}

func TestTruePeak(t *testing.T) {
	const rate = 48000
	// A 12 kHz sine whose samples peak at -3 dBFS but whose true peak is
	// 0 dBTP (samples at ±45°), for 2 s inside a quiet tone.
	var x []float64
	x = append(x, render(rate, []seg{{"sine", -20, 2, 0}}, 1)...)
	for i := 0; i < 2*rate; i++ {
		x = append(x, math.Sin(math.Pi/2*float64(i)+math.Pi/4))
	}
	x = append(x, render(rate, []seg{{"sine", -20, 2, 0}}, 1)...)
	evs := only(run(t, stereoFormat(rate), onlyDetector("true_peak"), [][]float64{x, x}, 1024, 0), defect.TruePeak)
	expectWindows(t, evs, 1*ms, [2]float64{2, 4})
	if v := evs[1].Value; math.Abs(v) > 0.2 { // the abrupt start itself rings a little
		t.Errorf("true peak %.2f dBTP, want 0.0", v)
	}
}

func TestChannelLoss(t *testing.T) {
	const rate = 48000
	l := render(rate, []seg{{"noise", -25, 8, 0}}, 1)
	r := render(rate, []seg{{"noise", -25, 2, 0}, {"zero", 0, 3, 0}, {"noise", -25, 3, 0}}, 2)
	evs := only(run(t, stereoFormat(rate), onlyDetector("channel_loss"), [][]float64{l, r}, 1024, 0), defect.ChannelLoss)
	expectWindows(t, evs, 2*ms, [2]float64{2, 5})
	for _, e := range evs {
		if e.Channel != 1 {
			t.Errorf("%v: channel %d, want 1", e, e.Channel)
		}
	}
	// Both channels silent: that is silence, not channel loss.
	z := render(rate, []seg{{"noise", -25, 2, 0}, {"zero", 0, 3, 0}, {"noise", -25, 2, 0}}, 3)
	if evs := only(run(t, stereoFormat(rate), onlyDetector("channel_loss"), [][]float64{z, z}, 1024, 0), defect.ChannelLoss); len(evs) != 0 {
		t.Fatalf("silence reported as channel loss: %v", evs)
	}
}

func TestPhase(t *testing.T) {
	const rate = 48000
	l := render(rate, []seg{{"noise", -25, 9, 0}}, 1)
	r := append([]float64(nil), l...)
	for i := 3 * rate; i < 6*rate; i++ {
		r[i] = -r[i]
	}
	evs := only(run(t, stereoFormat(rate), onlyDetector("phase"), [][]float64{l, r}, 1024, 0), defect.Phase)
	expectWindows(t, evs, 15*ms, [2]float64{3, 6})
	// Independent (uncorrelated) channels are not out of phase.
	u := render(rate, []seg{{"noise", -25, 9, 0}}, 2)
	if evs := only(run(t, stereoFormat(rate), onlyDetector("phase"), [][]float64{l, u}, 1024, 0), defect.Phase); len(evs) != 0 {
		t.Fatalf("uncorrelated stereo reported: %v", evs)
	}
}

// Timestamps: events carry buffer PTS, including an offset start and a gap.
func TestTimestampsFollowBuffers(t *testing.T) {
	const rate = 44100
	x := render(rate, []seg{{"sine", -20, 2, 0}, {"zero", 0, 3, 0}, {"sine", -20, 2, 0}}, 1)
	evs := only(run(t, stereoFormat(rate), onlyDetector("silence"), [][]float64{x, x}, 1000, 10*time.Second), defect.Silence)
	expectWindows(t, evs, 2*ms, [2]float64{12, 15})
}

// A control signal (programme-like noise at the target, stereo, some
// level variation) raises nothing with every detector on.
func TestControlRaisesNothing(t *testing.T) {
	const rate = 48000
	l := concat(noiseAt(rate, -23, 4, 1), noiseAt(rate, -25, 4, 2), noiseAt(rate, -21, 4, 3))
	r := concat(noiseAt(rate, -23, 4, 4), noiseAt(rate, -25, 4, 5), noiseAt(rate, -21, 4, 6))
	for i := range r {
		r[i] = 0.6*l[i] + 0.4*r[i]
	}
	if evs := run(t, stereoFormat(rate), DefaultSettings(), [][]float64{l, r}, 1024, 0); len(evs) != 0 {
		t.Fatalf("control raised %v", evs)
	}
}

// A channel loss in quiet programme takes short-term loudness below the
// band; that is reported as channel loss alone.
func TestChannelLossHoldsLoudness(t *testing.T) {
	const rate = 48000
	l := noiseAt(rate, -26, 14, 1)
	r := append([]float64(nil), l...)
	for i := 3 * rate; i < 10*rate; i++ {
		r[i] = 0
	}
	s := DefaultSettings()
	evs := run(t, stereoFormat(rate), s, [][]float64{l, r}, 1024, 0)
	expectWindows(t, only(evs, defect.ChannelLoss), 2*ms, [2]float64{3, 10})
	if lo := only(evs, defect.Loudness); len(lo) != 0 {
		t.Fatalf("loudness reported for a channel loss: %v", lo)
	}
	// With channel loss off, the drop is a loudness fault again.
	s.ChannelLoss.Enabled = false
	if lo := only(run(t, stereoFormat(rate), s, [][]float64{l, r}, 1024, 0), defect.Loudness); len(lo) != 2 {
		t.Fatalf("loudness with channel loss off: %v", lo)
	}
}
