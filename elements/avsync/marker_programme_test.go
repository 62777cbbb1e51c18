package avsync

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// featureClip is a marker clip given as features, for cases the sample
// synthesiser does not make: a programme whose white share flickers and
// steps by about a percent, as a real programme's does.
type featureClip struct {
	dur     time.Duration
	bright  func(t time.Duration) float64 // programme white share
	markers []time.Duration               // white frames
	toneLag time.Duration                 // tone onset after each white frame
	patch   float64                       // white share a marker adds; 0: the whole frame
}

func (c featureClip) run(set Settings) *markerRun {
	r := &markerRun{m: NewMarker(set)}
	const frame = 40 * time.Millisecond
	tone := func(t time.Duration) bool {
		for _, m := range c.markers {
			if d := t - (m + c.toneLag); d >= 0 && d < 40*time.Millisecond {
				return true
			}
		}
		return false
	}
	at := time.Duration(0)
	for v := time.Duration(0); v < c.dur; v += frame {
		for ; at < v+frame; at += blockDur { // audio up to the frame's end
			b := AudioBlock{RT: at, Dur: blockDur, Energy: 1e-3}
			if tone(at) {
				b.Tone, b.Energy = 0.05, 0.051
			}
			r.collect(r.m.AddAudio(b, nil))
		}
		f := VideoFrame{PTS: v, RT: v, Duration: frame, Bright: c.bright(v)}
		for _, m := range c.markers {
			if v == m {
				f.Bright = 1
				if c.patch > 0 {
					f.Bright = min(1, c.bright(v)+c.patch)
				}
			}
		}
		r.video(f)
	}
	r.collect(r.m.Finish(c.dur, nil))
	return r
}

// TestMarkerOverFlickeringProgramme: white frames every 2 s over a
// programme whose white share flickers between 2 and 3 % and, for a few
// seconds, carries a graphic adding 1.5 % (the ffmpeg corpus clip
// avsync_flashbeep_p240). A flicker must not pass for a flash and take the
// marker's tone, and the graphic must not hold the flash state so that the
// white frames during it go unseen. Every marker pairs at +240 ms and one
// window covers them.
func TestMarkerOverFlickeringProgramme(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	noise := make([]float64, 1000)
	for i := range noise {
		noise[i] = 0.02 + 0.01*rng.Float64()
	}
	c := featureClip{
		dur: 16 * time.Second,
		bright: func(t time.Duration) float64 {
			b := noise[int(t/(40*time.Millisecond))%len(noise)]
			if t >= 2680*time.Millisecond && t < 6400*time.Millisecond {
				b += 0.015
			}
			return b
		},
		markers: periodic(time.Second, 2*time.Second, 16*time.Second),
		toneLag: 240 * time.Millisecond,
	}
	r := c.run(DefaultSettings())
	for _, p := range r.pairs {
		if math.Abs(p.OffsetMs-240) > 1 {
			t.Errorf("wrong pair %+v", p)
		}
	}
	if len(r.pairs) != len(c.markers) {
		t.Errorf("%d pairs of %d markers", len(r.pairs), len(c.markers))
	}
	if len(r.events) != 2 || r.events[0].at > 3*time.Second {
		t.Errorf("want one window from the first pairs, got %v", r.events)
	}
}

// TestMarkerSparseBadPairs: one bad pair, or two bad pairs with the
// markers gone for longer than markerGap between them, is not a bad state
// lasting MinDuration, however long the stream runs on after it.
func TestMarkerSparseBadPairs(t *testing.T) {
	flat := func(time.Duration) float64 { return 0.02 }
	for _, markers := range [][]time.Duration{
		{2 * time.Second},
		{2 * time.Second, 12 * time.Second},
	} {
		c := featureClip{dur: 14 * time.Second, bright: flat, markers: markers, toneLag: 300 * time.Millisecond}
		r := c.run(DefaultSettings())
		if len(r.pairs) != len(markers) {
			t.Errorf("markers %v: %d pairs", markers, len(r.pairs))
		}
		if len(r.events) != 0 {
			t.Errorf("markers %v: %v", markers, r.events)
		}
	}
}

// TestMarkerAfterBrighterScene: the programme cuts to a scene with 28 %
// more white and stays there. That is no marker (longer than maxFlash): the
// new level becomes the baseline, so the white patches (20 % of the
// picture) on it are seen again; before, the flash state held for ever.
func TestMarkerAfterBrighterScene(t *testing.T) {
	c := featureClip{
		dur: 16 * time.Second,
		bright: func(t time.Duration) float64 {
			if t >= 4520*time.Millisecond {
				return 0.3
			}
			return 0.02
		},
		markers: periodic(time.Second, 2*time.Second, 16*time.Second),
		toneLag: 240 * time.Millisecond,
		patch:   0.2,
	}
	r := c.run(DefaultSettings())
	for _, p := range r.pairs {
		if math.Abs(p.OffsetMs-240) > 1 {
			t.Errorf("wrong pair %+v", p)
		}
	}
	// The marker 0.48 s after the cut falls in the maxFlash blind spot.
	if len(r.pairs) < len(c.markers)-1 {
		t.Errorf("%d pairs of %d markers", len(r.pairs), len(c.markers))
	}
	if len(r.events) != 2 {
		t.Errorf("want one window, got %v", r.events)
	}
}
