package avsync

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// programme is irregular A/V content: cuts, flashes and hits at random
// intervals of 0.6–2.5 s, each with a transient in the audio, plus cuts
// without sound and sounds without picture change (one every 2–6 s each),
// over motion and a music bed. A tenth of the A/V events lose their sound
// (missing events).
func programme(fps float64, dur time.Duration, offset func(time.Duration) float64, seed uint64) *synth {
	r := rand.New(rand.NewPCG(seed, 11))
	s := &synth{fps: fps, dur: dur, rate: 48000, seed: seed, offsetMs: offset,
		motion: 0.01, noiseDBFS: -50, music: true}
	for _, t := range irregular(r, 0, dur, 0.6, 2.5) {
		if r.IntN(10) == 0 {
			s.videoOnly = append(s.videoOnly, t) // the sound went missing
			continue
		}
		s.events = append(s.events, t)
		s.kinds = append(s.kinds, evKind(r.IntN(3)))
	}
	s.videoOnly = append(s.videoOnly, irregular(r, 0, dur, 2, 6)...)
	s.audioOnly = irregular(r, 0, dur, 2, 6)
	return s
}

type corrResult struct {
	ests      []Estimate
	confident []Estimate
	maxErr    float64
	meanErr   float64
	events    []evt
}

func runCorr(s *synth, set Settings, truth func(time.Duration) float64) corrResult {
	run := newCorrRun(set)
	s.play(run)
	var res corrResult
	for _, e := range run.ests {
		if e.Signal && e.Confidence >= set.Correlation.MinConfidence {
			res.confident = append(res.confident, e)
			d := e.OffsetMs - truth(e.At)
			res.meanErr += d
			res.maxErr = math.Max(res.maxErr, math.Abs(d))
		}
	}
	if n := len(res.confident); n > 0 {
		res.meanErr /= float64(n)
	}
	res.ests = run.ests
	for _, e := range run.c.Finish(s.dur, false, nil) {
		run.events = append(run.events, evt{string(e.Edge), e.PTS, e.OffsetMs})
	}
	res.events = run.events
	return res
}

// TestCorrelatorAccuracy is the marker-free bar on synthetic programme: every
// confident estimate within ±40 ms of the truth, at the offsets and
// three frame rates, events on frames and between frames; av_offset raised
// only outside the BT.1359 acceptability limits (−90/+185 ms).
func TestCorrelatorAccuracy(t *testing.T) {
	t.Parallel()
	var table strings.Builder
	fmt.Fprintf(&table, "%-6s %-5s %6s %9s %9s %8s %s\n", "fps", "grid", "truth", "median", "max|err|", "conf", "alert")
	for _, fps := range []float64{25, 30000.0 / 1001, 50} {
		for _, cont := range []bool{false, true} {
			for i, off := range []float64{-200, -100, 0, 100, 300} {
				s := programme(fps, 40*time.Second, constOffset(off), uint64(100*i)+uint64(fps)+map[bool]uint64{true: 7}[cont])
				s.continuous = cont
				res := runCorr(s, DefaultSettings(), constOffset(off))
				var offs []float64
				for _, e := range res.confident {
					offs = append(offs, e.OffsetMs)
				}
				grid := "frame"
				if cont {
					grid = "free"
				}
				fmt.Fprintf(&table, "%-6.2f %-5s %6.0f %9.1f %9.1f %5d/%-2d %v\n", fps, grid, off, median(offs), res.maxErr, len(res.confident), len(res.ests), res.events)
				if len(res.confident) < len(res.ests)/3 {
					t.Errorf("%.2f fps %s offset %v: only %d of %d estimates confident", fps, grid, off, len(res.confident), len(res.ests))
				}
				if res.maxErr > 40 {
					t.Errorf("%.2f fps %s offset %v: estimate %v ms off the truth", fps, grid, off, res.maxErr)
				}
				alerted := len(res.events) > 0
				switch {
				case off < -90-40 || off > 185+40:
					if !alerted {
						t.Errorf("%.2f fps %s offset %v: no alert", fps, grid, off)
					}
				case off > -90+40 && off < 185-40:
					if alerted {
						t.Errorf("%.2f fps %s offset %v: alert %v inside the limits", fps, grid, off, res.events)
					}
				}
			}
		}
	}
	t.Logf("synthetic programme, 40 s each, window 20 s:\n%s", table.String())
}

// TestCorrelatorNull feeds visual changes and sounds that are unrelated:
// no estimate may be confident, whatever the event density. This is the
// check on the significance levels behind confidence().
func TestCorrelatorNull(t *testing.T) {
	t.Parallel()
	worst := 0.0
	n := 0
	for seed := uint64(0); seed < 24; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		s := &synth{fps: []float64{25, 30, 50}[seed%3], dur: 40 * time.Second, rate: 48000, seed: seed, offsetMs: constOffset(0),
			motion: 0.01, noiseDBFS: -50, music: seed%2 == 0}
		lo, hi := 0.3+r.Float64(), 2+3*r.Float64()
		s.videoOnly = irregular(r, 0, s.dur, lo, hi)
		s.audioOnly = irregular(r, 0, s.dur, lo, hi)
		res := runCorr(s, DefaultSettings(), constOffset(0))
		for _, e := range res.ests {
			worst = math.Max(worst, e.Confidence)
			n++
		}
		if len(res.confident) > 0 || len(res.events) > 0 {
			t.Errorf("seed %d: unrelated content gave confident estimates %v, events %v", seed, res.confident, res.events)
		}
	}
	t.Logf("%d estimates on unrelated content, highest confidence %.2f", n, worst)
}

// TestCorrelatorNoSignal: content without events (static picture and
// silence, a steady tone, music over a still, motion without cuts) must say
// so (Signal false) and never alert.
func TestCorrelatorNoSignal(t *testing.T) {
	cases := map[string]*synth{
		"still and silence": {noiseDBFS: -90},
		"music over still":  {noiseDBFS: -50, music: true},
		"motion and noise":  {noiseDBFS: -40, motion: 0.03},
	}
	for name, s := range cases {
		s.fps, s.dur, s.rate, s.seed, s.offsetMs = 25, 30*time.Second, 48000, 3, constOffset(0)
		res := runCorr(s, DefaultSettings(), constOffset(0))
		if len(res.ests) == 0 {
			t.Fatalf("%s: no estimates at all", name)
		}
		for _, e := range res.ests {
			if e.Signal {
				t.Errorf("%s: claims a usable signal: %+v", name, e)
				break
			}
		}
		if len(res.events) > 0 {
			t.Errorf("%s: alert %v", name, res.events)
		}
	}
}

// TestCorrelatorFlashes: the only A/V events are flash frames every 2 s,
// each with a beep at its start, over programme sound with onsets of its
// own (a flash-and-beep sync signal at a tone the marker detector does not
// listen for). Every flash is two changes, on and off, and only the first
// has a sound: counted as two events, half the events would find no onset
// and the offset would never become confident.
func TestCorrelatorFlashes(t *testing.T) {
	for _, off := range []float64{-160, 280} {
		r := rand.New(rand.NewPCG(5, 5))
		s := &synth{fps: 25, dur: 30 * time.Second, rate: 48000, seed: 5, offsetMs: constOffset(off), noiseDBFS: -50, motion: 0.01, music: true}
		s.events = periodic(time.Second, 2*time.Second, s.dur)
		for range s.events {
			s.kinds = append(s.kinds, evFlash)
		}
		s.flashFrames = 2
		s.audioOnly = irregular(r, 0, s.dur, 0.3, 1.2)
		res := runCorr(s, DefaultSettings(), constOffset(off))
		if len(res.confident) < len(res.ests)/2 || res.maxErr > 40 {
			t.Errorf("flashes, offset %v: %d of %d estimates confident, max error %.1f ms", off, len(res.confident), len(res.ests), res.maxErr)
		}
	}
}

// TestCorrelatorPeriodic: events every 2 s are unambiguous within the ±1 s
// search (the next candidate is 2 s away), so the offset is found; events
// every 0.8 s put two peaks in range, which must be reported as ambiguous
// (confidence 0) rather than as a confident guess.
func TestCorrelatorPeriodic(t *testing.T) {
	for _, off := range []float64{-200, 300} {
		s := &synth{fps: 25, dur: 40 * time.Second, rate: 48000, seed: 9, offsetMs: constOffset(off), noiseDBFS: -50, motion: 0.01}
		s.events = periodic(time.Second, 2*time.Second, s.dur)
		res := runCorr(s, DefaultSettings(), constOffset(off))
		if len(res.confident) == 0 || res.maxErr > 40 {
			t.Errorf("2 s period, offset %v: %d confident, max error %.1f", off, len(res.confident), res.maxErr)
		}
	}
	s := &synth{fps: 25, dur: 40 * time.Second, rate: 48000, seed: 9, offsetMs: constOffset(300), noiseDBFS: -50, motion: 0.01}
	s.events = periodic(time.Second, 800*time.Millisecond, s.dur)
	res := runCorr(s, DefaultSettings(), constOffset(300))
	for _, e := range res.ests {
		if e.Signal && e.Confidence > 0 {
			t.Errorf("0.8 s period: estimate %.1f ms with confidence %.2f (ambiguity %.2f), want confidence 0", e.OffsetMs, e.Confidence, e.Ambiguity)
			break
		}
	}
	if len(res.events) > 0 {
		t.Errorf("0.8 s period: alert %v", res.events)
	}
}

// TestCorrelatorDrift: 0 → +250 ms over 60 s. Each estimate describes the
// middle of its window, so it is compared with the truth there.
func TestCorrelatorDrift(t *testing.T) {
	t.Parallel()
	for _, fps := range []float64{25, 50} {
		drift := func(t time.Duration) float64 { return 250 * min(1, max(0, t.Seconds()/60)) }
		s := programme(fps, 70*time.Second, drift, 42)
		res := runCorr(s, DefaultSettings(), drift)
		// Drift spreads the matches of one window over tens of ms, so
		// fewer estimates reach the confidence bar than on a constant
		// offset; the ones that do must still be right.
		if len(res.confident) < len(res.ests)/4 || res.maxErr > 40 {
			t.Errorf("%v fps drift: %d/%d confident, max error %.1f ms", fps, len(res.confident), len(res.ests), res.maxErr)
		}
		// The alert starts once the offset is past +185 ms (t ≈ 44 s),
		// give or take the estimate error (±40 ms ≈ ±10 s of drift).
		if len(res.events) == 0 {
			t.Fatalf("%v fps drift: no alert", fps)
		}
		if at := res.events[0].at.Seconds(); at < 44-10 || at > 44+12 {
			t.Errorf("%v fps drift: alert at %.1f s, want ≈44 s", fps, at)
		}
		last := res.confident[len(res.confident)-1]
		t.Logf("%v fps drift: %d/%d confident, max error %.1f ms, last %.0f ms at %.1f s, events %v", fps, len(res.confident), len(res.ests), res.maxErr, last.OffsetMs, last.At.Seconds(), res.events)
	}
}
