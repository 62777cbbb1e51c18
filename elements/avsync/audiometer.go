package avsync

import (
	"math"
	"time"
)

// AudioMeter cuts interleaved audio into blockDur blocks of mono-mixed
// features (energy, first-difference energy, marker-tone energy). It keeps
// the partial block across buffers, so buffer sizes do not matter, and
// dates blocks by counting samples from the last buffer timestamp, so the
// rounding of container timestamps does not jitter the onset timing.
//
// Per sample it costs a mix-down, two squares and one Goertzel step: about
// ten flops, ~0.5 ms of CPU per second of 48 kHz stereo.
//
// The zero AudioMeter is ready; it is not safe for concurrent use.
type AudioMeter struct {
	rate     int
	toneHz   float64
	blockLen int
	coeff    float64 // Goertzel 2cos(w)
	cosw     float64
	sinw     float64

	n       int // samples in the current block
	sumSq   float64
	hfSq    float64
	s1, s2  float64 // Goertzel state
	prev    float64 // previous mono sample (first difference)
	blockRT time.Duration
	next    time.Duration // running time of the next sample, if have
	have    bool

	mono []float64 // Planar's mix-down of a stereo buffer
}

// resyncTolerance is how far a buffer timestamp may stray from the sample
// count before the meter believes the timestamp (a real discontinuity). 10 ms
// is below a video frame and above the rounding of any container.
const resyncTolerance = 10 * time.Millisecond

// Reset drops the partial block and the timestamp continuity.
func (a *AudioMeter) Reset() {
	a.have = false
	a.startBlock(0)
}

func (a *AudioMeter) setup(rate int, toneHz float64) {
	a.rate, a.toneHz = rate, toneHz
	a.blockLen = max(1, int(math.Round(float64(rate)*blockDur.Seconds())))
	w := 2 * math.Pi * toneHz / float64(rate)
	a.cosw, a.sinw = math.Cos(w), math.Sin(w)
	a.coeff = 2 * a.cosw
	a.have = false
}

func (a *AudioMeter) startBlock(rt time.Duration) {
	a.n, a.sumSq, a.hfSq, a.s1, a.s2 = 0, 0, 0, 0, 0
	a.blockRT = rt
}

func (a *AudioMeter) sampleTime(i int) time.Duration {
	return time.Duration(int64(i) * int64(time.Second) / int64(a.rate))
}

// F32 meters interleaved float samples (full scale ±1) starting at running
// time rt, appending every completed block to out.
func (a *AudioMeter) F32(rt time.Duration, x []float32, channels, rate int, toneHz float64, out []AudioBlock) []AudioBlock {
	return meter(a, rt, x, channels, rate, toneHz, 1, out)
}

// S16 meters interleaved signed 16-bit samples.
func (a *AudioMeter) S16(rt time.Duration, x []int16, channels, rate int, toneHz float64, out []AudioBlock) []AudioBlock {
	return meter(a, rt, x, channels, rate, toneHz, 1.0/32768, out)
}

func meter[T int16 | float32](a *AudioMeter, rt time.Duration, x []T, channels, rate int, toneHz, scale float64, out []AudioBlock) []AudioBlock {
	if channels <= 0 || len(x) < channels {
		return out
	}
	frames := len(x) / channels
	if !a.begin(rt, frames, rate, toneHz) {
		return out
	}
	mix := scale / float64(channels)
	for i := 0; i < frames; i++ {
		var m float64
		row := x[i*channels : i*channels+channels]
		for _, v := range row {
			m += float64(v)
		}
		out = a.push(m*mix, out)
	}
	return out
}

// Planar meters planar float samples, planes[c][:n] for each channel
// (full scale ±1): the form audioqc converts every buffer to for its own
// detectors, so A/V sync reads that instead of converting again.
func (a *AudioMeter) Planar(rt time.Duration, planes [][]float64, n, rate int, toneHz float64, out []AudioBlock) []AudioBlock {
	channels := len(planes)
	if channels == 0 || n <= 0 {
		return out
	}
	for _, p := range planes {
		if len(p) < n {
			return out
		}
	}
	if !a.begin(rt, n, rate, toneHz) {
		return out
	}
	mix := 1 / float64(channels)
	switch channels {
	case 1:
		return a.pushMono(planes[0][:n], out)
	case 2:
		if cap(a.mono) < n {
			a.mono = make([]float64, n)
		}
		ms := a.mono[:n]
		l, r := planes[0][:n], planes[1][:n]
		for i := range ms {
			ms[i] = (l[i] + r[i]) * mix
		}
		return a.pushMono(ms, out)
	default:
		for i := 0; i < n; i++ {
			var m float64
			for _, p := range planes {
				m += p[i]
			}
			out = a.push(m*mix, out)
		}
	}
	return out
}

// pushMono is push for a run of mono samples, with the same arithmetic in
// the same order: the block's sums and Goertzel state stay in registers
// up to the block's end instead of going through memory every sample.
func (a *AudioMeter) pushMono(ms []float64, out []AudioBlock) []AudioBlock {
	for len(ms) > 0 {
		k := min(len(ms), a.blockLen-a.n)
		prev, sumSq, hfSq, s1, s2, coeff := a.prev, a.sumSq, a.hfSq, a.s1, a.s2, a.coeff
		for _, m := range ms[:k] {
			if m != m { // NaN from a broken decoder: count it as silence
				m = 0
			}
			d := m - prev
			prev = m
			sumSq += m * m
			hfSq += d * d
			s0 := (m - s2) + coeff*s1 // s1's term last: see push
			s2, s1 = s1, s0
		}
		a.prev, a.sumSq, a.hfSq, a.s1, a.s2 = prev, sumSq, hfSq, s1, s2
		a.n += k
		ms = ms[k:]
		if a.n == a.blockLen {
			out = append(out, a.block())
			a.startBlock(a.blockRT + a.sampleTime(a.blockLen))
		}
	}
	return out
}

// begin prepares for a buffer of frames samples at running time rt; false
// means the buffer is not metered (bad rate, outside the segment).
func (a *AudioMeter) begin(rt time.Duration, frames, rate int, toneHz float64) bool {
	if rate <= 0 || frames <= 0 {
		return false
	}
	if rate != a.rate || toneHz != a.toneHz || a.blockLen == 0 {
		a.setup(rate, toneHz)
	}
	if rt < 0 {
		// Outside the segment (clipped pre-roll): not part of the
		// timeline the video shares.
		a.have = false
		return false
	}
	if !a.have || absDur(rt-a.next) > resyncTolerance {
		a.have = true
		a.prev = 0
		a.startBlock(rt)
	}
	a.next = a.blockStartNext(frames)
	return true
}

// push meters one mono sample.
func (a *AudioMeter) push(m float64, out []AudioBlock) []AudioBlock {
	if m != m { // NaN from a broken decoder: count it as silence
		m = 0
	}
	d := m - a.prev
	a.prev = m
	a.sumSq += m * m
	a.hfSq += d * d
	// s1's term last: the next sample then waits on one multiply and one
	// addition, not on a multiply and two (s2 is known a sample sooner).
	s0 := (m - a.s2) + a.coeff*a.s1
	a.s2, a.s1 = a.s1, s0
	a.n++
	if a.n == a.blockLen {
		out = append(out, a.block())
		a.startBlock(a.blockRT + a.sampleTime(a.blockLen))
	}
	return out
}

// blockStartNext is the running time just after the buffer being metered,
// counted in samples from the current block start.
func (a *AudioMeter) blockStartNext(frames int) time.Duration {
	return a.blockRT + a.sampleTime(a.n+frames)
}

func (a *AudioMeter) block() AudioBlock {
	n := float64(a.n)
	// |X|² of the Goertzel bin; a sine of amplitude A filling the block
	// gives |X| = A·n/2, so 2|X|²/n² is its mean square A²/2.
	re := a.s1 - a.s2*a.cosw
	im := a.s2 * a.sinw
	tone := 2 * (re*re + im*im) / (n * n)
	return AudioBlock{
		RT:     a.blockRT,
		Dur:    a.sampleTime(a.n),
		Energy: a.sumSq / n,
		HF:     a.hfSq / n,
		Tone:   tone,
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
