package avsync

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// synth describes a synthetic A/V stream at the feature level: video frames
// as VideoFrame values, audio as real samples (so AudioMeter is in the
// loop). Event times are in video time; the audio of an event at t plays at
// t + offset(t).
type synth struct {
	fps  float64
	dur  time.Duration
	rate int
	seed uint64
	// offsetMs(t) is the true offset at video time t (positive = audio late).
	offsetMs func(t time.Duration) float64

	// Content.
	events      []time.Duration // A/V events: a visual change and a sound
	kinds       []evKind        // per event; default cut
	videoOnly   []time.Duration // spurious visual events (no sound)
	audioOnly   []time.Duration // spurious sounds (no visual change)
	markers     []time.Duration // flash/white patch + tone burst
	markerFlash bool            // full-frame flash instead of a white patch
	flashFrames int             // length of an evFlash; 0: 2–4 frames at random
	// continuous: events happen between frames (shown from the frame that
	// starts before them) rather than exactly on a frame.
	continuous bool
	// Background.
	motion    float64 // typical Diff of the picture with no event
	noiseDBFS float64 // audio noise floor, e.g. -45
	music     bool    // add a continuous tonal bed with slow level changes
	silent    bool    // no events at all besides the background
}

type evKind uint8

const (
	evCut evKind = iota
	evFlash
	evHit
)

// irregular returns event times at random intervals in [lo, hi) over dur.
func irregular(r *rand.Rand, start, dur time.Duration, lo, hi float64) []time.Duration {
	var out []time.Duration
	t := start.Seconds() + lo + r.Float64()*(hi-lo)
	for t < dur.Seconds()-0.5 {
		out = append(out, time.Duration(t*float64(time.Second)))
		t += lo + r.Float64()*(hi-lo)
	}
	return out
}

func periodic(start, period, dur time.Duration) []time.Duration {
	var out []time.Duration
	for t := start; t < dur-500*time.Millisecond; t += period {
		out = append(out, t)
	}
	return out
}

func constOffset(ms float64) func(time.Duration) float64 {
	return func(time.Duration) float64 { return ms }
}

// frameOf returns the index of the frame that shows an event at t.
func (s *synth) frameOf(t time.Duration) int {
	x := t.Seconds() * s.fps
	if s.continuous {
		return int(math.Floor(x + 1e-9))
	}
	return int(math.Round(x))
}

func (s *synth) frameTime(i int) time.Duration {
	return time.Duration(math.Round(float64(i) / s.fps * float64(time.Second)))
}

// snap moves event times onto frames unless s.continuous, so that the
// sound of an event starts exactly with the frame that shows it.
func (s *synth) snap() {
	if s.continuous {
		return
	}
	for _, l := range []*[]time.Duration{&s.events, &s.videoOnly, &s.audioOnly, &s.markers} {
		for i, t := range *l {
			(*l)[i] = s.frameTime(s.frameOf(t))
		}
	}
}

// video renders the frames.
func (s *synth) video() []VideoFrame {
	r := rand.New(rand.NewPCG(s.seed, 1))
	n := int(s.dur.Seconds() * s.fps)
	luma := make([]float64, n)
	diff := make([]float64, n)
	bright := make([]float64, n)
	level := 0.4
	for i := range luma {
		luma[i] = level + 0.003*r.NormFloat64()
	}
	setLevelFrom := func(k int, l float64) {
		for i := k; i < n; i++ {
			luma[i] += l - level
		}
		level = l
	}
	cut := func(k int) {
		if k <= 0 || k >= n {
			return
		}
		nl := 0.15 + 0.6*r.Float64()
		for math.Abs(nl-level) < 0.08 {
			nl = 0.15 + 0.6*r.Float64()
		}
		setLevelFrom(k, nl)
		diff[k] += 0.1 + 0.2*r.Float64() // new picture: more than the mean change
	}
	flash := func(k, frames int, area float64) {
		for i := k; i < k+frames && i < n; i++ {
			if i < 0 {
				continue
			}
			luma[i] += area * (0.95 - luma[i])
			bright[i] += area
		}
	}
	hit := func(k int) {
		if k > 0 && k < n {
			diff[k] += 0.05 + 0.1*r.Float64()
		}
	}
	evs := append([]time.Duration(nil), s.events...)
	for i, t := range evs {
		k := s.frameOf(t)
		kind := evCut
		if i < len(s.kinds) {
			kind = s.kinds[i]
		}
		switch kind {
		case evCut:
			cut(k)
		case evFlash:
			frames := 2 + r.IntN(3)
			if s.flashFrames > 0 {
				frames = s.flashFrames
			}
			flash(k, frames, 1)
		case evHit:
			hit(k)
		}
	}
	for _, t := range s.videoOnly {
		cut(s.frameOf(t))
	}
	for _, t := range s.markers {
		area := 0.05
		if s.markerFlash {
			area = 1
		}
		flash(s.frameOf(t), 2, area)
	}
	frames := make([]VideoFrame, n)
	for i := range frames {
		d := diff[i] + s.motion*(0.7+0.6*r.Float64()) + math.Abs(0.002*r.NormFloat64())
		if i > 0 {
			d += math.Abs(luma[i] - luma[i-1])
		}
		t := s.frameTime(i)
		frames[i] = VideoFrame{PTS: t, RT: t, Duration: s.frameTime(i+1) - t, Luma: luma[i], Diff: d, Bright: bright[i]}
	}
	return frames
}

// audio renders mono samples.
func (s *synth) audio() []float32 {
	r := rand.New(rand.NewPCG(s.seed, 2))
	n := int(s.dur.Seconds() * float64(s.rate))
	x := make([]float64, n)
	noise := math.Pow(10, s.noiseDBFS/20)
	for i := range x {
		x[i] = noise * r.NormFloat64()
	}
	if s.music {
		// A chord with slow level changes: tonal, continuous, and
		// without sharp onsets of its own.
		freqs := []float64{220, 277, 330, 440}
		for _, f := range freqs {
			ph := r.Float64() * 2 * math.Pi
			// Rotating phasor: math.Sin per sample makes the tests slow.
			c, sn := math.Cos(ph), math.Sin(ph)
			dc, ds := math.Cos(2*math.Pi*f/float64(s.rate)), math.Sin(2*math.Pi*f/float64(s.rate))
			env := 0.0
			for i := range x {
				if i%256 == 0 {
					t := float64(i) / float64(s.rate)
					env = 0.03 * (1 + 0.5*math.Sin(2*math.Pi*0.13*t+ph))
					m := math.Hypot(c, sn) // renormalise the phasor
					c, sn = c/m, sn/m
				}
				x[i] += env * sn
				c, sn = c*dc-sn*ds, sn*dc+c*ds
			}
		}
	}
	at := func(t time.Duration) int {
		return int(math.Round(t.Seconds() * float64(s.rate)))
	}
	burst := func(start int, amp, tau float64) {
		attack := int(0.002 * float64(s.rate))
		for i := 0; start+i < n; i++ {
			if start+i < 0 {
				continue
			}
			t := float64(i) / float64(s.rate)
			env := amp * math.Exp(-t/tau)
			if env < 1e-4 {
				break
			}
			if i < attack {
				env *= float64(i) / float64(attack)
			}
			x[start+i] += env * r.NormFloat64()
		}
	}
	delay := func(t time.Duration) time.Duration {
		return t + time.Duration(s.offsetMs(t)*float64(time.Millisecond))
	}
	for _, t := range s.events {
		burst(at(delay(t)), 0.1+0.3*r.Float64(), 0.03+0.12*r.Float64())
	}
	for _, t := range s.audioOnly {
		burst(at(delay(t)), 0.1+0.3*r.Float64(), 0.03+0.12*r.Float64())
	}
	for _, t := range s.markers {
		// 1 kHz burst, 2 frames long, −12 dBFS, 1 ms raised-cosine ramps
		// (what sync test generators do to avoid clicks).
		st := at(delay(t))
		ln := int(2 / s.fps * float64(s.rate))
		ramp := int(0.001 * float64(s.rate))
		for i := 0; i < ln && st+i < n; i++ {
			if st+i < 0 {
				continue
			}
			g := 0.25
			if i < ramp {
				g *= 0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(ramp))
			} else if ln-i < ramp {
				g *= 0.5 - 0.5*math.Cos(math.Pi*float64(ln-i)/float64(ramp))
			}
			x[st+i] += g * math.Sin(2*math.Pi*1000*float64(i)/float64(s.rate))
		}
	}
	out := make([]float32, n)
	for i, v := range x {
		out[i] = float32(max(-1, min(1, v)))
	}
	return out
}

// sink receives the stream in arrival order.
type sink interface {
	video(f VideoFrame)
	audio(rt time.Duration, mono []float32, rate int)
}

// play feeds frames and 1024-sample audio buffers in running-time order,
// as a demuxer would interleave them.
func (s *synth) play(k sink) {
	s.snap()
	frames := s.video()
	samples := s.audio()
	const buf = 1024
	vi, ai := 0, 0
	for vi < len(frames) || ai < len(samples) {
		at := time.Duration(float64(ai) / float64(s.rate) * float64(time.Second))
		if ai >= len(samples) || (vi < len(frames) && frames[vi].RT <= at) {
			k.video(frames[vi])
			vi++
			continue
		}
		end := min(ai+buf, len(samples))
		k.audio(at, samples[ai:end], s.rate)
		ai = end
	}
}

// corrRun drives a lone Correlator.
type corrRun struct {
	c      *Correlator
	m      AudioMeter
	blocks []AudioBlock
	events []evt
	ests   []Estimate
}

type evt struct {
	edge   string
	at     time.Duration
	offset float64
}

func newCorrRun(s Settings) *corrRun { return &corrRun{c: NewCorrelator(s)} }

func (r *corrRun) video(f VideoFrame) {
	r.c.AddVideo(f)
	if r.c.Due() {
		for _, e := range r.c.Update(nil) {
			r.events = append(r.events, evt{string(e.Edge), e.PTS, e.OffsetMs})
		}
		r.ests = append(r.ests, r.c.Estimate())
	}
}

func (r *corrRun) audio(rt time.Duration, mono []float32, rate int) {
	r.blocks = r.m.F32(rt, mono, 1, rate, 1000, r.blocks[:0])
	for _, b := range r.blocks {
		r.c.AddAudio(b)
	}
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	y := append([]float64(nil), x...)
	sort.Float64s(y)
	return y[len(y)/2]
}
