package loudness

import (
	"math"
	"testing"
)

// segment is a stretch of 1 kHz sine (EBU Tech 3341/3342 test signals):
// levels in dBFS (peak) per channel group, duration in seconds.
type segment struct {
	db  float64
	dur float64
}

// sine appends dur seconds of a sine of frequency f, peak level db dBFS and
// starting phase phi (radians) to x, continuing the phase across segments.
func sineInto(x []float64, rate int, f, db, phi float64, from int) []float64 {
	a := math.Pow(10, db/20)
	for i := range x {
		x[i] = a * math.Sin(2*math.Pi*f*float64(from+i)/float64(rate)+phi)
	}
	return x
}

// stereo builds the two identical channels of a Tech 3341-style signal.
func stereo(rate int, segs []segment) [][]float64 {
	var total int
	for _, s := range segs {
		total += int(s.dur * float64(rate))
	}
	x := make([]float64, total)
	pos := 0
	for _, s := range segs {
		n := int(s.dur * float64(rate))
		sineInto(x[pos:pos+n], rate, 1000, s.db, 0, pos)
		pos += n
	}
	return [][]float64{x, x}
}

// feed writes planes in uneven chunks, as buffers arrive in a pipeline.
func feed(m *Meter, planes [][]float64, chunk int) {
	n := len(planes[0])
	for off := 0; off < n; off += chunk {
		end := min(off+chunk, n)
		sub := make([][]float64, len(planes))
		for c := range planes {
			sub[c] = planes[c][off:end]
		}
		m.Write(sub)
	}
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.3f, want %.1f ± %.1f", what, got, want, tol)
	} else {
		t.Logf("%s = %.3f (want %.1f, error %+.3f)", what, got, want, got-want)
	}
}

var rates = []int{48000, 44100}

func TestKWeightingMatchesBS1770Table(t *testing.T) {
	k := NewKWeighting(48000)
	want := KWeighting{
		Shelf:    Biquad{B0: 1.53512485958697, B1: -2.69169618940638, B2: 1.19839281085285, A1: -1.69065929318241, A2: 0.73248077421585},
		HighPass: Biquad{B0: 1, B1: -2, B2: 1, A1: -1.99004745483398, A2: 0.99007225036621},
	}
	got := []float64{k.Shelf.B0, k.Shelf.B1, k.Shelf.B2, k.Shelf.A1, k.Shelf.A2, k.HighPass.A1, k.HighPass.A2}
	exp := []float64{want.Shelf.B0, want.Shelf.B1, want.Shelf.B2, want.Shelf.A1, want.Shelf.A2, want.HighPass.A1, want.HighPass.A2}
	for i := range got {
		if math.Abs(got[i]-exp[i]) > 1e-8 {
			t.Errorf("coefficient %d = %.14f, BS.1770-4 table says %.14f", i, got[i], exp[i])
		}
	}
}

// EBU Tech 3341 cases 1 and 2: a stereo 1 kHz sine at -23 / -33 dBFS reads
// -23.0 / -33.0 LUFS momentary, short-term and integrated.
func TestTech3341Cases1And2(t *testing.T) {
	for _, rate := range []int{48000, 44100, 32000, 96000, 22050} {
		for _, db := range []float64{-23, -33} {
			m := New(rate, []float64{1, 1})
			feed(m, stereo(rate, []segment{{db, 20}}), 1024)
			near(t, "M", m.Momentary(), db, 0.1)
			near(t, "S", m.ShortTerm(), db, 0.1)
			near(t, "I", m.Integrated(), db, 0.1)
		}
	}
}

// Tech 3341 cases 3-5: tone sequences whose gated integrated loudness is
// -23.0 LUFS (the quiet parts fall under the relative or absolute gate).
func TestTech3341Cases3To5(t *testing.T) {
	cases := map[string][]segment{
		"3": {{-36, 10}, {-23, 60}, {-36, 10}},
		"4": {{-72, 10}, {-36, 10}, {-23, 60}, {-36, 10}, {-72, 10}},
		"5": {{-26, 20}, {-20, 20.1}, {-26, 20}},
	}
	for name, segs := range cases {
		for _, rate := range rates {
			m := New(rate, []float64{1, 1})
			feed(m, stereo(rate, segs), 960)
			near(t, "case "+name+" I", m.Integrated(), -23, 0.1)
		}
	}
}

// Tech 3341 case 6: 5.0 channels, L/R -28, C -24, Ls/Rs -30 dBFS; the
// surrounds weigh 1.41. I = -23.0.
func TestTech3341Case6Surround(t *testing.T) {
	for _, rate := range rates {
		n := 20 * rate
		mk := func(db float64) []float64 { return sineInto(make([]float64, n), rate, 1000, db, 0, 0) }
		lr, c, s := mk(-28), mk(-24), mk(-30)
		m := New(rate, []float64{WeightFront, WeightFront, WeightFront, WeightSurround, WeightSurround})
		feed(m, [][]float64{lr, lr, c, s, s}, 1024)
		near(t, "case 6 I", m.Integrated(), -23, 0.1)

		// The same with an LFE channel carrying a loud tone: weight 0.
		lfe := mk(-6)
		m = New(rate, []float64{WeightFront, WeightFront, WeightFront, WeightLFE, WeightSurround, WeightSurround})
		feed(m, [][]float64{lr, lr, c, lfe, s, s}, 1024)
		near(t, "case 6 + LFE I", m.Integrated(), -23, 0.1)
	}
}

// Tech 3341 case 9: 1.34 s at -20 / 1.66 s at -30 dBFS repeated; each 3 s
// window holds one period, so short-term loudness is -23.0 throughout (after
// the first 3 s). Case 12: 0.18 s / 0.22 s, momentary -23.0 after 400 ms.
func TestTech3341Cases9And12(t *testing.T) {
	for _, rate := range rates {
		var segs []segment
		for i := 0; i < 5; i++ {
			segs = append(segs, segment{-20, 1.34}, segment{-30, 1.66})
		}
		m := New(rate, []float64{1, 1})
		p := stereo(rate, segs)
		worst := 0.0
		step := rate / 10
		for off := 0; off+step <= len(p[0]); off += step {
			m.Write([][]float64{p[0][off : off+step], p[1][off : off+step]})
			if off >= 3*rate {
				worst = math.Max(worst, math.Abs(m.ShortTerm()+23))
			}
		}
		near(t, "case 9 S (worst error)", -23+worst, -23, 0.1)

		segs = nil
		for i := 0; i < 25; i++ {
			segs = append(segs, segment{-20, 0.18}, segment{-30, 0.22})
		}
		m = New(rate, []float64{1, 1})
		p = stereo(rate, segs)
		worst = 0
		for off := 0; off+step <= len(p[0]); off += step {
			m.Write([][]float64{p[0][off : off+step], p[1][off : off+step]})
			if off >= rate {
				worst = math.Max(worst, math.Abs(m.Momentary()+23))
			}
		}
		near(t, "case 12 M (worst error)", -23+worst, -23, 0.1)
	}
}

// EBU Tech 3342 cases 1-4: loudness range of stepped tones.
func TestTech3342LRA(t *testing.T) {
	cases := []struct {
		segs []segment
		want float64
	}{
		{[]segment{{-20, 20}, {-30, 20}}, 10},
		{[]segment{{-20, 20}, {-15, 20}}, 5},
		{[]segment{{-40, 20}, {-20, 20}}, 20},
		{[]segment{{-50, 20}, {-35, 20}, {-20, 20}, {-35, 20}, {-50, 20}}, 15},
	}
	for i, c := range cases {
		for _, rate := range rates {
			m := New(rate, []float64{1, 1})
			feed(m, stereo(rate, c.segs), 4096)
			near(t, "3342 case "+string(rune('1'+i))+" LRA", m.LoudnessRange(), c.want, 0.1)
		}
	}
}

// fadeIn ramps the first n samples up (raised cosine): an abrupt start is a
// step, and a step's interpolation rings above the sine's peak.
func fadeIn(x []float64, n int) []float64 {
	for i := 0; i < n && i < len(x); i++ {
		x[i] *= 0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(n))
	}
	return x
}

// EBU Tech 3341 cases 15-19 (48 kHz): sines at fs/4, fs/6, fs/8 with phases
// that put the true peak between samples.
func TestTech3341TruePeak(t *testing.T) {
	cases := []struct {
		name        string
		div, phase  float64 // f = fs/div, phase in degrees
		peakDB      float64 // sine amplitude
		wantDBTP    float64
		samplePeakD float64
	}{
		{"15", 4, 0, -6, -6, -6},
		{"16", 4, 45, -6, -6, -9.01},
		{"17", 6, 60, -6, -6, -6},
		{"18", 8, 67.5, -6, -6, -6.69},
		{"19", 4, 45, 20 * math.Log10(math.Sqrt2), 3.0, 0},
	}
	const rate = 48000
	for _, c := range cases {
		x := fadeIn(sineInto(make([]float64, rate), rate, rate/c.div, c.peakDB, c.phase*math.Pi/180, 0), 960)
		m := New(rate, []float64{1, 1})
		feed(m, [][]float64{x, x}, 1000)
		near(t, "case "+c.name+" true peak dBTP", DB(m.TruePeak(-1)), c.wantDBTP, 0.2)
	}
}

// True peak against the exact peak of sines at random frequency and phase:
// the Annex 2 filter is accurate to well under 0.5 dB up to ~0.4 fs.
func TestTruePeakSweep(t *testing.T) {
	const rate = 48000
	worstLow, worstHigh := 0.0, 0.0
	for f := 100.0; f < 0.4*rate; f *= 1.07 {
		for ph := 0.0; ph < math.Pi; ph += math.Pi / 7 {
			x := fadeIn(sineInto(make([]float64, 4800), rate, f, -3, ph, 0), 960)
			var st TPState
			got := DB(TruePeak(&st, x))
			err := got - (-3)
			worstLow = math.Min(worstLow, err)
			worstHigh = math.Max(worstHigh, err)
		}
	}
	t.Logf("true-peak error on sines 100 Hz..19.2 kHz: %+.3f .. %+.3f dB", worstLow, worstHigh)
	if worstLow < -0.6 || worstHigh > 0.6 {
		t.Errorf("true-peak error %+.3f..%+.3f dB", worstLow, worstHigh)
	}
}

// Chunking must not change results: feeding sample by sample, in odd
// chunks or all at once gives the same numbers.
func TestChunkingInvariance(t *testing.T) {
	const rate = 44100
	p := stereo(rate, []segment{{-30, 4}, {-18, 3.3}, {-45, 2}})
	a := New(rate, []float64{1, 1})
	a.Write(p)
	for _, chunk := range []int{1, 7, 441, 1000, 4097} {
		b := New(rate, []float64{1, 1})
		feed(b, p, chunk)
		for _, q := range []struct {
			name string
			x, y float64
		}{
			{"M", a.Momentary(), b.Momentary()},
			{"S", a.ShortTerm(), b.ShortTerm()},
			{"I", a.Integrated(), b.Integrated()},
			{"LRA", a.LoudnessRange(), b.LoudnessRange()},
			{"TP", a.TruePeak(-1), b.TruePeak(-1)},
		} {
			if math.Abs(q.x-q.y) > 1e-9 {
				t.Errorf("chunk %d: %s %v vs %v", chunk, q.name, q.y, q.x)
			}
		}
	}
}

func TestSilenceAndEmpty(t *testing.T) {
	m := New(48000, []float64{1, 1})
	if !math.IsInf(m.Integrated(), -1) || m.LoudnessRange() != 0 {
		t.Fatalf("empty meter: I=%v LRA=%v", m.Integrated(), m.LoudnessRange())
	}
	z := make([]float64, 48000*5)
	m.Write([][]float64{z, z})
	if !math.IsInf(m.Momentary(), -1) || !math.IsInf(m.Integrated(), -1) || m.TruePeak(-1) != 0 {
		t.Fatalf("silence: M=%v I=%v TP=%v", m.Momentary(), m.Integrated(), m.TruePeak(-1))
	}
}

// FuzzMeter feeds arbitrary samples in arbitrary chunks: nothing panics,
// results are never NaN, and the true peak is never below the sample peak.
func FuzzMeter(f *testing.F) {
	f.Add([]byte{1, 2, 3, 250, 0, 7}, uint16(100), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, ch uint8) {
		nch := int(ch%MaxChannels) + 1
		w := make([]float64, nch)
		for i := range w {
			w[i] = 1
		}
		m := New(8000+int(chunk)*3, w)
		n := len(data) / nch
		planes := make([][]float64, nch)
		var peak float64
		for c := range planes {
			planes[c] = make([]float64, n*50)
			for i := range planes[c] {
				v := (float64(data[(i%n)*nch+c]) - 128) / 128
				planes[c][i] = v
				peak = math.Max(peak, math.Abs(v))
			}
		}
		if n == 0 {
			return
		}
		feed(m, planes, int(chunk%2000)+1)
		for _, v := range []float64{m.Momentary(), m.ShortTerm(), m.Integrated(), m.LoudnessRange(), m.TruePeak(-1)} {
			if math.IsNaN(v) {
				t.Fatal("NaN")
			}
		}
		if m.TruePeak(-1) < peak-1e-12 {
			t.Fatalf("true peak %v below sample peak %v", m.TruePeak(-1), peak)
		}
	})
}

// BenchmarkMeter8ch measures the meter alone on 48 kHz 8-channel audio; one
// op is one second of audio.
func BenchmarkMeter8ch(b *testing.B) {
	const rate, ch = 48000, 8
	planes := make([][]float64, ch)
	for c := range planes {
		planes[c] = sineInto(make([]float64, rate), rate, 440*float64(c+1), -20, 0, 0)
	}
	w := []float64{1, 1, 1, 0, 1.41, 1.41, 1.41, 1.41}
	m := New(rate, w)
	sub := make([][]float64, ch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for off := 0; off < rate; off += 1024 {
			end := min(off+1024, rate)
			for c := range sub {
				sub[c] = planes[c][off:end]
			}
			m.Write(sub)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/s-audio")
}
