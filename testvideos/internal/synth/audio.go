package synth

import "math"

// Rate is the sample rate of every clip.
const Rate = 48000

// Stereo is a two-channel float signal, full scale ±1.
type Stereo struct{ L, R []float64 }

// NewStereo allocates n silent samples per channel.
func NewStereo(n int) Stereo { return Stereo{make([]float64, n), make([]float64, n)} }

// Chans returns the channels as a slice (for the meters).
func (s Stereo) Chans() [][]float64 { return [][]float64{s.L, s.R} }

// Len is the number of samples per channel.
func (s Stereo) Len() int { return len(s.L) }

// Slice returns samples [a, b) of both channels (sharing memory).
func (s Stereo) Slice(a, b int) Stereo { return Stereo{s.L[a:b], s.R[a:b]} }

// Scale multiplies both channels by g.
func (s Stereo) Scale(g float64) {
	for i := range s.L {
		s.L[i] *= g
		s.R[i] *= g
	}
}

// Add mixes o (same length or shorter) into s scaled by g.
func (s Stereo) Add(o Stereo, g float64) {
	for i := range o.L {
		s.L[i] += g * o.L[i]
		s.R[i] += g * o.R[i]
	}
}

// Sec converts seconds to a sample index.
func Sec(t float64) int { return int(math.Round(t * Rate)) }

// NormalizeLUFS scales s so that its integrated loudness is target and
// returns the gain applied.
func NormalizeLUFS(s Stereo, target float64) float64 {
	l := IntegratedLUFS(s.Chans(), Rate)
	g := DB(target - l)
	s.Scale(g)
	return g
}

func normRMS(x []float64, target float64) {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	if ss == 0 {
		return
	}
	g := target / math.Sqrt(ss/float64(len(x)))
	for i := range x {
		x[i] *= g
	}
}

var vowels = [][3]float64{
	{730, 1090, 2440}, {270, 2290, 3010}, {300, 870, 2240},
	{530, 1840, 2480}, {570, 840, 2410}, {660, 1720, 2410},
}

// Speech renders n samples of a speech-like mono signal: phrases of
// syllables (a pulse train through three formant resonators, some with a
// fricative onset), separated by pauses. It has the envelope statistics of
// speech (syllable rate ≈ 4 Hz, pauses), which is what level, loudness and
// onset detectors look at.
func Speech(seed uint64, n int) []float64 {
	r := NewRand(seed)
	out := make([]float64, n)
	f1, f2, f3 := BandPass(Rate, 500, 6), BandPass(Rate, 1500, 12), BandPass(Rate, 2500, 16)
	fric := HighPass(Rate, 3500, 0.7)
	tilt := 0.0
	baseF0 := r.Range(105, 190)
	phase := 0.0
	pos := int(r.Range(0.05, 0.3) * Rate)
	for pos < n {
		phraseEnd := pos + int(r.Range(1.2, 3.5)*Rate)
		decl := r.Range(0.75, 0.95)
		phraseStart := pos
		for pos < phraseEnd && pos < n {
			dur := int(r.Range(0.12, 0.32) * Rate)
			v := vowels[r.Intn(len(vowels))]
			f1.RetuneBandPass(Rate, v[0], v[0]/80)
			f2.RetuneBandPass(Rate, v[1], v[1]/100)
			f3.RetuneBandPass(Rate, v[2], v[2]/150)
			accent := r.Range(0.9, 1.25)
			amp := r.Range(0.6, 1)
			fricN := 0
			if r.Intn(10) < 3 {
				fricN = int(r.Range(0.04, 0.09) * Rate)
			}
			for i := 0; i < fricN+dur && pos < n; i, pos = i+1, pos+1 {
				if i < fricN {
					w := math.Sin(math.Pi * float64(i) / float64(fricN))
					out[pos] += 0.25 * w * fric.Process(r.Float64()*2-1)
					continue
				}
				j := i - fricN
				prog := float64(pos-phraseStart) / float64(phraseEnd-phraseStart)
				f0 := baseF0 * accent * (1 - (1-decl)*prog)
				phase += f0 / Rate
				e := 0.02 * (r.Float64()*2 - 1)
				if phase >= 1 {
					phase -= 1
					e += 1
				}
				tilt = 0.85*tilt + e
				env := 1.0
				att, rel := int(0.02*Rate), int(0.05*Rate)
				if j < att {
					env = 0.5 - 0.5*math.Cos(math.Pi*float64(j)/float64(att))
				} else if j > dur-rel {
					env = 0.5 + 0.5*math.Cos(math.Pi*float64(j-(dur-rel))/float64(rel))
				}
				out[pos] += amp * env * (f1.Process(tilt) + 0.6*f2.Process(tilt) + 0.3*f3.Process(tilt))
			}
			pos += int(r.Range(0.02, 0.1) * Rate)
		}
		pos += int(r.Range(0.25, 0.7) * Rate)
	}
	normRMS(out, 0.1)
	return out
}

// scale used by Pad: A minor, fundamentals 110..392 Hz.
var scaleHz = []float64{110, 130.81, 146.83, 164.81, 196, 220, 261.63, 293.66, 329.63, 392}

// Pad renders sustained chords that change every 1.5–4 s (at chordAt, if
// given, instead), with harmonics up to maxHarm, voices panned across the
// stereo image. It is the continuous part of the programme: it keeps the
// level up in speech pauses.
func Pad(seed uint64, n, maxHarm int, chordAt []int) Stereo {
	r := NewRand(seed)
	s := NewStereo(n)
	var bounds []int
	if chordAt != nil {
		bounds = append([]int{0}, chordAt...)
	} else {
		for p := 0; p < n; p += int(r.Range(1.5, 4) * Rate) {
			bounds = append(bounds, p)
		}
	}
	bounds = append(bounds, n)
	fade := int(0.15 * Rate)
	for c := 0; c+1 < len(bounds); c++ {
		a, b := bounds[c], bounds[c+1]
		for v := 0; v < 3; v++ {
			f := scaleHz[r.Intn(len(scaleHz))]
			pan := r.Range(0.25, 0.75) * math.Pi / 2
			gl, gr := math.Cos(pan), math.Sin(pan)
			ph := r.Range(0, 2*math.Pi)
			lo, hi := max(0, a-fade/2), min(n, b+fade/2)
			for i := lo; i < hi; i++ {
				env := 1.0
				if i < a+fade/2 && a > 0 {
					env = 0.5 - 0.5*math.Cos(math.Pi*float64(i-(a-fade/2))/float64(fade))
				}
				if i >= b-fade/2 && b < n {
					env = 0.5 + 0.5*math.Cos(math.Pi*float64(i-(b-fade/2))/float64(fade))
				}
				w := 2 * math.Pi * f * float64(i) / Rate
				x := math.Sin(w + ph)
				hg := 0.35
				for h := 2; h <= maxHarm; h++ {
					x += hg * math.Sin(float64(h)*w+ph)
					hg *= 0.35
				}
				x *= env
				s.L[i] += gl * x
				s.R[i] += gr * x
			}
		}
	}
	normRMS(s.L, 0.1)
	normRMS(s.R, 0.1)
	return s
}

// Bed renders band-limited noise (100 Hz – 4 kHz), independent per channel:
// room tone that decorrelates the channels a little.
func Bed(seed uint64, n int) Stereo {
	s := NewStereo(n)
	for c, ch := range s.Chans() {
		r := NewRand(Hash(seed, uint64(c)))
		lp, lp2, hp := LowPass(Rate, 4000, 0.7), LowPass(Rate, 4000, 0.7), HighPass(Rate, 100, 0.7)
		for i := range ch {
			ch[i] = hp.Process(lp2.Process(lp.Process(r.Float64()*2 - 1)))
		}
		normRMS(ch, 0.1)
	}
	return s
}

// Programme is the ordinary programme sound of a clip: speech in the centre
// over a music pad and room tone, at -23 LUFS integrated.
func Programme(seed uint64, n int) Stereo {
	s := NewStereo(n)
	sp := Speech(Hash(seed, 10), n)
	for i, v := range sp {
		s.L[i] += v
		s.R[i] += v
	}
	s.Add(Pad(Hash(seed, 11), n, 3, nil), 0.35)
	s.Add(Bed(Hash(seed, 12), n), 0.12)
	bandLimit(s)
	NormalizeLUFS(s, -23)
	return s
}

// bandLimit low-passes at 12 kHz (24 dB/octave). Broadcast sound carries
// little above that, and the codecs cut at 15-16 kHz: unlimited speech
// pulses and fricatives would lose 1.5-2.5 LU of K-weighted loudness in
// the encoder and the decoded clip would no longer be at its target.
func bandLimit(s Stereo) {
	for _, ch := range s.Chans() {
		LowPass(Rate, 12000, 0.54).Run(ch)
		LowPass(Rate, 12000, 1.31).Run(ch)
	}
}

// Ambience is programme sound without speech (pad and room tone) at the
// given loudness; used under the A/V event clips, whose onsets must come
// from the events. chordAt, when set, times the pad's chord changes.
func Ambience(seed uint64, n int, lufs float64, maxHarm int, chordAt []int) Stereo {
	s := Pad(Hash(seed, 21), n, maxHarm, chordAt)
	s.Add(Bed(Hash(seed, 22), n), 0.5)
	NormalizeLUFS(s, lufs)
	return s
}

// Beep adds a 1 kHz tone burst (the sync-test "beep") of dur seconds at
// sample at, with 1 ms raised-cosine ramps, amplitude amp, to both channels.
func Beep(s Stereo, at int, dur, amp float64) {
	n := int(dur * Rate)
	ramp := Rate / 1000
	for i := 0; i < n && at+i < s.Len(); i++ {
		if at+i < 0 {
			continue
		}
		env := 1.0
		if i < ramp {
			env = 0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(ramp))
		} else if i >= n-ramp {
			env = 0.5 + 0.5*math.Cos(math.Pi*float64(i-(n-ramp))/float64(ramp))
		}
		v := amp * env * math.Sin(2*math.Pi*1000*float64(i)/Rate)
		s.L[at+i] += v
		s.R[at+i] += v
	}
}

// Transient kinds for the A/V event clips.
const (
	Hit  = iota // low thump with a click: something lands
	Bang        // broadband burst: a flash, a shot
	Cut         // short whoosh: the sound of the new scene starting
)

// Transient adds an audio transient of the given kind starting exactly at
// sample at, scaled to peak amplitude amp.
func Transient(s Stereo, seed uint64, kind, at int, amp float64) {
	r := NewRand(seed)
	var n int
	var tau float64
	switch kind {
	case Hit:
		n, tau = int(0.35*Rate), 0.08
	case Bang:
		n, tau = int(0.3*Rate), 0.05
	default:
		n, tau = int(0.4*Rate), 0.12
	}
	bp := BandPass(Rate, 900, 0.8)
	lp := LowPass(Rate, 6000, 0.7)
	ph := 0.0
	x := make([]float64, n)
	peak := 0.0
	for i := range x {
		t := float64(i) / Rate
		env := math.Exp(-t / tau)
		if i < 48 { // 1 ms attack
			env *= float64(i) / 48
		}
		noise := r.Float64()*2 - 1
		var v float64
		switch kind {
		case Hit:
			f := 50 + 70*math.Exp(-t/0.05)
			ph += 2 * math.Pi * f / Rate
			v = 0.8*math.Sin(ph) + 0.3*noise*math.Exp(-t/0.005)
		case Bang:
			ph += 2 * math.Pi * 70 / Rate
			v = 0.7*lp.Process(noise) + 0.4*math.Sin(ph)
		default:
			v = bp.Process(noise)
		}
		x[i] = v * env
		peak = math.Max(peak, math.Abs(x[i]))
	}
	g := amp / peak
	for i, v := range x {
		if j := at + i; j >= 0 && j < s.Len() {
			s.L[j] += g * v
			s.R[j] += g * v * 0.9
		}
	}
}

// Limit is a look-ahead peak limiter: it lowers the gain smoothly wherever
// |x| would pass ceiling, so the waveform keeps its shape (no flat tops that
// a clipping detector would rightly flag, and little distortion for a codec
// to turn into overshoot). The gain is the minimum of the required gain over
// a 5 ms look-ahead, box-smoothed over the same 5 ms (which keeps it at or
// below the requirement at every sample), released over release seconds.
func Limit(s Stereo, ceiling, release float64) {
	n := s.Len()
	need := make([]float64, n)
	for i := range need {
		p := math.Max(math.Abs(s.L[i]), math.Abs(s.R[i]))
		need[i] = 1
		if p > ceiling {
			need[i] = ceiling / p
		}
	}
	la := Rate * 5 / 1000
	// Sliding minimum over [i, i+la] (monotone deque).
	minAhead := make([]float64, n)
	dq := make([]int, 0, la+1)
	for i := n - 1; i >= 0; i-- {
		for len(dq) > 0 && need[dq[len(dq)-1]] >= need[i] {
			dq = dq[:len(dq)-1]
		}
		dq = append(dq, i)
		if dq[0] > i+la {
			dq = dq[1:]
		}
		minAhead[i] = need[dq[0]]
	}
	// Box average over [i-la, i]: every term is ≤ need[i].
	rel := math.Exp(-1 / (release * Rate))
	var acc float64
	g := 1.0
	for i := 0; i < n; i++ {
		acc += minAhead[i]
		if i > la {
			acc -= minAhead[i-la-1]
		}
		box := acc / float64(min(i+1, la+1))
		if i < la {
			box = math.Min(box, minAhead[i])
		}
		if box < g {
			g = box
		} else {
			g = rel*g + (1-rel)*box
		}
		s.L[i] *= g
		s.R[i] *= g
	}
}

// Compress is a broadcast-style loudness compressor: the gain follows
// (ref/env)^(1-1/ratio), env being the 30 ms RMS of both channels, so loud
// and quiet syllables end up closer together (a "loud commercial").
// Passages more than 30 dB below ref are left as they are.
func Compress(s Stereo, ref, ratio float64) {
	a := math.Exp(-1 / (0.03 * Rate))
	var ms float64
	k := 1 - 1/ratio
	floor := ref * DB(-30)
	for i := range s.L {
		p := (s.L[i]*s.L[i] + s.R[i]*s.R[i]) / 2
		ms = a*ms + (1-a)*p
		env := math.Max(math.Sqrt(ms), floor)
		g := math.Pow(ref/env, k)
		s.L[i] *= g
		s.R[i] *= g
	}
}
