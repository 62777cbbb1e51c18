package synth

import (
	"math"
	"testing"
	"time"
)

// The programme sound must be clean for every audio detector: -23 LUFS,
// true peak well under -1 dBTP, positively correlated, never near silence.
func TestProgrammeIsClean(t *testing.T) {
	start := time.Now()
	s := Programme(7, 20*Rate)
	el := time.Since(start)
	l := IntegratedLUFS(s.Chans(), Rate)
	tp := ToDB(TruePeak(s.Chans()))
	corr := Correlation(s.L, s.R)
	st := ShortTermLUFS(s.Chans(), Rate, 0.1)
	minST, maxST := Percentile(st, 0), Percentile(st, 100)
	// Quietest 400 ms block, as RMS dBFS.
	quiet := math.Inf(1)
	for a := 0; a+Rate*4/10 <= s.Len(); a += Rate / 10 {
		quiet = math.Min(quiet, ToDB(RMS(s.Slice(a, a+Rate*4/10).Chans())))
	}
	t.Logf("render %v: %.2f LUFS, true peak %.2f dBTP, corr %.3f, short-term %.1f..%.1f LUFS, quietest 400ms %.1f dBFS", el, l, tp, corr, minST, maxST, quiet)
	if math.Abs(l+23) > 0.1 {
		t.Errorf("loudness %.2f LUFS, want -23", l)
	}
	if tp > -3 {
		t.Errorf("true peak %.2f dBTP, want well under -1", tp)
	}
	if corr < 0.5 {
		t.Errorf("correlation %.2f, want clearly positive", corr)
	}
	if minST < -28 || maxST > -18 {
		t.Errorf("short-term loudness %.1f..%.1f leaves -23±5", minST, maxST)
	}
	if quiet < -50 {
		t.Errorf("quietest block %.1f dBFS: pauses too deep", quiet)
	}
}

func TestLimiterCeiling(t *testing.T) {
	s := Programme(3, 5*Rate)
	s.Scale(DB(25))
	Limit(s, DB(-3), 0.15)
	var peak float64
	for _, ch := range s.Chans() {
		for _, v := range ch {
			peak = math.Max(peak, math.Abs(v))
		}
	}
	if peak > DB(-3)+1e-9 {
		t.Fatalf("peak %.3f over ceiling", ToDB(peak))
	}
	t.Logf("after +25 dB and limiting: %.2f LUFS", IntegratedLUFS(s.Chans(), Rate))
}

// A 1 kHz sine at -20 dBFS in both channels reads -20+3-0.691+... per BS.1770:
// the reference is that a 0 dBFS 1 kHz sine in one channel reads -3.01 LKFS.
func TestLoudnessReference(t *testing.T) {
	n := 10 * Rate
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Sin(2 * math.Pi * 1000 * float64(i) / Rate)
	}
	l := IntegratedLUFS([][]float64{x}, Rate)
	if math.Abs(l+3.01) > 0.05 {
		t.Fatalf("0 dBFS 1 kHz sine reads %.3f LUFS, want -3.01", l)
	}
}

func BenchmarkScene720(b *testing.B) {
	p := NewScene(1, 1280, 720)
	f := NewFrame(1280, 720)
	for i := 0; i < b.N; i++ {
		p.Render(f, float64(i)/25)
	}
}

func BenchmarkScene1080(b *testing.B) {
	p := NewScene(1, 1920, 1080)
	f := NewFrame(1920, 1080)
	for i := 0; i < b.N; i++ {
		p.Render(f, float64(i)/25)
	}
}
