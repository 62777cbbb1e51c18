package testvideos_test

import (
	"math"
	"sync"
	"time"

	"github.com/avwatch/avwatch/testvideos"
	"github.com/avwatch/avwatch/testvideos/internal/media"
	"github.com/avwatch/avwatch/testvideos/internal/plan"
	"github.com/avwatch/avwatch/testvideos/internal/synth"
)

// frameStat is what the tests keep of each decoded frame.
type frameStat struct {
	PTS       float64 // seconds from the first frame
	MeanY     float64
	MaxY      int
	StdY      float64
	DiffPrev  float64 // mean |ΔY| against the previous frame
	BlockEdge float64 // 8-px grid edge strength / off-grid gradient
	PSNR      float64 // against the source render (only when asked)
}

// decoded is one clip decoded with decodebin3.
type decoded struct {
	info   media.Decoded
	frames []frameStat
	audio  synth.Stereo // float samples, index 0 = first sample
	start  float64      // PTS of the first video frame (seconds); times below are relative to it
}

// audioAt returns samples [a, b) seconds.
func (d *decoded) audioAt(a, b float64) synth.Stereo {
	i, j := synth.Sec(a), synth.Sec(b)
	i = max(0, min(i, d.audio.Len()))
	j = max(i, min(j, d.audio.Len()))
	return d.audio.Slice(i, j)
}

// framesIn returns the stats of frames with a ≤ PTS < b.
func (d *decoded) framesIn(a, b float64) []frameStat {
	var out []frameStat
	for _, f := range d.frames {
		if f.PTS >= a-1e-3 && f.PTS < b-1e-3 { // TS rounds PTS to 90 kHz
			out = append(out, f)
		}
	}
	return out
}

var (
	planOnce sync.Once
	plans    map[string]*plan.Clip
)

func planFor(name string) *plan.Clip {
	planOnce.Do(func() {
		plans = map[string]*plan.Clip{}
		for _, c := range plan.All() {
			plans[c.Meta.Clip] = c
		}
	})
	return plans[name]
}

// decodeClip decodes every frame and sample of a clip and measures them.
// withPSNR re-renders each source frame to compare (costs a render per frame).
func decodeClip(path string, clip testvideos.Clip, withPSNR bool) (*decoded, error) {
	d := &decoded{}
	var prev []byte
	var src *synth.Frame
	var pl *plan.Clip
	if withPSNR {
		pl = planFor(clip.Clip)
		src = synth.NewFrame(clip.Width, clip.Height)
	}
	var l, r []float64
	first := true
	var audioStart float64
	info, err := media.Decode(path, func(pts time.Duration, f *synth.Frame) {
		st := frameStat{PTS: pts.Seconds()}
		measureFrame(f, prev, &st)
		if prev == nil {
			prev = make([]byte, len(f.Y))
		}
		copy(prev, f.Y)
		if pl != nil {
			pl.Render(len(d.frames), src)
			st.PSNR = psnr(f.Y, src.Y)
		}
		d.frames = append(d.frames, st)
	}, func(pts time.Duration, s []float32) {
		if first {
			audioStart, first = pts.Seconds(), false
		}
		for i := 0; i+1 < len(s); i += 2 {
			l = append(l, float64(s[i]))
			r = append(r, float64(s[i+1]))
		}
	})
	if err != nil {
		return nil, err
	}
	d.info = info
	d.start = info.VideoStart.Seconds()
	for i := range d.frames {
		d.frames[i].PTS -= d.start
	}
	// Align the audio so index 0 is the first video frame's time.
	lead := synth.Sec(audioStart - d.start)
	if lead > 0 {
		pad := make([]float64, lead)
		l, r = append(pad, l...), append(append([]float64(nil), pad...), r...)
	} else if lead < 0 {
		l, r = l[-lead:], r[-lead:]
	}
	d.audio = synth.Stereo{L: l, R: r}
	return d, nil
}

// measureFrame fills the luma statistics of f (every other row: plenty for
// the thresholds used, half the cost).
func measureFrame(f *synth.Frame, prev []byte, st *frameStat) {
	w, h := f.W, f.H
	var sum, sum2, diff float64
	var n int
	maxY := 0
	for y := 0; y < h; y += 2 {
		row := f.Y[y*w : (y+1)*w]
		var rs, rs2, rd int
		for x, v := range row {
			iv := int(v)
			rs += iv
			rs2 += iv * iv
			if iv > maxY {
				maxY = iv
			}
			if prev != nil {
				dv := iv - int(prev[y*w+x])
				if dv < 0 {
					dv = -dv
				}
				rd += dv
			}
		}
		sum += float64(rs)
		sum2 += float64(rs2)
		diff += float64(rd)
		n += w
	}
	mean := sum / float64(n)
	st.MeanY = mean
	st.MaxY = maxY
	st.StdY = math.Sqrt(math.Max(0, sum2/float64(n)-mean*mean))
	if prev != nil {
		st.DiffPrev = diff / float64(n)
	} else {
		st.DiffPrev = math.NaN()
	}
	st.BlockEdge = blockEdge(f)
}

// blockEdge is the mean luma step across macroblock (16-px) boundaries
// divided by the mean step elsewhere, horizontally and vertically averaged,
// over the picture above the ticker. About 1 for natural pictures; 3-4
// when every macroblock is one flat patch (extreme QP).
func blockEdge(f *synth.Frame) float64 {
	w := f.W
	h := f.H * 85 / 100
	var ratio float64
	for _, vertical := range []bool{false, true} {
		var on, off float64
		var non, noff int
		for y := 16; y < h; y += 3 { // every third row; 3 and 16 coprime, so boundary rows are sampled too
			row, up := f.Y[y*w:(y+1)*w], f.Y[(y-1)*w:y*w]
			for x := 1; x < w; x++ {
				var g, pos int
				if vertical {
					g, pos = int(row[x])-int(up[x]), y
				} else {
					g, pos = int(row[x])-int(row[x-1]), x
				}
				if g < 0 {
					g = -g
				}
				if pos%16 == 0 {
					on += float64(g)
					non++
				} else {
					off += float64(g)
					noff++
				}
			}
		}
		if non == 0 || noff == 0 {
			continue
		}
		ratio += (on/float64(non) + 0.05) / (off/float64(noff) + 0.05) / 2
	}
	return ratio
}

func psnr(a, b []byte) float64 {
	var se float64
	for i := 0; i < len(a); i += 3 {
		d := float64(int(a[i]) - int(b[i]))
		se += d * d
	}
	mse := se / float64((len(a)+2)/3)
	if mse == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/mse)
}

func dbfs(s synth.Stereo) float64 { return synth.ToDB(synth.RMS(s.Chans())) }

func meanOf(fs []frameStat, get func(frameStat) float64) (mean, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	var n int
	for _, f := range fs {
		v := get(f)
		if math.IsNaN(v) {
			continue
		}
		mean += v
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		n++
	}
	return mean / float64(max(n, 1)), lo, hi
}
