package audiodetect

import (
	"math"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Synthetic test signals, built from segments per channel.

type seg struct {
	kind  string  // "sine", "noise", "zero", "clip" (sine driven 12 dB into full scale)
	level float64 // dBFS: sine peak, noise RMS
	dur   float64 // seconds
	freq  float64 // sine frequency (default 1 kHz)
}

// rng is a small deterministic generator (xorshift64*).
type rng uint64

func (r *rng) float() float64 {
	*r ^= *r >> 12
	*r ^= *r << 25
	*r ^= *r >> 27
	return float64((uint64(*r)*2685821657736338717)>>11) / (1 << 53)
}

// gauss returns a standard normal sample (Box-Muller).
func (r *rng) gauss() float64 {
	u1, u2 := r.float(), r.float()
	if u1 < 1e-300 {
		u1 = 1e-300
	}
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

func render(rate int, segs []seg, seed uint64) []float64 {
	var out []float64
	r := rng(seed | 1)
	pos := 0
	for _, s := range segs {
		n := int(math.Round(s.dur * float64(rate)))
		a := math.Pow(10, s.level/20)
		f := s.freq
		if f == 0 {
			f = 1000
		}
		for i := 0; i < n; i++ {
			t := float64(pos+i) / float64(rate)
			var v float64
			switch s.kind {
			case "sine":
				v = a * math.Sin(2*math.Pi*f*t)
			case "noise":
				v = a * r.gauss()
			case "clip":
				v = math.Max(-1, math.Min(1, 4*a*math.Sin(2*math.Pi*f*t)))
			}
			out = append(out, v)
		}
		pos += n
	}
	return out
}

// run feeds planes through a new analyser in buffers of `chunk` samples
// with timestamps starting at pts0, flushes, and returns every event.
func run(t testing.TB, f Format, s Settings, planes [][]float64, chunk int, pts0 time.Duration) []defect.Event {
	t.Helper()
	a := NewAnalyzer(f, s)
	var out []defect.Event
	n := len(planes[0])
	for off := 0; off < n; off += chunk {
		end := min(off+chunk, n)
		sub := make([][]float64, len(planes))
		for c := range planes {
			sub[c] = planes[c][off:end]
		}
		pts := pts0 + samplesToDuration(int64(off), f.Rate)
		out = append(out, a.ProcessPlanar(pts, sub)...)
	}
	out = append(out, a.Flush()...)
	return out
}

func stereoFormat(rate int) Format {
	f := Format{Rate: rate, Channels: 2, Sample: F32}
	f.Positions[0], f.Positions[1] = PosFrontLeft, PosFrontRight
	return f
}

// only returns the events of type typ.
func only(evs []defect.Event, typ defect.Type) []defect.Event {
	var out []defect.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// expectWindows checks that evs (one type) are exactly the given start/end
// windows, each edge within tol.
func expectWindows(t *testing.T, evs []defect.Event, tol time.Duration, windows ...[2]float64) {
	t.Helper()
	if len(evs) != 2*len(windows) {
		t.Fatalf("got %d events %v, want %d windows %v", len(evs), evs, len(windows), windows)
	}
	for i, w := range windows {
		s, e := evs[2*i], evs[2*i+1]
		if s.Edge != defect.Start || e.Edge != defect.End {
			t.Fatalf("window %d: edges %s/%s", i, s.Edge, e.Edge)
		}
		ws, we := time.Duration(w[0]*float64(time.Second)), time.Duration(w[1]*float64(time.Second))
		if d := s.PTS - ws; d < -tol || d > tol {
			t.Errorf("window %d (%s): start %v, want %v ± %v", i, s.Type, s.PTS, ws, tol)
		}
		if d := e.PTS - we; d < -tol || d > tol {
			t.Errorf("window %d (%s): end %v, want %v ± %v", i, s.Type, e.PTS, we, tol)
		}
		if e.Duration != e.PTS-s.PTS {
			t.Errorf("window %d: duration %v, want %v", i, e.Duration, e.PTS-s.PTS)
		}
		t.Logf("%s window %d: start %+.1f ms, end %+.1f ms (value %.3g, threshold %.3g)", s.Type, i,
			float64(s.PTS-ws)/1e6, float64(e.PTS-we)/1e6, e.Value, e.Threshold)
	}
}

// onlyDetector enables one detector.
func onlyDetector(name string) Settings {
	s := DefaultSettings()
	s.Silence.Enabled = name == "silence"
	s.Clipping.Enabled = name == "clipping"
	s.Loudness.Enabled = name == "loudness"
	s.Loudness.TruePeak = name == "true_peak"
	s.ChannelLoss.Enabled = name == "channel_loss"
	s.Phase.Enabled = name == "phase"
	return s
}
