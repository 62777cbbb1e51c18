package testvideos_test

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/testvideos"
	"github.com/avwatch/avwatch/testvideos/internal/plan"
	"github.com/avwatch/avwatch/testvideos/internal/synth"
)

// TestClips decodes every clip once with decodebin3, checks its format
// against truth.json, and checks that every injected defect (and decoy) is
// in the decoded pixels and samples what truth.json says it is.
func TestClips(t *testing.T) {
	dir := testvideos.Dir(t)
	truth, err := testvideos.Fresh(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range truth.Clips {
		t.Run(c.Clip, func(t *testing.T) {
			t.Parallel()
			withPSNR := c.Clip == "blocky.ts"
			d, err := decodeClip(filepath.Join(dir, c.Clip), c, withPSNR)
			if err != nil {
				t.Fatal(err)
			}
			checkFormat(t, c, d)
			for _, e := range truth.EventsFor(c.Clip) {
				checkEvent(t, c, e, d)
			}
			if c.Control {
				checkClean(t, d)
			}
			if len(c.MarkersS) > 0 {
				checkMarkers(t, c, d)
			}
			if len(c.AVEvents) > 0 {
				checkAVEvents(t, c, d)
			}
		})
	}
}

func checkFormat(t *testing.T, c testvideos.Clip, d *decoded) {
	t.Helper()
	i := d.info
	if i.Width != c.Width || i.Height != c.Height {
		t.Errorf("resolution %dx%d, truth %dx%d", i.Width, i.Height, c.Width, c.Height)
	}
	if i.FPSN*c.FPSDen != c.FPSNum*i.FPSD {
		t.Errorf("frame rate %d/%d, truth %d/%d", i.FPSN, i.FPSD, c.FPSNum, c.FPSDen)
	}
	if i.Frames != c.Frames {
		t.Errorf("%d frames decoded, truth %d", i.Frames, c.Frames)
	}
	if dur := (i.VideoEnd - i.VideoStart).Seconds(); math.Abs(dur-c.DurationS) > 0.001 {
		t.Errorf("video duration %.3f s, truth %.3f s", dur, c.DurationS)
	}
	if i.Rate != c.AudioRate || i.Chans != c.AudioChans {
		t.Errorf("audio %d Hz × %d, truth %d Hz × %d", i.Rate, i.Chans, c.AudioRate, c.AudioChans)
	}
	if dur := (i.AudioEnd - i.AudioStart).Seconds(); math.Abs(dur-c.DurationS) > 0.05 {
		t.Errorf("audio duration %.3f s, truth %.3f s", dur, c.DurationS)
	}
	if skew := (i.AudioStart - i.VideoStart).Seconds(); math.Abs(skew) > 0.002 {
		t.Errorf("audio starts %.1f ms after video; the generator aligns them", skew*1000)
	}
}

func checkEvent(t *testing.T, c testvideos.Clip, e testvideos.Event, d *decoded) {
	t.Helper()
	name := fmt.Sprintf("%s %.2f-%.2f", e.Type, e.StartS, e.EndS)
	if e.Decoy {
		name += " (decoy)"
	}
	if e.Optional {
		return // a side effect of another event, checked there
	}
	fps := c.FPS()
	switch e.Type {
	case defect.Black:
		in := d.framesIn(e.StartS, e.EndS)
		mean, _, _ := meanOf(in, func(f frameStat) float64 { return f.MeanY })
		maxY := 0
		for _, f := range in {
			maxY = max(maxY, f.MaxY)
		}
		diff, _, _ := meanOf(in[1:], func(f frameStat) float64 { return f.DiffPrev })
		t.Logf("%s: %d frames, mean luma %.2f, max luma %d, mean frame difference %.2f", name, len(in), mean, maxY, diff)
		if !e.Decoy {
			if len(in) != int(math.Round((e.EndS-e.StartS)*fps)) || mean > 16.5 || maxY > 20 {
				t.Errorf("%s: not black", name)
			}
			before := d.framesIn(e.StartS-1/fps, e.StartS)
			after := d.framesIn(e.EndS, e.EndS+1/fps)
			if before[0].MeanY < 40 || after[0].MeanY < 40 {
				t.Errorf("%s: the frames just outside are black too (%.1f, %.1f): window misplaced", name, before[0].MeanY, after[0].MeanY)
			}
		} else if mean < 25 || mean > 40 || maxY <= 24 || diff < 0.2 {
			t.Errorf("%s: want a dim (mean luma 25-40), textured, moving scene", name)
		}
	case defect.Freeze:
		in := d.framesIn(e.StartS, e.EndS)
		_, lo, hi := meanOf(in, func(f frameStat) float64 { return f.DiffPrev })
		mean, _, _ := meanOf(in, func(f frameStat) float64 { return f.DiffPrev })
		t.Logf("%s: %d frames, frame difference mean %.3f min %.3f max %.3f", name, len(in), mean, lo, hi)
		if !e.Decoy {
			// x264 refines the repeated picture a little on the first
			// repeats (its reconstruction differs from the source); after
			// that the decoded frames are identical or nearly.
			first := in[0].DiffPrev
			settled := d.framesIn(e.StartS+2/fps, e.EndS)
			_, _, shi := meanOf(settled, func(f frameStat) float64 { return f.DiffPrev })
			same := 0
			for _, f := range in {
				if f.DiffPrev == 0 {
					same++
				}
			}
			t.Logf("%s: first repeat differs by %.3f, later ones by at most %.3f; %d of %d exactly identical", name, first, shi, same, len(in))
			if first > 1 || shi > 0.05 {
				t.Errorf("%s: frames change during the freeze (first repeat %.3f, later up to %.3f)", name, first, shi)
			}
			next := d.framesIn(e.EndS, e.EndS+1/fps)
			if next[0].DiffPrev < 3 {
				t.Errorf("%s: the first frame after the freeze barely changes (%.2f)", name, next[0].DiffPrev)
			}
		} else if lo < 1 {
			t.Errorf("%s: some consecutive decoded frames differ by only %.3f: the decoy is secretly a freeze", name, lo)
		}
	case defect.Blockiness:
		checkBlockiness(t, name, e, d, fps)
	case defect.Silence:
		a, b := e.StartS+0.06, e.EndS-0.06
		w := d.audioAt(a, b)
		lvl := dbfs(w)
		zeros := 0
		for _, ch := range w.Chans() {
			for _, v := range ch {
				if v == 0 {
					zeros++
				}
			}
		}
		frac := float64(zeros) / float64(2*w.Len())
		outside := dbfs(d.audioAt(e.StartS-1, e.StartS-0.06))
		t.Logf("%s: %.1f dBFS RMS, %.1f%% exact zeros; 1 s before: %.1f dBFS", name, lvl, 100*frac, outside)
		switch {
		case e.DigitalZero:
			if frac != 1 {
				t.Errorf("%s: only %.2f%% of the samples are exactly zero", name, 100*frac)
			}
		default:
			if math.Abs(lvl-e.LevelDBFS) > 2 || frac > 0.5 {
				t.Errorf("%s: level %.1f dBFS (%.0f%% zeros), want %.0f dBFS of non-zero signal", name, lvl, 100*frac, e.LevelDBFS)
			}
		}
		if outside < -35 {
			t.Errorf("%s: the programme before it is at %.1f dBFS: window misplaced", name, outside)
		}
	case defect.Clipping:
		w := d.audioAt(e.StartS+0.05, e.EndS-0.05)
		var near, over, n int
		var peak float64
		for _, ch := range w.Chans() {
			for _, v := range ch {
				a := math.Abs(v)
				peak = math.Max(peak, a)
				if a >= 0.9 {
					near++
				}
				if a >= 1 {
					over++
				}
				n++
			}
		}
		pre := d.audioAt(e.StartS-2, e.StartS-0.05)
		prePeak := 0.0
		for _, ch := range pre.Chans() {
			for _, v := range ch {
				prePeak = math.Max(prePeak, math.Abs(v))
			}
		}
		// The codec rebuilds the flat tops with ripple and overshoot, so
		// count samples near and beyond full scale (beyond would be pinned
		// at full scale by any integer output).
		t.Logf("%s: decoded samples: %.1f%% at ≥0.9 of full scale, %.1f%% at or beyond it, peak %.2f; peak in the 2 s before %.2f",
			name, 100*float64(near)/float64(n), 100*float64(over)/float64(n), peak, prePeak)
		if float64(near)/float64(n) < 0.1 || peak < 1 || prePeak > 0.6 {
			t.Errorf("%s: not driven into full scale", name)
		}
	case defect.TruePeak:
		w := d.audioAt(e.StartS+0.05, e.EndS-0.05)
		tp := synth.ToDB(synth.TruePeak(w.Chans()))
		t.Logf("%s: true peak %.2f dBTP", name, tp)
		if tp < -1 {
			t.Errorf("%s: true peak %.2f dBTP is not above -1", name, tp)
		}
	case defect.Loudness:
		w := d.audioAt(e.StartS+0.5, e.EndS-0.5)
		l := synth.IntegratedLUFS(w.Chans(), synth.Rate)
		tp := synth.ToDB(synth.TruePeak(w.Chans()))
		t.Logf("%s: %.2f LUFS (truth %.0f), true peak %.2f dBTP", name, l, e.LUFS, tp)
		if math.Abs(l-e.LUFS) > 1.5 {
			t.Errorf("%s: %.2f LUFS, truth %.0f", name, l, e.LUFS)
		}
		if tp > -1 {
			t.Errorf("%s: true peak %.2f dBTP would also be a true-peak event", name, tp)
		}
	case defect.ChannelLoss:
		w := d.audioAt(e.StartS+0.06, e.EndS-0.06)
		dead, live := w.R, w.L
		if *e.Channel == 0 {
			dead, live = w.L, w.R
		}
		ld, ll := synth.ToDB(synth.RMS([][]float64{dead})), synth.ToDB(synth.RMS([][]float64{live}))
		t.Logf("%s: channel %d at %.1f dBFS, the other at %.1f dBFS", name, *e.Channel, ld, ll)
		if ld > -90 || ll < -40 {
			t.Errorf("%s: dead channel at %.1f dBFS, live one at %.1f dBFS", name, ld, ll)
		}
	case defect.Phase:
		w := d.audioAt(e.StartS+0.06, e.EndS-0.06)
		pre := d.audioAt(e.StartS-3, e.StartS-0.06)
		c, cpre := synth.Correlation(w.L, w.R), synth.Correlation(pre.L, pre.R)
		t.Logf("%s: correlation %.3f (3 s before: %.3f)", name, c, cpre)
		if c > -0.8 || cpre < 0.8 {
			t.Errorf("%s: correlation %.2f inside, %.2f before", name, c, cpre)
		}
	case defect.AVOffset:
		// Checked through the markers / events of the clip.
	default:
		t.Errorf("%s: no check for this type", name)
	}
}

func checkBlockiness(t *testing.T, name string, e testvideos.Event, d *decoded, fps float64) {
	t.Helper()
	in := d.framesIn(e.StartS, e.EndS)
	ref := append(d.framesIn(0.5, 4), d.framesIn(13, 15.5)...)
	psIn, psLo, _ := meanOf(in, func(f frameStat) float64 { return f.PSNR })
	psRef, psRefLo, _ := meanOf(ref, func(f frameStat) float64 { return f.PSNR })
	beIn, _, _ := meanOf(in, func(f frameStat) float64 { return f.BlockEdge })
	beRef, _, beRefHi := meanOf(ref, func(f frameStat) float64 { return f.BlockEdge })
	after := d.framesIn(e.EndS, e.EndS+1/fps)[0]
	t.Logf("%s: PSNR vs source mean %.1f min %.1f dB (clean frames: mean %.1f min %.1f); macroblock edge ratio %.2f (clean %.2f, max %.2f); first frame after: PSNR %.1f",
		name, psIn, psLo, psRef, psRefLo, beIn, beRef, beRefHi, after.PSNR)
	if strings.Contains(e.Note, "QP") {
		if beIn < 1.5*beRef || beIn < beRefHi || psIn > psRef-8 {
			t.Errorf("%s: frames are not visibly blocky", name)
		}
	} else {
		// Concealed slice damage: the damaged picture and those predicted
		// from it are far from the source until the IDR.
		first := in[0]
		if first.PSNR > psRefLo-6 || psLo > psRefLo-10 {
			t.Errorf("%s: damaged frames are not measurably different from a clean decode", name)
		}
		prev := d.framesIn(e.StartS-1/fps, e.StartS)[0]
		if prev.PSNR < psRefLo-1 {
			t.Errorf("%s: the frame before the damage is already damaged (%.1f dB)", name, prev.PSNR)
		}
	}
	if after.PSNR < psRefLo-1 {
		t.Errorf("%s: the first frame after the window is still damaged (%.1f dB)", name, after.PSNR)
	}
}

// checkClean asserts the control clip is clean for every detector.
func checkClean(t *testing.T, d *decoded) {
	t.Helper()
	ch := d.audio.Chans()
	l := synth.IntegratedLUFS(ch, synth.Rate)
	tp := synth.ToDB(synth.TruePeak(ch))
	corr := synth.Correlation(d.audio.L, d.audio.R)
	st := synth.ShortTermLUFS(ch, synth.Rate, 0.5)
	quiet := math.Inf(1)
	for a := 0.0; a+0.4 <= float64(d.audio.Len())/synth.Rate; a += 0.1 {
		quiet = math.Min(quiet, dbfs(d.audioAt(a, a+0.4)))
	}
	_, luLo, _ := meanOf(d.frames, func(f frameStat) float64 { return f.MeanY })
	_, dLo, _ := meanOf(d.frames, func(f frameStat) float64 { return f.DiffPrev })
	_, _, beHi := meanOf(d.frames, func(f frameStat) float64 { return f.BlockEdge })
	t.Logf("control: %.2f LUFS, short-term %.1f..%.1f, true peak %.2f dBTP, correlation %.3f, quietest 400 ms %.1f dBFS; min frame luma %.1f, min frame difference %.2f, max macroblock edge ratio %.2f",
		l, synth.Percentile(st, 0), synth.Percentile(st, 100), tp, corr, quiet, luLo, dLo, beHi)
	if math.Abs(l+23) > 1 || synth.Percentile(st, 0) < -28 || synth.Percentile(st, 100) > -18 {
		t.Errorf("control loudness %.2f LUFS (short-term %.1f..%.1f) leaves -23 ± 5", l, synth.Percentile(st, 0), synth.Percentile(st, 100))
	}
	if tp > -1 || corr < 0.5 || quiet < -50 {
		t.Errorf("control audio not clean: true peak %.2f dBTP, correlation %.2f, quietest block %.1f dBFS", tp, corr, quiet)
	}
	if luLo < 40 || dLo < 0.5 || beHi > 2.5 {
		t.Errorf("control video not clean: min luma %.1f, min frame difference %.2f, max edge ratio %.2f", luLo, dLo, beHi)
	}
}

// checkMarkers finds each flash frame and each beep onset in the decoded
// clip and checks that the beep follows the flash by the truth offset,
// within one frame.
func checkMarkers(t *testing.T, c testvideos.Clip, d *decoded) {
	t.Helper()
	var flashes []float64
	for _, f := range d.frames {
		if f.MeanY > 200 {
			flashes = append(flashes, f.PTS)
		}
	}
	onsets := beepOnsets(d.audio.L)
	if len(flashes) != len(c.MarkersS) || len(onsets) != len(c.MarkersS) {
		t.Fatalf("found %d flash frames and %d beeps, truth has %d markers (flashes %v, beeps %v)", len(flashes), len(onsets), len(c.MarkersS), flashes, onsets)
	}
	frame := 1 / c.FPS()
	var worst float64
	for i := range flashes {
		if math.Abs(flashes[i]-c.MarkersS[i]) > 1e-3 {
			t.Errorf("flash %d at %.3f s, truth %.3f s", i, flashes[i], c.MarkersS[i])
		}
		got := (onsets[i] - flashes[i]) * 1000
		worst = math.Max(worst, math.Abs(got-c.AudioOffsetMs))
		if math.Abs(got-c.AudioOffsetMs) > frame*1000 {
			t.Errorf("marker %d: beep %.1f ms after the flash, truth %.0f ms", i, got, c.AudioOffsetMs)
		}
	}
	t.Logf("%d markers: beep-flash offset within %.1f ms of %.0f ms", len(flashes), worst, c.AudioOffsetMs)
}

// beepOnsets returns the times where a 1 kHz tone (Goertzel over 5 ms,
// 1 ms hop) first exceeds a third of the beep amplitude.
func beepOnsets(x []float64) []float64 {
	const n, hop = 240, 48 // 5 cycles of 1 kHz, 1 ms
	k := 2 * math.Cos(2*math.Pi*1000/synth.Rate)
	var out []float64
	last := -10.0
	for a := 0; a+n <= len(x); a += hop {
		var s1, s2 float64
		for _, v := range x[a : a+n] {
			s1, s2 = v+k*s1-s2, s1
		}
		amp := 2 * math.Sqrt(s1*s1+s2*s2-k*s1*s2) / n
		t := float64(a+n) / synth.Rate // onset seen once the window holds tone
		if amp > synth.DB(-10)/3 && t-last > 0.5 {
			// Refine: the window end where amplitude crosses is about when
			// a third of the window holds tone.
			out = append(out, t-float64(n)/3/synth.Rate)
			last = t
		}
	}
	return out
}

// checkAVEvents checks that every irregular event is where truth says:
// the picture changes on its frame and the sound rises at its audio time
// and not before.
func checkAVEvents(t *testing.T, c testvideos.Clip, d *decoded) {
	t.Helper()
	var diffs []float64
	for _, f := range d.frames[1:] {
		diffs = append(diffs, f.DiffPrev)
	}
	sort.Float64s(diffs)
	median := diffs[len(diffs)/2]
	worstV, worstA := math.Inf(1), math.Inf(1)
	for i, e := range c.AVEvents {
		f := d.framesIn(e.VideoS, e.VideoS+0.5/c.FPS())
		if len(f) != 1 {
			t.Fatalf("event %d: no frame at %.3f s", i, e.VideoS)
		}
		worstV = math.Min(worstV, f[0].DiffPrev/median)
		before := synth.RMS(d.audioAt(e.AudioS-0.08, e.AudioS-0.005).Chans())
		after := synth.RMS(d.audioAt(e.AudioS, e.AudioS+0.03).Chans())
		worstA = math.Min(worstA, after/before)
		if f[0].DiffPrev < 2.5*median || after < 3*before {
			t.Errorf("event %d (%s, video %.3f s, audio %.3f s): picture change %.1f× median, sound rise %.1f×", i, e.Kind, e.VideoS, e.AudioS, f[0].DiffPrev/median, after/before)
		}
	}
	t.Logf("%d events: picture change ≥ %.1f× the median frame difference, sound rise ≥ %.1f× (RMS, 30 ms after vs 75 ms before)", len(c.AVEvents), worstV, worstA)
}

var _ = plan.All
