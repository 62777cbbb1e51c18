package videodetect

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// blockDetector flags block corruption: DCT blocking from extreme
// quantisation, macroblocks a decoder concealed or predicted from damaged
// data, and the vertical smear libav leaves below a damaged slice.
//
// How many grid steps or streaks clean pictures show depends on the codec
// and the content (graphics drawn on a 16-px grid, an MPEG-2 source, a
// picture of vertical stripes), so each cue is scored against the stream's
// own recent baseline, in units of a jump that clean material does not make
// from one frame to the next:
//
//	cue                      jump   what it catches
//	Block                    0.01   DCT blocking, concealed MBs (grid steps)
//	BlockDiff                0.02   MBs changing on their own (grid steps in
//	                                the frame-to-frame difference)
//	Streak                   0.25   rows below a damaged slice repeated
//	                                downwards (libav's smear)
//	Block, absolute          0.5    blocky whatever the baseline
//
// A cue's score is (cue − baseline) / max(jump, 5 × the cue's mean
// deviation), so streams whose cues are noisy (small pictures, busy
// graphics) need proportionally larger jumps; and it is capped at
// cue / floor: a cue must also reach a level no clean material showed
// (floors 0.015, 0.015, 0.45), so a cut between very different material (a
// still caption back to programme) does not pass for damage. The frame's
// score is the largest cue score or Block / 0.5, so 1 means "clearly
// damaged". Jumps and floors come from measured distributions: on clean
// H.264 material a frame's rise above its baselines stays within 0.006
// (Block), 0.009 (BlockDiff) and 0.16 (Streak) at the 99th percentile,
// while concealment after damaged slices and QP-50 windows add 0.02 to
// 0.09 to the grid cues and 0.4 and more to Streak where libav smears
// (elements/README.md has the table).
//
// Baselines are exponential averages. They learn fast from frames found
// clean and four times slower otherwise (so a lasting change of material
// becomes the new normal instead of an alert that never ends), upward spikes
// are clipped before they are averaged in, and the relative cues are only
// used once a second of material has been learnt.
type blockDetector struct {
	tracker
	threshold float64

	base    [nCues]float64
	dev     [nCues]float64 // mean absolute deviation from base
	learned time.Duration  // media time averaged into the baselines
	lastPTS time.Duration
	score   float64
}

const (
	cueBlock = iota
	cueBlockDiff
	cueStreak
	nCues
)

var (
	cueJump = [nCues]float64{0.01, 0.02, 0.25}
	// cueFloor is the level a cue must reach whatever its baseline: the
	// most clean material of any kind showed (a cut from a still caption
	// back to programme jumps the baselines' way but stays below it).
	cueFloor = [nCues]float64{0.015, 0.015, 0.45}
	cueTau   = [nCues]time.Duration{5 * time.Second, 5 * time.Second, time.Second}
)

// devFactor: a jump must also stand devFactor mean absolute deviations
// above the baseline, so streams whose cues are noisy (small pictures, few
// probes; busy graphics) need proportionally larger jumps.
const devFactor = 5

// minActive is the share of busy probe lines below which a frame carries no
// information about blocks (black, a flat colour, a fade): it is neither
// judged on the relative cues nor learnt.
const minActive = 0.05

// blockAbsolute is a Block share no clean material of any codec reaches,
// measured on the independent ffmpeg corpus (testvideos/ffcorpus): clean
// H.264, HEVC and VP9 stay at or below 0.03, clean 576-line MPEG-2 (no
// in-loop deblocking) reaches 0.33 (p99.9 0.28); 0.5 is 1.5× that. It
// never decided a detection there or on our clips (the relative cues do).
const (
	blockAbsolute = 0.5
	blockWarmUp   = time.Second
	// blockGap bridges frames where concealment happens not to show (a
	// still region copied from the right place) inside a damaged stretch.
	// It stays below the keyframe interval of MPEG-2 (0.48 s at GOP 12), so
	// periodic blockier I-frames are not bridged into a window.
	blockGap   = 200 * time.Millisecond
	blockClear = 500 * time.Millisecond
	// blockExit is the value hysteresis: inside a candidate or window, a
	// frame stays blocky down to this share of the threshold.
	blockExit = 0.6
)

func (d *blockDetector) configure(s BlockinessSettings) {
	d.typ = defect.Blockiness
	d.threshold = s.Threshold
	d.minDuration = s.MinDuration
	d.majority = majority
	d.gate.ClearDuration = blockClear
	d.gate.Bridge = blockGap
}

func (d *blockDetector) resetBaseline() {
	d.base = [nCues]float64{}
	d.dev = [nCues]float64{}
	d.learned = 0
}

func cues(f *Features) [nCues]float64 { return [nCues]float64{f.Block, f.BlockDiff, f.Streak} }

// measure computes the frame's score (without judging it).
func (d *blockDetector) measure(f *Features) float64 {
	s := f.Block / blockAbsolute
	if d.learned >= blockWarmUp && f.Active >= minActive {
		c := cues(f)
		for i := range c {
			if i == cueBlockDiff && f.Diff < 0 {
				continue // no previous frame
			}
			v := min((c[i]-d.base[i])/max(cueJump[i], devFactor*d.dev[i]), c[i]/cueFloor[i])
			if v > s {
				s = v
			}
		}
	}
	d.score = s
	return s
}

func (d *blockDetector) step(out []defect.Event, pts time.Duration, f *Features) []defect.Event {
	s := d.measure(f)
	th := d.threshold
	if d.pending() {
		th *= blockExit
	}
	out = d.tracker.step(out, pts, s >= th, false, s, d.threshold)
	if f.Active >= minActive {
		d.learn(pts, f, d.gate.Idle() && s < d.threshold/2)
	}
	d.lastPTS = pts
	return out
}

// learn folds the frame into the baselines.
func (d *blockDetector) learn(pts time.Duration, f *Features, clean bool) {
	// The first frame counts as one frame, not as the time since 0: a
	// transport stream's first frame comes at 0.7 s or later, and counting
	// that as learnt material ended the warm-up after a few frames, with
	// the cues' spread badly underestimated for the next ~10 s.
	dt := pts - d.lastPTS
	if d.learned == 0 || dt <= 0 || dt > time.Second {
		dt = 40 * time.Millisecond
	}
	warm := d.learned < blockWarmUp
	c := cues(f)
	for i := range c {
		if i == cueBlockDiff && f.Diff < 0 {
			continue
		}
		a := float64(dt) / float64(cueTau[i])
		if !clean && !warm {
			a /= 4
		}
		x := c[i]
		if warm {
			// Plain running mean: usable after a few frames.
			if w := float64(dt) / float64(d.learned+dt); w > a {
				a = w
			}
		} else if lim := d.base[i] + max(cueJump[i], devFactor*d.dev[i]); x > lim {
			x = lim
		}
		dev := x - d.base[i]
		if dev < 0 {
			dev = -dev
		}
		d.base[i] += a * (x - d.base[i])
		d.dev[i] += a * (dev - d.dev[i])
	}
	d.learned += dt
}
