package avsync

import (
	"math"
	"testing"
	"time"
)

func sine(n, rate int, freq, amp float64, start int) []float32 {
	x := make([]float32, n)
	for i := start; i < n; i++ {
		x[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i-start)/float64(rate)))
	}
	return x
}

func TestAudioMeterLevels(t *testing.T) {
	for _, rate := range []int{48000, 44100, 32000, 16000} {
		var m AudioMeter
		bl := m.F32(0, sine(rate, rate, 1000, 1, 0), 1, rate, 1000, nil)
		if want := rate / (rate * 5 / 1000); len(bl) < want-1 || len(bl) > want+1 {
			t.Fatalf("%d Hz: %d blocks in 1 s, want ~%d", rate, len(bl), want)
		}
		b := bl[len(bl)/2]
		if math.Abs(b.Energy-0.5) > 0.02 || math.Abs(b.Tone-0.5) > 0.05 {
			t.Errorf("%d Hz: full-scale 1 kHz sine: energy %.3f tone %.3f, want 0.5 0.5", rate, b.Energy, b.Tone)
		}
		bl = m.F32(time.Second, sine(rate, rate, 3000, 1, 0), 1, rate, 1000, bl[:0])
		if b := bl[len(bl)/2]; b.Tone > 0.02*b.Energy {
			t.Errorf("%d Hz: 3 kHz sine leaks %.3f of its energy into the 1 kHz tone", rate, b.Tone/b.Energy)
		}
	}
}

func TestAudioMeterBufferSizesDoNotMatter(t *testing.T) {
	const rate = 48000
	x := sine(rate, rate, 440, 0.5, 0)
	var one AudioMeter
	want := one.F32(0, x, 1, rate, 1000, nil)
	var m AudioMeter
	var got []AudioBlock
	for i, sz := 0, 1; i < len(x); sz = sz%997 + 13 {
		end := min(i+sz, len(x))
		rt := time.Duration(int64(i) * int64(time.Second) / rate)
		got = m.F32(rt, x[i:end], 1, rate, 1000, got)
		i = end
	}
	if len(got) != len(want) {
		t.Fatalf("%d blocks, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].RT != want[i].RT || math.Abs(got[i].Energy-want[i].Energy) > 1e-9 {
			t.Fatalf("block %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestAudioMeterS16MatchesF32AndMixesChannels(t *testing.T) {
	const rate = 48000
	mono := sine(4800, rate, 1000, 0.5, 0)
	st16 := make([]int16, 2*len(mono))
	stf := make([]float32, 2*len(mono))
	for i, v := range mono {
		st16[2*i], st16[2*i+1] = int16(v*32768), int16(v*32768)
		stf[2*i], stf[2*i+1] = v, v
	}
	var a, b AudioMeter
	x := a.S16(0, st16, 2, rate, 1000, nil)
	y := b.F32(0, stf, 2, rate, 1000, nil)
	for i := range x {
		if math.Abs(x[i].Energy-y[i].Energy) > 1e-4 || math.Abs(x[i].Tone-y[i].Tone) > 1e-4 {
			t.Fatalf("block %d: s16 %+v f32 %+v", i, x[i], y[i])
		}
	}
	if math.Abs(y[5].Energy-0.125) > 0.005 {
		t.Fatalf("stereo mix of two identical channels: energy %.4f, want 0.125", y[5].Energy)
	}
}

// Planar float (audioqc's converted buffers) meters like interleaved, for
// 1, 2 and 6 channels, whatever the buffer sizes.
func TestAudioMeterPlanarMatchesInterleaved(t *testing.T) {
	const rate = 48000
	mono := sine(9600, rate, 1000, 0.5, 0)
	for _, ch := range []int{1, 2, 6} {
		inter := make([]float32, ch*len(mono))
		planes := make([][]float64, ch)
		for c := range planes {
			planes[c] = make([]float64, len(mono))
		}
		for i, v := range mono {
			for c := 0; c < ch; c++ {
				w := v * float32(c+1) / float32(ch) // channels differ
				inter[i*ch+c] = w
				planes[c][i] = float64(w)
			}
		}
		var a, b AudioMeter
		want := a.F32(0, inter, ch, rate, 1000, nil)
		var got []AudioBlock
		for i, sz := 0, 7; i < len(mono); sz = sz%1500 + 331 {
			end := min(i+sz, len(mono))
			sub := make([][]float64, ch)
			for c := range sub {
				sub[c] = planes[c][i:end]
			}
			rt := time.Duration(int64(i) * int64(time.Second) / rate)
			got = b.Planar(rt, sub, end-i, rate, 1000, got)
			i = end
		}
		if len(got) != len(want) {
			t.Fatalf("%d channels: %d blocks, want %d", ch, len(got), len(want))
		}
		for i := range got {
			if got[i].RT != want[i].RT || math.Abs(got[i].Energy-want[i].Energy) > 1e-6 || math.Abs(got[i].Tone-want[i].Tone) > 1e-6 {
				t.Fatalf("%d channels, block %d: planar %+v, interleaved %+v", ch, i, got[i], want[i])
			}
		}
	}
	var m AudioMeter
	if bl := m.Planar(0, [][]float64{make([]float64, 10)}, 20, rate, 1000, nil); len(bl) != 0 {
		t.Fatal("planes shorter than n must be refused")
	}
}

func TestAudioMeterFollowsTimestampJumps(t *testing.T) {
	const rate = 48000
	var m AudioMeter
	x := make([]float32, 960)
	bl := m.F32(0, x, 1, rate, 1000, nil)
	// 2 ms of timestamp jitter: sample counting wins.
	bl = m.F32(20*time.Millisecond+2*time.Millisecond, x, 1, rate, 1000, bl[:0])
	if bl[0].RT != 20*time.Millisecond {
		t.Fatalf("jittered buffer: first block at %v, want 20ms", bl[0].RT)
	}
	// A 500 ms jump is believed.
	bl = m.F32(540*time.Millisecond, x, 1, rate, 1000, bl[:0])
	if bl[0].RT != 540*time.Millisecond {
		t.Fatalf("after a jump: first block at %v, want 540ms", bl[0].RT)
	}
	// Negative running time (clipped pre-roll) is skipped.
	if bl = m.F32(-time.Second, x, 1, rate, 1000, bl[:0]); len(bl) != 0 {
		t.Fatalf("pre-roll produced %d blocks", len(bl))
	}
}

func TestLumaMeter(t *testing.T) {
	const w, h, stride = 64, 48, 80
	plane := make([]byte, stride*h)
	for i := range plane {
		plane[i] = 16
	}
	var l LumaMeter
	luma, diff, bright := l.Measure(plane, w, h, stride)
	if math.Abs(luma-16.0/255) > 1e-9 || diff != 0 || bright != 0 {
		t.Fatalf("black frame: %v %v %v", luma, diff, bright)
	}
	// White patch on the left quarter of the picture.
	for y := 0; y < h; y++ {
		for x := 0; x < w/4; x++ {
			plane[y*stride+x] = 235
		}
	}
	luma, diff, bright = l.Measure(plane, w, h, stride)
	if math.Abs(bright-0.25) > 0.01 || math.Abs(diff-0.25*219/255) > 0.01 || luma <= 16.0/255 {
		t.Fatalf("patch: luma %v diff %v bright %v", luma, diff, bright)
	}
	// Bytes beyond width in each row (stride padding) are never read.
	for y := 0; y < h; y++ {
		for x := w; x < stride; x++ {
			plane[y*stride+x] = 255
		}
	}
	if _, d, b := l.Measure(plane, w, h, stride); d != 0 || math.Abs(b-0.25) > 0.01 {
		t.Fatalf("padding was read: diff %v bright %v", d, b)
	}
	if a, b, c := l.Measure(plane[:10], w, h, stride); a != 0 || b != 0 || c != 0 {
		t.Fatal("short plane must measure nothing")
	}
}
