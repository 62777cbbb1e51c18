// Package plan is the list of test clips: for each, its format, how every
// frame and audio sample is made, how it is encoded and damaged, and the
// ground-truth events that result. The generator (../../gen) executes it;
// the tests use it to re-render sources.
package plan

import (
	"math"
	"sort"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/testvideos"
	"github.com/avwatch/avwatch/testvideos/internal/synth"
)

// Encoder settings shared by every clip. ultrafast keeps the whole set
// inside its time budget; deblocking, CABAC and 8x8 transforms are switched
// back on so the stream looks like a broadcast encoder's High-profile output
// (ultrafast alone leaves 4x4 edges a blockiness detector would rightly see
// everywhere).
const (
	Preset   = "ultrafast"
	X264Opts = "deblock=0,0:cabac=1:8x8dct=1"
	QP       = 26
)

// Encoder delay of the audio encoders in samples (measured: avenc_aac
// primes 1024 samples, avenc_mp2 481). The generator drops that many
// samples from the start of the input so that decoded sample k plays at
// k/48000 s and audio truth times need no correction.
var AudioDelay = map[string]int{"aac": 1024, "mp2": 481}

// Segment is a run of frames encoded by one encoder instance at one QP.
type Segment struct {
	From, To int
	QP       int
}

// Damage names a picture whose H.264 payload is overwritten in the TS
// file, between fractions From and To of its TS packets.
type Damage struct {
	Frame    int
	From, To float64
	Flip     bool // flip one bit per TS packet instead of overwriting
}

// Clip is one planned clip.
type Clip struct {
	Meta     testvideos.Clip
	Events   []testvideos.Event
	Segments []Segment
	Damage   []Damage
	Seed     uint64
	render   func(i int, t float64, f *synth.Frame)
	sound    func(n int) synth.Stereo
}

// Render draws frame i.
func (c *Clip) Render(i int, f *synth.Frame) { c.render(i, c.T(i), f) }

// T is the PTS (seconds) of frame i.
func (c *Clip) T(i int) float64 { return float64(i) * float64(c.Meta.FPSDen) / float64(c.Meta.FPSNum) }

// Samples is the audio length in samples: as long as the video.
func (c *Clip) Samples() int { return synth.Sec(c.Meta.DurationS) }

// Sound renders the whole soundtrack.
func (c *Clip) Sound() synth.Stereo { return c.sound(c.Samples()) }

// Cost is a rough relative generation cost (pixels to encode), used to
// schedule the longest clips first.
func (c *Clip) Cost() float64 { return float64(c.Meta.Frames) * float64(c.Meta.Width*c.Meta.Height) }

func newClip(name, container string, w, h, fpsN, dur int, acodec, desc string, seed uint64) *Clip {
	frames := dur * fpsN
	c := &Clip{Seed: seed, Meta: testvideos.Clip{
		Clip: name, Container: container, Width: w, Height: h, FPSNum: fpsN, FPSDen: 1,
		DurationS: float64(dur), VideoCodec: "h264", AudioCodec: acodec, AudioRate: synth.Rate,
		AudioChans: 2, KeyframeS: 2, Description: desc, Frames: frames,
	}}
	c.Segments = []Segment{{0, frames, QP}}
	scene := synth.NewScene(seed, w, h)
	c.render = func(_ int, t float64, f *synth.Frame) { scene.Render(f, t) }
	c.sound = func(n int) synth.Stereo { return synth.Programme(seed, n) }
	return c
}

func (c *Clip) event(typ defect.Type, start, end float64) *testvideos.Event {
	c.Events = append(c.Events, testvideos.Event{Clip: c.Meta.Clip, Type: typ, StartS: start, EndS: end})
	return &c.Events[len(c.Events)-1]
}

// setQP splits the segments so that frames [from, to) use qp. from and to
// must be keyframe-aligned for the GOP to stay regular.
func (c *Clip) setQP(from, to, qp int) {
	var out []Segment
	for _, s := range c.Segments {
		if s.To <= from || s.From >= to {
			out = append(out, s)
			continue
		}
		if s.From < from {
			out = append(out, Segment{s.From, from, s.QP})
		}
		out = append(out, Segment{max(s.From, from), min(s.To, to), qp})
		if s.To > to {
			out = append(out, Segment{to, s.To, s.QP})
		}
	}
	c.Segments = out
}

// All returns every clip of the set, in a stable order.
func All() []*Clip {
	return []*Clip{
		control(), black(), freeze(), blocky(), silence(), loudness(), stereo(),
		markers("avsync_marker_p300.ts", "mpegts", "mp2", 300, 901),
		markers("avsync_marker_m200.mp4", "mp4", "aac", -200, 902),
		avEventsClip("avsync_events_m200.ts", "mpegts", "aac", -200, 0, 16, 1001),
		avEventsClip("avsync_events_m100.mp4", "mp4", "mp2", -100, 0, 16, 1002),
		avEventsClip("avsync_events_0.ts", "mpegts", "mp2", 0, 0, 16, 1003),
		avEventsClip("avsync_events_p100.mp4", "mp4", "aac", 100, 0, 16, 1004),
		avEventsClip("avsync_events_p300.ts", "mpegts", "aac", 300, 0, 16, 1005),
		avEventsClip("avsync_drift.ts", "mpegts", "aac", 0, 250, 60, 1006),
	}
}

// --- video defects -------------------------------------------------------

func control() *Clip {
	c := newClip("control.mp4", "mp4", 1920, 1080, 25, 20, "aac",
		"Clean programme: moving textures and shapes, ticker; speech, music pad and room tone at -23 LUFS. Nothing to report.", 101)
	c.Meta.Control = true
	return c
}

func black() *Clip {
	c := newClip("black.ts", "mpegts", 1280, 720, 30, 20, "mp2",
		"Programme; fully black frames 5.0-8.0 s (Y=16, audio goes on); a dark night-like scene 10.0-18.0 s (luma 22-42, moving texture) that is not black.", 201)
	main := synth.NewScene(201, 1280, 720)
	dark := synth.NewScene(202, 1280, 720).Dark()
	c.render = func(_ int, t float64, f *synth.Frame) {
		switch {
		case t >= 5 && t < 8:
			synth.Black.Render(f, t)
		case t >= 10 && t < 18:
			dark.Render(f, t)
		default:
			main.Render(f, t)
		}
	}
	c.event(defect.Black, 5, 8)
	fz := c.event(defect.Freeze, 5, 8)
	fz.Optional, fz.Note = true, "black frames are also identical frames; a freeze report here is allowed, not required"
	d := c.event(defect.Black, 10, 18)
	d.Decoy, d.Note = true, "dark scene: luma 22..42 (mean about 32) with texture and motion; must not be reported as black"
	return c
}

func freeze() *Clip {
	c := newClip("freeze.mp4", "mp4", 1280, 720, 25, 20, "aac",
		"Programme; the picture of 3.96 s repeats 4.0-7.0 s while audio goes on; a static caption slide with fresh fine noise on every frame 10.0-16.0 s (encoded at QP 18 so the noise survives; at QP 26 x264 codes it as skip blocks and the decoded frames barely differ) that is not a freeze.", 301)
	main := synth.NewScene(301, 1280, 720)
	slide := &synth.NoisySlide{W: 1280, H: 720, Seed: 302, Sigma: 3, FPS: 25}
	frozen := synth.Frozen{Pic: main, At: 99.0 / 25}
	c.render = func(i int, t float64, f *synth.Frame) {
		switch {
		case i >= 100 && i < 175:
			frozen.Render(f, t)
		case i >= 250 && i < 400:
			slide.Render(f, t)
		default:
			main.Render(f, t)
		}
	}
	c.setQP(250, 400, SlideQP)
	e := c.event(defect.Freeze, 4, 7)
	e.Note = "start_s is the first repeated frame (frame 100 repeats frame 99); end_s the first new one"
	d := c.event(defect.Freeze, 10, 16)
	d.Decoy, d.Note = true, "static slide with per-frame noise (σ≈3 luma before encoding); consecutive decoded frames differ"
	return c
}

// SlideQP is the QP of the noisy-slide decoy: low enough that x264 keeps the
// per-frame noise instead of coding skip blocks (which would secretly turn
// the decoy into a freeze).
const SlideQP = 18

// DamageFrame is the picture whose slice data is damaged in blocky.ts: the
// P picture of a scene cut (mostly intra macroblocks), 36 frames (1.44 s)
// before the next IDR at frame 150. Concealing it from the previous scene
// leaves smeared blocks of the old picture that the following P pictures
// carry along until the IDR, the classic look of a corrupted stream.
const DamageFrame = 114

func blocky() *Clip {
	c := newClip("blocky.ts", "mpegts", 1280, 720, 25, 16, "aac",
		"Programme with a scene cut at 4.56 s whose P picture has its slice data damaged in the TS file (libav conceals it from the old scene; the smeared blocks persist until the IDR at 6.0 s); 10.0-12.0 s encoded at QP 50 (extreme quantisation, 16x16 blocks).", 401)
	c.Damage = []Damage{{Frame: DamageFrame, From: 0.3, To: 0.75}}
	a, b := synth.NewScene(401, 1280, 720), synth.NewScene(402, 1280, 720)
	c.render = func(i int, t float64, f *synth.Frame) {
		if i < DamageFrame {
			a.Render(f, t)
		} else {
			b.Render(f, t)
		}
	}
	c.setQP(250, 300, 50)
	e := c.event(defect.Blockiness, c.T(DamageFrame), 6)
	e.EndToleranceS = 0.5
	e.Note = "damaged H.264 slice data: 45% of the TS payload of the P picture at the cut (frame 114) overwritten after its slice header; the decoder conceals, the damage propagates through the P pictures and ends at the IDR (6.0 s)"
	q := c.event(defect.Blockiness, 10, 12)
	q.EndToleranceS = 0.08
	q.Note = "frames 250-299 encoded at constant QP 50 (the rest at 26)"
	return c
}

// --- audio defects -------------------------------------------------------

func silence() *Clip {
	c := newClip("silence.ts", "mpegts", 1280, 720, 25, 24, "mp2",
		"Programme; digital silence 4.0-7.0 s; hiss at -70 dBFS 10.0-13.0 s; a quiet music passage at -40 dBFS 16.0-20.0 s that is not silence.", 501)
	c.sound = func(n int) synth.Stereo {
		s := synth.Programme(501, n)
		zero(s.Slice(synth.Sec(4), synth.Sec(7)))
		w := s.Slice(synth.Sec(10), synth.Sec(13))
		zero(w)
		w.Add(hiss(502, w.Len(), -70), 1)
		q := s.Slice(synth.Sec(16), synth.Sec(20))
		amb := synth.Ambience(503, q.Len(), -40, 3, nil)
		amb.Scale(synth.DB(-40) / synth.RMS(amb.Chans()))
		zero(q)
		q.Add(amb, 1)
		return s
	}
	z := c.event(defect.Silence, 4, 7)
	z.DigitalZero = true
	z.Note = "every sample exactly 0"
	h := c.event(defect.Silence, 10, 13)
	h.LevelDBFS = -70
	h.Note = "white-ish noise (100 Hz-4 kHz) at -70 dBFS RMS"
	d := c.event(defect.Silence, 16, 20)
	d.Decoy, d.LevelDBFS = true, -40
	d.Note = "music pad and room tone at -40 dBFS RMS, 4 s: quiet but not silent"
	for _, w := range [][2]float64{{4, 7}, {10, 13}, {16, 20}} {
		l := c.event(defect.Loudness, w[0], w[1])
		l.Optional, l.Note = true, "a silent or quiet passage is also far below -23 LUFS; a loudness report is allowed, not required"
	}
	return c
}

func loudness() *Clip {
	c := newClip("loudness.mp4", "mp4", 1280, 720, 25, 46, "aac",
		"Programme at -23 LUFS; 4.0-6.0 s driven into hard clipping at full scale (a quarter of the samples at ±1.0); 10.0-22.0 s at -11 LUFS (compressed and limited, true peak below -1 dBTP); 28.0-40.0 s at -40 LUFS.", 601)
	c.sound = func(n int) synth.Stereo {
		s := synth.Programme(601, n)
		overdrive(s.Slice(synth.Sec(4), synth.Sec(6)), 0.25)
		loud := s.Slice(synth.Sec(10), synth.Sec(22))
		louden(loud, -11)
		quiet := s.Slice(synth.Sec(28), synth.Sec(40))
		synth.NormalizeLUFS(quiet, -40)
		return s
	}
	cl := c.event(defect.Clipping, 4, 6)
	cl.LevelDBFS = 0
	cl.Note = "programme amplified (about +30 dB) until 25% of its samples hard-clip at ±1.0 (S16 ±32767) before encoding; the codec rebuilds the flat tops with ripple and overshoot"
	tp := c.event(defect.TruePeak, 4, 6)
	tp.Note = "samples at full scale: true peak ≥ 0 dBTP"
	lo := c.event(defect.Loudness, 4, 6)
	lo.Optional, lo.Note = true, "the clipped passage is also about 15 LU loud; 2 s is short for a loudness window"
	hi := c.event(defect.Loudness, 10, 22)
	hi.LUFS, hi.StartToleranceS, hi.EndToleranceS = -11, 3, 3
	hi.Note = "+12 LU above target; compressed 8:1 and look-ahead limited to -4 dBFS sample peak (no clipping, true peak below -1 dBTP after decoding)"
	lw := c.event(defect.Loudness, 28, 40)
	lw.LUFS, lw.StartToleranceS, lw.EndToleranceS = -40, 3, 3
	lw.Note = "17 LU below target; quietest 400 ms block stays above -60 dBFS (not silence)"
	return c
}

func stereo() *Clip {
	c := newClip("stereo.ts", "mpegts", 1280, 720, 25, 22, "mp2",
		"Programme; right channel dead (all zero) 4.0-9.0 s while the left carries programme; right channel polarity-inverted 13.0-18.0 s (correlation about -0.95).", 701)
	c.sound = func(n int) synth.Stereo {
		s := synth.Programme(701, n)
		for i := synth.Sec(4); i < synth.Sec(9); i++ {
			s.R[i] = 0
		}
		for i := synth.Sec(13); i < synth.Sec(18); i++ {
			s.R[i] = -s.R[i]
		}
		return s
	}
	one := 1
	cl := c.event(defect.ChannelLoss, 4, 9)
	cl.Channel, cl.Note = &one, "channel 1 (right) exactly 0; channel 0 unchanged"
	ph := c.event(defect.Phase, 13, 18)
	ph.Note = "channel 1 (right) inverted: inter-channel correlation goes from about +0.95 to about -0.95"
	return c
}

// zero silences a stretch of sound.
func zero(s synth.Stereo) {
	for i := range s.L {
		s.L[i], s.R[i] = 0, 0
	}
}

// hiss is band-limited noise at an RMS level of db dBFS.
func hiss(seed uint64, n int, db float64) synth.Stereo {
	h := synth.Bed(seed, n)
	h.Scale(synth.DB(db) / synth.RMS(h.Chans()))
	return h
}

// overdrive amplifies s until frac of its samples exceed full scale, then
// hard-clips them to ±1.0: a gain stage driven far too hot.
func overdrive(s synth.Stereo, frac float64) {
	var mags []float64
	for _, ch := range s.Chans() {
		for _, v := range ch {
			mags = append(mags, math.Abs(v))
		}
	}
	sort.Float64s(mags)
	g := 1 / mags[int(float64(len(mags))*(1-frac))]
	for _, ch := range s.Chans() {
		for i, v := range ch {
			ch[i] = math.Max(-1, math.Min(1, v*g))
		}
	}
}

// louden raises s to the target loudness the way a loud commercial is
// made: an 8:1 compressor flattens the envelope, then a look-ahead limiter
// with a -4 dBFS ceiling catches the peaks; the drive is found by
// bisection.
func louden(s synth.Stereo, target float64) {
	synth.Compress(s, synth.RMS(s.Chans()), 8)
	orig := synth.Stereo{L: append([]float64(nil), s.L...), R: append([]float64(nil), s.R...)}
	lo, hi := 0.0, 40.0
	for it := 0; it < 16; it++ {
		mid := (lo + hi) / 2
		copy(s.L, orig.L)
		copy(s.R, orig.R)
		s.Scale(synth.DB(mid))
		synth.Limit(s, synth.DB(-4), 0.05)
		if synth.IntegratedLUFS(s.Chans(), synth.Rate) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
}

// --- A/V sync ------------------------------------------------------------

// Sync marker clips: a full white frame every 2 s and a 1 kHz beep of 40 ms
// at -10 dBFS, the beep shifted by offsetMs.
func markers(name, container, acodec string, offsetMs float64, seed uint64) *Clip {
	c := newClip(name, container, 1280, 720, 50, 12, acodec,
		"Sync test markers: a full white frame every 2 s from 1.0 s and a 1 kHz tone burst (40 ms, -10 dBFS) with each, the audio "+offsetWords(offsetMs)+"; programme picture and quiet music between markers.", seed)
	scene := synth.NewScene(seed, 1280, 720)
	var marks []float64
	markFrame := map[int]bool{}
	for t := 1; t < 12; t += 2 {
		marks = append(marks, float64(t))
		markFrame[t*50] = true
	}
	c.Meta.MarkersS = marks
	c.Meta.AudioOffsetMs = offsetMs
	c.render = func(i int, t float64, f *synth.Frame) {
		if markFrame[i] {
			synth.White.Render(f, t)
			return
		}
		scene.Render(f, t)
	}
	c.sound = func(n int) synth.Stereo {
		s := synth.Ambience(seed, n, -26, 2, nil)
		for _, m := range marks {
			synth.Beep(s, synth.Sec(m+offsetMs/1000), 0.04, synth.DB(-10))
		}
		return s
	}
	e := c.event(defect.AVOffset, 0, 12)
	e.OffsetMs, e.StartToleranceS, e.EndToleranceS = offsetMs, 5, 2
	e.Note = "whole clip; measurable from the first marker pair (1.0 s)"
	return c
}

func offsetWords(ms float64) string {
	switch {
	case ms > 0:
		return "late by " + itoa(int(ms)) + " ms"
	case ms < 0:
		return "early by " + itoa(int(-ms)) + " ms"
	}
	return "in sync"
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b []byte
	for v > 0 {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
	}
	return string(b)
}

// avEventsClip has irregular audio-visual events (hits, flashes, cuts at
// random intervals 0.6-2.6 s) over programme picture and music; each event's
// sound starts offset(t) after its picture, offset moving linearly from
// offsetMs to offsetMs+driftMs over the clip.
func avEventsClip(name, container, acodec string, offsetMs, driftMs float64, dur int, seed uint64) *Clip {
	desc := "Irregular audio-visual events (hits, flashes, cuts; random intervals 0.6-2.6 s) with matching sound transients, audio " + offsetWords(offsetMs) + "."
	if driftMs != 0 {
		desc = "Irregular audio-visual events (hits, flashes, cuts; random intervals 0.6-2.6 s) with matching sound transients; the audio drifts from in sync to " + itoa(int(driftMs)) + " ms late over the clip."
	}
	c := newClip(name, container, 1280, 720, 25, dur, acodec, desc, seed)
	fps := 25.0
	offsetAt := func(tv float64) float64 { return offsetMs + driftMs*tv/float64(dur) }
	r := synth.NewRand(seed)
	kinds := []string{"hit", "flash", "cut"}
	var evs []testvideos.AVEvent
	for t := 1.0 + r.Range(0, 0.5); t < float64(dur)-1; t += r.Range(0.6, 2.6) {
		tv := math.Round(t*fps) / fps
		evs = append(evs, testvideos.AVEvent{Kind: kinds[r.Intn(3)], VideoS: tv, AudioS: round6(tv + offsetAt(tv)/1000)})
	}
	c.Meta.AVEvents = evs
	c.Meta.AudioOffsetMs = offsetMs
	scenes := make([]*synth.Scene, 4)
	for i := range scenes {
		scenes[i] = synth.NewScene(synth.Hash(seed, uint64(i)), 1280, 720)
	}
	type hit struct {
		frame    int
		x, y     float64
		yv, u, v byte
	}
	cutAt := []int{} // frames where the scene changes
	var hits []hit
	flashAt := map[int]bool{}
	for k, e := range evs {
		fr := int(math.Round(e.VideoS * fps))
		switch e.Kind {
		case "cut":
			cutAt = append(cutAt, fr)
		case "flash":
			flashAt[fr] = true
		default:
			hr := synth.NewRand(synth.Hash(seed, 77, uint64(k)))
			hits = append(hits, hit{fr, hr.Range(0.2, 0.8), hr.Range(0.25, 0.7), byte(180 + hr.Intn(50)), byte(hr.Intn(200) + 28), byte(hr.Intn(200) + 28)})
		}
	}
	hitFrames := make([]int, len(hits))
	for k, h := range hits {
		hitFrames[k] = h.frame
	}
	c.render = func(i int, t float64, f *synth.Frame) {
		sc := sort.SearchInts(cutAt, i+1) // cuts at or before i
		// A hit jolts the camera: the pan jumps ahead and goes on from there.
		jolt := 0.35 * float64(sort.SearchInts(hitFrames, i+1))
		scenes[sc%len(scenes)].Render(f, t+jolt)
		for d, s := range []float64{0.85, 0.45, 0.2} {
			if flashAt[i-d] {
				synth.Flashed(f, s)
			}
		}
		for _, h := range hits {
			if age := i - h.frame; age >= 0 && age < 10 {
				alpha := 1.0
				if age > 2 {
					alpha = 1 - float64(age-2)/8
				}
				synth.Blob(f, h.x, h.y, 0.2, h.yv, h.u, h.v, alpha)
			}
		}
	}
	c.sound = func(n int) synth.Stereo {
		var chordAt []int
		for _, e := range evs {
			if e.Kind == "cut" {
				chordAt = append(chordAt, synth.Sec(e.AudioS))
			}
		}
		s := synth.Ambience(seed, n, -27, 3, chordAt)
		for k, e := range evs {
			kind := map[string]int{"hit": synth.Hit, "flash": synth.Bang, "cut": synth.Cut}[e.Kind]
			synth.Transient(s, synth.Hash(seed, 99, uint64(k)), kind, synth.Sec(e.AudioS), 0.6)
		}
		return s
	}
	e := c.event(defect.AVOffset, 0, float64(dur))
	e.OffsetMs, e.StartToleranceS, e.EndToleranceS = offsetMs, 10, 2
	switch {
	case driftMs != 0:
		end := offsetMs + driftMs
		e.OffsetEndMs = &end
		e.StartToleranceS = float64(dur)
		e.Note = "drift: offset moves linearly; a detector reports it once past its threshold, so any start inside the clip is fine"
	case offsetMs == 0:
		e.Decoy, e.Note = true, "in sync: no av_offset may be reported"
	case math.Abs(offsetMs) <= 100:
		e.Optional = true
		e.Note = "within or near the ITU-R BT.1359 acceptability band (audio early 90 ms / late 185 ms): reporting is allowed, not required; the estimate should be within 40 ms"
	default:
		e.Note = "whole clip; a marker-free estimator needs several events first"
	}
	return c
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
