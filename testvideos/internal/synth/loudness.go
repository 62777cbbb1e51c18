package synth

import (
	"math"
	"sort"
)

// K-weighting at 48 kHz, ITU-R BS.1770-4 table 1 and 2.
func kWeight() (*Biquad, *Biquad) {
	return &Biquad{b0: 1.53512485958697, b1: -2.69169618940638, b2: 1.19839281085285, a1: -1.69065929318241, a2: 0.73248077421585},
		&Biquad{b0: 1, b1: -2, b2: 1, a1: -1.99004745483398, a2: 0.99007225036621}
}

// blockPowers returns the K-weighted mean-square power summed over channels
// of each gating block of length blockS seconds, hopping by hopS.
func blockPowers(chans [][]float64, rate int, blockS, hopS float64) []float64 {
	n := len(chans[0])
	weighted := make([][]float64, len(chans))
	for c, ch := range chans {
		s1, s2 := kWeight()
		w := make([]float64, n)
		for i, x := range ch {
			w[i] = s2.Process(s1.Process(x))
		}
		weighted[c] = w
	}
	bl, hop := int(blockS*float64(rate)), int(hopS*float64(rate))
	var out []float64
	for start := 0; start+bl <= n; start += hop {
		var z float64
		for _, w := range weighted {
			var s float64
			for _, v := range w[start : start+bl] {
				s += v * v
			}
			z += s / float64(bl)
		}
		out = append(out, z)
	}
	return out
}

func powerToLUFS(z float64) float64 { return -0.691 + 10*math.Log10(z) }

// IntegratedLUFS is the gated integrated loudness of BS.1770-4 (48 kHz,
// channels weighted 1: stereo or mono). It returns -inf for silence.
func IntegratedLUFS(chans [][]float64, rate int) float64 {
	z := blockPowers(chans, rate, 0.4, 0.1)
	var abs []float64
	for _, p := range z {
		if powerToLUFS(p) > -70 {
			abs = append(abs, p)
		}
	}
	if len(abs) == 0 {
		return math.Inf(-1)
	}
	rel := powerToLUFS(mean(abs)) - 10
	var gated []float64
	for _, p := range abs {
		if powerToLUFS(p) > rel {
			gated = append(gated, p)
		}
	}
	return powerToLUFS(mean(gated))
}

// ShortTermLUFS returns short-term loudness (3 s windows) every hopS seconds.
func ShortTermLUFS(chans [][]float64, rate int, hopS float64) []float64 {
	z := blockPowers(chans, rate, 3, hopS)
	out := make([]float64, len(z))
	for i, p := range z {
		out[i] = powerToLUFS(p)
	}
	return out
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TruePeak estimates the true peak (linear) by 4x oversampling with a
// windowed-sinc interpolator, as BS.1770-4 annex 2 suggests.
func TruePeak(chans [][]float64) float64 {
	const L, taps = 4, 48 // 12 taps per phase
	var h [L][taps / L]float64
	for k := 0; k < taps; k++ {
		x := (float64(k) - float64(taps-1)/2) / L
		s := 1.0
		if x != 0 {
			s = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		win := 0.5 - 0.5*math.Cos(2*math.Pi*(float64(k)+0.5)/taps)
		h[k%L][k/L] = s * win
	}
	peak := 0.0
	for _, ch := range chans {
		for i := taps / L; i < len(ch); i++ {
			for ph := 0; ph < L; ph++ {
				var acc float64
				for j := 0; j < taps/L; j++ {
					acc += h[ph][j] * ch[i-j]
				}
				if a := math.Abs(acc); a > peak {
					peak = a
				}
			}
		}
	}
	return peak
}

// RMS is the root-mean-square over all channels.
func RMS(chans [][]float64) float64 {
	var s float64
	var n int
	for _, ch := range chans {
		for _, v := range ch {
			s += v * v
		}
		n += len(ch)
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(s / float64(n))
}

// Correlation is the Pearson correlation of two channels (1 = identical,
// -1 = one inverted, 0 = unrelated or one silent).
func Correlation(a, b []float64) float64 {
	var sab, saa, sbb float64
	for i := range a {
		sab += a[i] * b[i]
		saa += a[i] * a[i]
		sbb += b[i] * b[i]
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// Percentile returns the p-th percentile (0..100) of v.
func Percentile(v []float64, p float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return math.NaN()
	}
	i := int(p / 100 * float64(len(s)-1))
	return s[i]
}
