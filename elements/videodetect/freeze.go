package videodetect

import (
	"math"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// freezeDetector flags frames that repeat the freeze reference: their mean
// absolute luma difference to it (Features.Diff, a fraction of 255) is below
// the noise floor, ffmpeg freezedetect's -60 dB = 0.001 = a quarter of a code
// value per pixel.
//
// The floor alone does not separate the two cases the detector must: after
// compression a still caption with sensor noise differs from frame to frame
// by far less than -60 dB (measured: -74 dB at QP 22; the encoder keeps
// only a trace of the noise), as close to a repeated frame as the floor
// can tell. What does separate them is exactness: a decoder repeating a
// picture outputs the same pixels (H.264/MPEG-2 skip blocks copy the
// reference bit for bit; an encoder refining a still picture stops after a
// few frames), while the noisy caption keeps changing a few samples by a
// level on every frame. So a candidate is confirmed only once at least half
// of its frames were bit-identical to their predecessor (Features.Still);
// its start is still dated at its first frame under the floor.
//
// The reference is the first frame of the run (the extractor keeps it while
// frames repeat), so a slow drift of sub-floor changes adds up and ends the
// freeze. A keyframe inside a freeze re-quantises the picture and differs
// from the reference by once; the gate's bridge keeps the window whole.
//
// Value hysteresis: inside a candidate or window a frame stays frozen up to
// twice the floor (+6 dB).
type freezeDetector struct {
	tracker
	floor   float64
	noiseDB float64
	frozen  int // frozen frames in the open candidate
	still   int // and how many of them were Still
}

// freezeStillShare is the share of bit-identical frames a candidate needs.
const freezeStillShare = 0.5

// freezeGap bridges a refreshed frame (a keyframe) inside a freeze.
const freezeGap = 200 * time.Millisecond

// minDB is the value reported for a bit-identical repeat (log of 0).
const minDB = -120

func (d *freezeDetector) configure(s FreezeSettings) {
	d.typ = defect.Freeze
	d.noiseDB = s.NoiseDB
	d.floor = math.Pow(10, s.NoiseDB/20)
	d.minDuration = s.MinDuration
	d.majority = majority
	d.lowIsWorse = true
	d.gate.ClearDuration = freezeGap
	d.gate.Bridge = freezeGap
}

// isFrozen is the verdict with hysteresis; black frames are left to the
// black detector (suppressBlack), since a black picture is also a still one.
func (d *freezeDetector) isFrozen(f *Features, suppressBlack bool) bool {
	if f.Diff < 0 || suppressBlack {
		return false
	}
	th := d.floor
	if d.pending() {
		th *= 2
	}
	return f.Diff <= th
}

func (d *freezeDetector) step(out []defect.Event, pts time.Duration, f *Features, frozen bool) []defect.Event {
	if d.gate.Idle() {
		d.frozen, d.still = 0, 0
	}
	if frozen {
		d.frozen++
		if f.Still {
			d.still++
		}
	}
	// Hold the candidate unconfirmed (but alive) until enough of its frames
	// were exact repeats.
	hold := float64(d.still) < freezeStillShare*float64(d.frozen)
	return d.tracker.step(out, pts, frozen, hold, diffDB(f.Diff), d.noiseDB)
}

// diffDB expresses a difference in dB relative to full scale.
func diffDB(diff float64) float64 {
	if diff <= 0 {
		return minDB
	}
	db := 20 * math.Log10(diff)
	if db < minDB {
		return minDB
	}
	return db
}

// DiffDB expresses a Features.Diff in dB of full scale, -120 for an exact
// repeat (stats, messages).
func DiffDB(diff float64) float64 { return diffDB(diff) }
