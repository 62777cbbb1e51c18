package audiodetect

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/avwatch/avwatch/elements/defect"
)

// encode renders planes as raw bytes in format f (interleaved or planar).
func encode(f Format, planes [][]float64) []byte {
	n := len(planes[0])
	bps := f.Sample.Size()
	out := make([]byte, n*f.Channels*bps)
	for c := 0; c < f.Channels; c++ {
		for i := 0; i < n; i++ {
			off := (i*f.Channels + c) * bps
			if f.Planar {
				off = (c*n + i) * bps
			}
			v := planes[c][i]
			switch f.Sample {
			case S16:
				binary.LittleEndian.PutUint16(out[off:], uint16(int16(math.Max(-32768, math.Min(32767, math.Round(v*32768))))))
			case S32:
				binary.LittleEndian.PutUint32(out[off:], uint32(int32(math.Max(-2147483648, math.Min(2147483647, math.Round(v*2147483648))))))
			case F32:
				binary.LittleEndian.PutUint32(out[off:], math.Float32bits(float32(v)))
			case F64:
				binary.LittleEndian.PutUint64(out[off:], math.Float64bits(v))
			}
		}
	}
	return out
}

// Every sample format and layout, 1 to 8 channels, finds the same silence
// window, in every channel count.
func TestFormatsAndLayouts(t *testing.T) {
	const rate = 32000
	sig := render(rate, []seg{{"sine", -20, 1, 0}, {"zero", 0, 2.5, 0}, {"sine", -20, 1, 0}}, 1)
	for _, sf := range []SampleFormat{S16, S32, F32, F64} {
		for _, planar := range []bool{false, true} {
			for _, ch := range []int{1, 2, 6, 8} {
				f := Format{Rate: rate, Channels: ch, Sample: sf, Planar: planar}
				planes := make([][]float64, ch)
				for c := range planes {
					planes[c] = sig
				}
				a := NewAnalyzer(f, onlyDetector("silence"))
				var evs []defect.Event
				const chunk = 1000
				for off := 0; off < len(sig); off += chunk {
					end := min(off+chunk, len(sig))
					sub := make([][]float64, ch)
					for c := range sub {
						sub[c] = planes[c][off:end]
					}
					e, err := a.Process(samplesToDuration(int64(off), rate), encode(f, sub), end-off, nil)
					if err != nil {
						t.Fatal(err)
					}
					evs = append(evs, e...)
				}
				evs = append(evs, a.Flush()...)
				t.Run(sf.String(), func(t *testing.T) { expectWindows(t, evs, 2*ms, [2]float64{1, 3.5}) })
			}
		}
	}
}

// A planar buffer whose planes sit at GstAudioMeta offsets (with padding
// between them) is read from those offsets.
func TestPlanarOffsets(t *testing.T) {
	f := Format{Rate: 48000, Channels: 2, Sample: S16, Planar: true}
	n := 480
	x := render(48000, []seg{{"sine", -6, 0.01, 0}}, 1)
	raw := encode(Format{Rate: 48000, Channels: 1, Sample: S16}, [][]float64{x})
	buf := make([]byte, 100+2*len(raw)+64)
	copy(buf[100:], raw)
	copy(buf[100+len(raw)+64:], raw)
	a := NewAnalyzer(f, onlyDetector(""))
	if _, err := a.Process(0, buf, n, []int{100, 100 + len(raw) + 64}); err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 2; c++ {
		if math.Abs(a.planes[c][123]-x[123]) > 1e-4 {
			t.Fatalf("channel %d sample 123 = %v, want %v", c, a.planes[c][123], x[123])
		}
	}
	if _, err := a.Process(0, buf[:200], n, []int{100, 100 + len(raw) + 64}); err == nil {
		t.Fatal("short buffer accepted")
	}
}

func TestSaneNonFinite(t *testing.T) {
	for _, c := range []struct{ in, out float64 }{{math.NaN(), 0}, {math.Inf(1), 64}, {math.Inf(-1), -64}, {1e300, 64}, {0.5, 0.5}, {-1.5, -1.5}} {
		if got := sane(c.in); got != c.out {
			t.Errorf("sane(%v) = %v", c.in, got)
		}
	}
}

func TestSettings(t *testing.T) {
	d := DefaultSettings()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	props := d.Props()
	if props["silence-threshold-db"] != "-60" || props["silence-min-duration"] != "2" || props["clipping-min-run"] != "3" || props["loudness"] != "true" {
		t.Fatalf("props: %v", props)
	}
	if len(props) != len(Params) {
		t.Fatalf("%d props for %d params", len(props), len(Params))
	}
	bad := d
	bad.Silence.ThresholdDB = 3
	if err := bad.Validate(); err == nil || err.Error() != "silence.threshold_db: 3 is out of range; use a value from -120 to 0 dBFS (default -60)" {
		t.Fatalf("error: %v", err)
	}
	bad = d
	bad.Loudness.MinDuration = -1
	if err := bad.Validate(); err == nil || err.Error()[:23] != "loudness.min_duration: " {
		t.Fatalf("error: %v", err)
	}
	// Params round-trip every field through Get/Set.
	var s Settings
	for _, p := range Params {
		p.Set(&s, p.Get(&d))
	}
	if s != d {
		t.Fatalf("round trip: %+v != %+v", s, d)
	}
}

// Changing settings while running closes an open window first.
func TestSetSettingsClosesOpenWindow(t *testing.T) {
	const rate = 48000
	x := render(rate, []seg{{"sine", -20, 1, 0}, {"zero", 0, 3, 0}}, 1)
	a := NewAnalyzer(stereoFormat(rate), onlyDetector("silence"))
	evs := append([]defect.Event(nil), a.ProcessPlanar(0, [][]float64{x, x})...)
	s := onlyDetector("silence")
	s.Silence.ThresholdDB = -50
	evs = append(evs, a.SetSettings(s)...)
	expectWindows(t, only(evs, defect.Silence), 2*ms, [2]float64{1, 4})
}
