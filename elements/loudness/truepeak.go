package loudness

import (
	"math"

	"github.com/avwatch/avwatch/internal/simd"
)

// True peak per ITU-R BS.1770-4 Annex 2: oversample 4x with an
// interpolating low-pass, take the largest absolute value.
//
// The Annex's example filter (48 taps, four 12-tap phases) has ±0.24 dB of
// ripple at the frequencies of EBU Tech 3341's true-peak cases and none of
// its phases lands on the input samples, so it reads case 17 (fs/6) at
// -6.30 dBTP instead of -6.0 — inside Tech 3341's +0.2/-0.4 dB but not
// inside ±0.2. We keep the Annex's method and use a better interpolator of
// the same cost: a Kaiser-windowed sinc (β = 5, 16 taps per phase) whose
// phase 0 is the input itself and whose phases sit at 1/4, 1/2 and 3/4 of a
// sample. Its gain is flat to ±0.025 dB up to 0.35 fs and -0.03 dB at
// 0.4 fs (19.2 kHz at 48 kHz); a peak that falls between two of the 4x
// points reads low by at most 1-cos(π f/4) (0.17 dB at fs/4), as with any
// 4x meter.
//
// Cost: phases 1/4 and 3/4 mirror each other around the half sample, so
// with s = x[n-k]+x[n+1+k] and d = x[n-k]-x[n+1+k] their outputs are E+F
// and E-F and max(|E+F|,|E-F|) = |E|+|F|; phase 1/2 is symmetric and needs
// only the s terms. That is 24 multiplies per input sample for 3 phases.
const (
	tpHalf = 8          // taps on each side of the interpolated point
	tpLen  = 2 * tpHalf // window length
	// TPDelay is how many samples the interpolated points lag the newest
	// input sample of their window.
	TPDelay = tpHalf
	tpBeta  = 5.0
)

// tpCoef: e/f for the 1/4 and 3/4 pair, m for the 1/2 phase. Index k
// multiplies the k-th sample pair outward from the centre.
var tpCoef = func() (c struct{ e, f, m [tpHalf]float64 }) {
	q := tpTaps(0.25)
	h := tpTaps(0.5)
	for k := 0; k < tpHalf; k++ {
		a, b := q[tpHalf-1-k], q[tpHalf+k] // taps on x[n-k], x[n+1+k]
		c.e[k] = (a + b) / 2
		c.f[k] = (a - b) / 2
		c.m[k] = h[tpHalf+k] // = h[tpHalf-1-k] by symmetry
	}
	return
}()

// tpCoefVec is tpCoef for the vector kernel: e, f, m, each coefficient
// broadcast to four lanes.
var tpCoefVec = func() (v [3 * tpHalf][4]float64) {
	for k := 0; k < tpHalf; k++ {
		for l := range v[k] {
			v[k][l], v[tpHalf+k][l], v[2*tpHalf+k][l] = tpCoef.e[k], tpCoef.f[k], tpCoef.m[k]
		}
	}
	return
}()

// tpTaps designs the taps on x[n-7..n+8] that interpolate x at n+mu,
// normalised to unit DC gain.
func tpTaps(mu float64) [tpLen]float64 {
	var h [tpLen]float64
	var sum float64
	for j := -tpHalf + 1; j <= tpHalf; j++ {
		t := float64(j) - mu
		s := 1.0
		if t != 0 {
			s = math.Sin(math.Pi*t) / (math.Pi * t)
		}
		r := t / tpHalf
		w := 0.0
		if r*r < 1 {
			w = besselI0(tpBeta*math.Sqrt(1-r*r)) / besselI0(tpBeta)
		}
		h[j+tpHalf-1] = s * w
		sum += s * w
	}
	for i := range h {
		h[i] /= sum
	}
	return h
}

func besselI0(x float64) float64 {
	s, t := 1.0, 1.0
	for k := 1; k < 60; k++ {
		t *= x / 2 / float64(k)
		s += t * t
	}
	return s
}

// TPState is one channel's interpolator memory: the last 15 input samples,
// oldest first.
type TPState struct {
	hist [tpLen - 1]float64
}

// tpWindow returns the largest |interpolated value| between w[7] and w[8]
// (w holds 16 consecutive samples).
func tpWindow(w []float64) float64 {
	_ = w[tpLen-1]
	var E, F, M float64
	for k := 0; k < tpHalf; k++ {
		a, b := w[tpHalf-1-k], w[tpHalf+k]
		s, d := a+b, a-b
		E += tpCoef.e[k] * s
		F += tpCoef.f[k] * d
		M += tpCoef.m[k] * s
	}
	return math.Max(math.Abs(E)+math.Abs(F), math.Abs(M))
}

// TruePeak returns the largest absolute value of x oversampled 4x (the
// samples themselves included), continuing from st. It is linear
// (1.0 = 0 dBTP).
func TruePeak(st *TPState, x []float64) float64 {
	var peak float64
	n := len(x)
	// Head: windows that reach into the history.
	var w [tpLen]float64
	for i := 0; i < min(n, tpLen-1); i++ {
		copy(w[:], st.hist[i:])
		copy(w[tpLen-1-i:], x[:i+1])
		peak = math.Max(peak, tpWindow(w[:]))
	}
	// Body: windows entirely inside x. This loop is most of an audioqc's
	// CPU time: pairwise (tree) sums shorten the dependency chains, and
	// reading the coefficients through a pointer keeps them out of the
	// register file (which otherwise spills every iteration).
	c := &tpCoef
	i := tpLen - 1
	if q := (n - i) / 4; haveKernels && simd.AVX2 && q > 0 {
		peak = max(peak, truePeakAVX2(&x[0], q, &tpCoefVec))
		i += 4 * q
	}
	for ; i < n; i++ {
		v := x[i-(tpLen-1) : i+1 : i+1]
		s0, d0 := v[7]+v[8], v[7]-v[8]
		s1, d1 := v[6]+v[9], v[6]-v[9]
		s2, d2 := v[5]+v[10], v[5]-v[10]
		s3, d3 := v[4]+v[11], v[4]-v[11]
		E := (c.e[0]*s0 + c.e[1]*s1) + (c.e[2]*s2 + c.e[3]*s3)
		F := (c.f[0]*d0 + c.f[1]*d1) + (c.f[2]*d2 + c.f[3]*d3)
		M := (c.m[0]*s0 + c.m[1]*s1) + (c.m[2]*s2 + c.m[3]*s3)
		s4, d4 := v[3]+v[12], v[3]-v[12]
		s5, d5 := v[2]+v[13], v[2]-v[13]
		s6, d6 := v[1]+v[14], v[1]-v[14]
		s7, d7 := v[0]+v[15], v[0]-v[15]
		E += (c.e[4]*s4 + c.e[5]*s5) + (c.e[6]*s6 + c.e[7]*s7)
		F += (c.f[4]*d4 + c.f[5]*d5) + (c.f[6]*d6 + c.f[7]*d7)
		M += (c.m[4]*s4 + c.m[5]*s5) + (c.m[6]*s6 + c.m[7]*s7)
		peak = max(peak, math.Abs(E)+math.Abs(F), math.Abs(M))
	}
	for _, v := range x {
		if a := math.Abs(v); a > peak {
			peak = a
		}
	}
	st.advance(x)
	return peak
}

// A bound on the true peak that costs a pass of compares instead of the
// interpolation, so that chunks that cannot matter are not oversampled.
// Every interpolated point is y = Σ h_j·w_j over a window w of 16 samples,
// so with pk the largest |w_j| and dmax the largest |w_j+1 − w_j|:
//
//	|y| <= tpGain·pk                     tpGain = max over phases of Σ|h_j|
//	|y| <= pk + tpSlope·dmax             y minus the linear interpolation
//	                                     between w7 and w8 (at most pk) is
//	                                     Σ D_j·(w_j − w_j+1), D the running
//	                                     sums of their tap differences;
//	                                     tpSlope = max over phases of Σ|D_j|
//
// Both hold for any input, band-limited or not (tpGain = 2.10, +6.4 dB;
// tpSlope = 0.55). For programme, whose energy lies well below fs/4, the
// second is within a few tenths of a dB of the sample peak (a 1 kHz tone:
// +0.6 dB). tpMargin covers the rounding of the interpolation's sums.
var tpGain, tpSlope = func() (gain, slope float64) {
	for _, mu := range []float64{0.25, 0.5, 0.75} {
		h := tpTaps(mu)
		var d [tpLen]float64
		copy(d[:], h[:])
		d[tpHalf-1] -= 1 - mu // linear interpolation between w7 and w8
		d[tpHalf] -= mu
		var g, run, sl float64
		for j := range h {
			g += math.Abs(h[j])
			run += d[j]
			sl += math.Abs(run)
		}
		gain, slope = max(gain, g), max(slope, sl)
	}
	return
}()

const tpMargin = 1 + 1e-9

// TruePeakAbove is TruePeak for callers that only need true peaks above
// floor: when the bound above shows that no interpolated point of x can
// exceed floor, it skips the interpolation (keeping st up to date) and
// returns the sample peak max|x| instead, which is then <= floor and never
// more than the true peak. floor <= 0 always interpolates.
func TruePeakAbove(st *TPState, x []float64, floor float64) float64 {
	if floor <= 0 || len(x) == 0 {
		return TruePeak(st, x)
	}
	var pk, dmax float64
	prev := st.hist[0]
	for _, v := range st.hist {
		pk = max(pk, math.Abs(v))
		dmax = max(dmax, math.Abs(v-prev))
		prev = v
	}
	xpk, xd := peakAndSlope(x, prev)
	dmax = max(dmax, xd)
	pk = max(pk, xpk)
	if min(tpGain*pk, pk+tpSlope*dmax)*tpMargin > floor {
		return TruePeak(st, x)
	}
	st.advance(x)
	return xpk
}

// peakAndSlope returns max|x[i]| and max|x[i]−x[i−1]| (x[−1] = prev).
// Maxima do not depend on the order they are taken in, so two of each run
// side by side, with plain compares: most samples change neither, the
// branches are predicted, and the loop is not held up by max's NaN
// handling (a NaN sample is passed over; audiodetect maps NaN to 0
// before it gets here).
func peakAndSlope(x []float64, prev float64) (pk, dmax float64) {
	var p0, p1, d0, d1 float64
	i := 0
	if q := (len(x) - 1) / 4; haveKernels && simd.AVX2 && q > 0 {
		// x[0] (against prev) below, x[1…4q] in the kernel.
		p0, d0 = peakSlopeAVX2(&x[1], q)
		a, e := math.Abs(x[0]), math.Abs(x[0]-prev)
		if a > p0 {
			p0 = a
		}
		if e > d0 {
			d0 = e
		}
		i = 4*q + 1
		prev = x[i-1]
	}
	for ; i+1 < len(x); i += 2 {
		v0, v1 := x[i], x[i+1]
		a0, a1 := math.Abs(v0), math.Abs(v1)
		e0, e1 := math.Abs(v0-prev), math.Abs(v1-v0)
		if a0 > p0 {
			p0 = a0
		}
		if a1 > p1 {
			p1 = a1
		}
		if e0 > d0 {
			d0 = e0
		}
		if e1 > d1 {
			d1 = e1
		}
		prev = v1
	}
	if i < len(x) {
		v := x[i]
		if a := math.Abs(v); a > p0 {
			p0 = a
		}
		if e := math.Abs(v - prev); e > d0 {
			d0 = e
		}
	}
	return max(p0, p1), max(d0, d1)
}

// advance moves the history on by x.
func (st *TPState) advance(x []float64) {
	n := len(x)
	if n >= tpLen-1 {
		copy(st.hist[:], x[n-(tpLen-1):])
	} else {
		copy(st.hist[:], st.hist[n:])
		copy(st.hist[tpLen-1-n:], x)
	}
}

// windowAt fills w with the 16 samples ending at x[i], reaching into the
// history st (as it was before x) for i < 15.
func windowAt(w *[tpLen]float64, st *TPState, x []float64, i int) {
	for j := 0; j < tpLen; j++ {
		idx := i - (tpLen - 1) + j
		if idx < 0 {
			w[j] = st.hist[tpLen-1+idx]
		} else {
			w[j] = x[idx]
		}
	}
}

// FirstOver returns the index in x of the first sample at which the true
// peak exceeds limit, judged as TruePeak judges; -1 if none. st must be the
// state as it was before x. It is the slow path, run only on a chunk
// already known to hold an over, to date the over to the sample.
func FirstOver(st *TPState, x []float64, limit float64) int {
	var w [tpLen]float64
	for i := range x {
		if math.Abs(x[i]) > limit {
			return i
		}
		windowAt(&w, st, x, i)
		if tpWindow(w[:]) > limit {
			// The interpolated point lies between samples i-8 and i-7.
			return max(i-TPDelay+1, 0)
		}
	}
	return -1
}

// LastOver is FirstOver from the end: the index of the last sample at which
// the true peak exceeds limit, or -1.
func LastOver(st *TPState, x []float64, limit float64) int {
	var w [tpLen]float64
	for i := len(x) - 1; i >= 0; i-- {
		if math.Abs(x[i]) > limit {
			return i
		}
		windowAt(&w, st, x, i)
		if tpWindow(w[:]) > limit {
			return max(i-TPDelay, 0)
		}
	}
	return -1
}
