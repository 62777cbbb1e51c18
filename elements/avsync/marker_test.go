package avsync

import (
	"fmt"
	"github.com/avwatch/avwatch/elements/defect"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// markerRun drives a lone Marker.
type markerRun struct {
	m      *Marker
	meter  AudioMeter
	blocks []AudioBlock
	pairs  []MarkerEstimate
	events []evt
}

func (r *markerRun) video(f VideoFrame) { r.collect(r.m.AddVideo(f, nil)) }
func (r *markerRun) audio(rt time.Duration, mono []float32, rate int) {
	r.blocks = r.meter.F32(rt, mono, 1, rate, 1000, r.blocks[:0])
	for _, b := range r.blocks {
		r.collect(r.m.AddAudio(b, nil))
	}
}
func (r *markerRun) collect(evs []defect.Event) {
	for _, e := range evs {
		r.events = append(r.events, evt{string(e.Edge), e.PTS, e.OffsetMs})
	}
	if e := r.m.Estimate(); e.Pairs > len(r.pairs) {
		r.pairs = append(r.pairs, e)
	}
}

func runMarker(s *synth, set Settings) *markerRun {
	r := &markerRun{m: NewMarker(set)}
	s.play(r)
	r.collect(r.m.Finish(s.dur, nil))
	return r
}

// TestMarkerAccuracy is the marker bar: every pair within ±1 video frame of
// the truth, on 25/29.97/50 fps, white patch and full flash, markers on
// frames and between frames (a tone that starts mid-frame), periodic every
// 2 s including offsets beyond the ±1 s pairing window's easy cases.
func TestMarkerAccuracy(t *testing.T) {
	t.Parallel()
	var table strings.Builder
	fmt.Fprintf(&table, "%-6s %-5s %-6s %6s %6s %9s %9s\n", "fps", "grid", "patch", "truth", "pairs", "median", "max|err|")
	for _, fps := range []float64{25, 30000.0 / 1001, 50} {
		frame := 1000 / fps
		for _, cont := range []bool{false, true} {
			for i, off := range []float64{-200, 0, 17, 300, -480} {
				for _, flash := range []bool{i%2 == 0} { // timing does not depend on the patch size
					s := &synth{fps: fps, dur: 20 * time.Second, rate: 48000, seed: uint64(i + 1), offsetMs: constOffset(off),
						motion: 0.01, noiseDBFS: -50, music: true, continuous: cont, markerFlash: flash}
					s.markers = periodic(time.Second+time.Duration(i)*time.Millisecond*7, 2*time.Second, s.dur)
					r := runMarker(s, DefaultSettings())
					var offs []float64
					worst := 0.0
					for _, p := range r.pairs {
						offs = append(offs, p.OffsetMs)
						worst = math.Max(worst, math.Abs(p.OffsetMs-off))
					}
					grid, patch := "frame", "patch"
					if cont {
						grid = "free"
					}
					if flash {
						patch = "flash"
					}
					fmt.Fprintf(&table, "%-6.2f %-5s %-6s %6.0f %3d/%-2d %9.2f %9.2f\n", fps, grid, patch, off, len(r.pairs), len(s.markers), median(offs), worst)
					if len(r.pairs) != len(s.markers) {
						t.Errorf("%.2f fps %s %s offset %v: %d pairs of %d markers", fps, grid, patch, off, len(r.pairs), len(s.markers))
					}
					if worst > frame {
						t.Errorf("%.2f fps %s %s offset %v: a pair is %.1f ms off (one frame is %.1f)", fps, grid, patch, off, worst, frame)
					}
					// Frame-aligned markers leave only the audio interpolation error.
					if !cont && worst > 1.5 {
						t.Errorf("%.2f fps frame-aligned offset %v: %.2f ms off", fps, off, worst)
					}
					bad := off < -90 || off > 185
					if bad != (len(r.events) > 0) {
						t.Errorf("%.2f fps offset %v: events %v", fps, off, r.events)
					}
				}
			}
		}
	}
	t.Logf("markers every 2 s, 20 s each:\n%s", table.String())
}

// TestMarkerRobust: lost markers, flashes without tone (bright programme),
// tones without flash, and spurious sounds do not produce wrong pairs.
func TestMarkerRobust(t *testing.T) {
	r0 := rand.New(rand.NewPCG(3, 3))
	s := &synth{fps: 25, dur: 40 * time.Second, rate: 48000, seed: 8, offsetMs: constOffset(300), motion: 0.01, noiseDBFS: -50, music: true}
	for i, m := range periodic(time.Second, 2*time.Second, s.dur) {
		if i%5 == 3 {
			continue // a lost marker
		}
		s.markers = append(s.markers, m)
	}
	s.events = irregular(r0, 0, s.dur, 1, 3) // programme: cuts, flashes, bangs
	s.kinds = make([]evKind, len(s.events))
	for i := range s.kinds {
		s.kinds[i] = evFlash // full-frame flashes with a bang, but no tone
	}
	r := runMarker(s, DefaultSettings())
	for _, p := range r.pairs {
		// A programme flash may start a frame before a marker flash and
		// mask its onset: one frame of error is all that can be asked.
		if math.Abs(p.OffsetMs-300) > 40 {
			t.Errorf("wrong pair: %+v", p)
		}
	}
	if len(r.pairs) < len(s.markers)-2 {
		t.Errorf("%d pairs of %d markers", len(r.pairs), len(s.markers))
	}
	if len(r.events) != 2 {
		t.Errorf("want one window, got %v", r.events)
	}
}

// TestMarkerTracksDrift: the offset moves 0 → 700 ms, past half the 2 s
// marker period's naive ±1 s pairing: pairing near the previous offset keeps
// following it.
func TestMarkerTracksDrift(t *testing.T) {
	drift := func(t time.Duration) float64 { return 700 * t.Seconds() / 60 }
	s := &synth{fps: 25, dur: 60 * time.Second, rate: 48000, seed: 4, offsetMs: drift, noiseDBFS: -50}
	s.markers = periodic(time.Second, 2*time.Second, s.dur)
	r := runMarker(s, DefaultSettings())
	for _, p := range r.pairs {
		if d := p.OffsetMs - drift(p.At); math.Abs(d) > 1.5 {
			t.Fatalf("pair at %v: %.1f ms, truth %.1f", p.At, p.OffsetMs, drift(p.At))
		}
	}
	if len(r.pairs) < len(s.markers)-1 {
		t.Fatalf("%d pairs of %d", len(r.pairs), len(s.markers))
	}
}

// TestMarkerAbsentClosesWindow: when markers stop (the feed switched to
// programme), an open window ends markerGap after the last pair.
func TestMarkerAbsentClosesWindow(t *testing.T) {
	s := &synth{fps: 25, dur: 40 * time.Second, rate: 48000, seed: 4, offsetMs: constOffset(-300), noiseDBFS: -50}
	s.markers = periodic(time.Second, 2*time.Second, 15*time.Second)
	r := runMarker(s, DefaultSettings())
	if len(r.events) != 2 {
		t.Fatalf("events %v", r.events)
	}
	if end := r.events[1].at; end < 13*time.Second || end > 20*time.Second {
		t.Fatalf("window ends at %v, want ~5 s after the last marker", end)
	}
}
