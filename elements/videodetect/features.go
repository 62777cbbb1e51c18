package videodetect

import (
	"encoding/binary"
	"math"
)

// Features are one frame's measurements. All of them come from the probe
// samples (sampler.go), not from every pixel: about 16 samples per
// macroblock for luma statistics and 24 for block edges.
type Features struct {
	// Macroblocks is the number of macroblocks probed; 0 means the picture
	// was too small to analyse and every other field is meaningless.
	Macroblocks int
	// Luma is the mean luma as a fraction of the nominal range (0 = black
	// level, 1 = white level).
	Luma float64
	// Dark is the share of luma samples at or below the black pixel
	// threshold.
	Dark float64
	// Diff is the mean absolute luma difference to the freeze reference
	// frame, as a fraction of 255 (ffmpeg freezedetect's MAFD); -1 when
	// there is no reference yet.
	Diff float64
	// Block is the picture's block-edge excess: the share of probed block
	// edges showing a block step, minus the same share at off-grid control
	// positions. About 0 for clean pictures, 0.03 and up for concealed or
	// heavily quantised ones.
	Block float64
	// BlockDiff is the same measure on the difference to the previous frame:
	// macroblocks that changed on their own.
	BlockDiff float64
	// Streak is the share of textured probe rows whose probe column is
	// flat, minus the opposite case: high when rows are repeated
	// downwards, as libav does below a damaged slice.
	Streak float64
	// Active is the share of probe lines with visible detail (gradients
	// adding up to 4 levels or more): near 0 for black or flat pictures.
	Active float64
	// Bright is the share of luma samples at near-white (at or above 84%
	// of the nominal range: code 200 in limited range, 214 in full): about
	// 1 for a flash frame, the patch's share of the picture for a white
	// sync patch. A/V sync (avsync) finds marker flashes with it.
	Bright float64
	// Still is true when the frame is bit-identical to the previous one at
	// every sample: what a decoder outputs when it repeats a picture, and
	// what a camera on a still scene (noise) or a still slide being refined
	// by the encoder does not.
	Still bool
	// Blockiness is the blockiness detector's score for the frame (see
	// blockDetector): 1 = clearly damaged.
	Blockiness float64
}

// A probe line is flat when its gradients add up to at most streakFlat
// levels (repeated rows are exact copies), textured from streakTexture (two
// levels per gradient: detail, not a smooth ramp).
const (
	streakFlat    = 1
	streakTexture = 16
	streakPrior   = 20
)

// Step thresholds (8-bit code values) of the block-edge test. A step must be
// visible: 3 levels in the picture, 4 in the difference of two pictures
// (which carries the noise of both).
const (
	minStepPicture = 3
	minStepDiff    = 4
)

// extractor gathers the samples of each frame and computes its Features. It
// keeps three sample buffers and rotates them instead of copying: the
// current frame, the previous one, and the freeze reference (the first frame
// of a run of repeats, as in freezedetect, so a slow drift of tiny changes
// does not pass for a freeze).
type extractor struct {
	geom      geometry
	bufs      [3][]byte
	cur       int
	prev, ref int // -1: none
	darkT     uint8
	darkScale bool   // threshold >= 128: count with the scalar loop
	brightM   uint64 // near-white code minus 128 (see countGE128)
	black     int    // nominal black level (16 or 0)
	rangeInv  float64
}

func newExtractor() *extractor { return &extractor{prev: -1, ref: -1} }

// configure prepares for pictures of w×h (re-allocating only on a size
// change) and sets the black pixel threshold. It forgets previous frames
// when the size changes.
func (x *extractor) configure(w, h int, fullRange bool, pixelThreshold float64) {
	if x.geom.width != w || x.geom.height != h || x.bufs[0] == nil {
		x.geom = newGeometry(w, h)
		for i := range x.bufs {
			x.bufs[i] = make([]byte, x.geom.size())
		}
		x.reset()
	}
	lo, hi := 16.0, 235.0
	if fullRange {
		lo, hi = 0, 255
	}
	x.black = int(lo)
	x.rangeInv = 1 / (hi - lo)
	// Like ffmpeg blackdetect: a pixel is dark when <= black + th·range,
	// truncated.
	t := lo + pixelThreshold*(hi-lo)
	if t > 255 {
		t = 255
	}
	x.darkT = uint8(t)
	x.darkScale = x.darkT >= 128
	x.brightM = uint64(math.Round(lo+brightLevel*(hi-lo))) - 128
}

// brightLevel is where near-white starts, as a fraction of the nominal
// range: above the brightest greys programme pictures hold most of the
// time, below white minus coding noise (a flash frame or white patch
// decodes to 235±a few in limited range).
const brightLevel = 0.84

// reset forgets previous frames (discontinuity, new size).
func (x *extractor) reset() {
	x.cur, x.prev, x.ref = 0, -1, -1
}

// inner returns the 8 samples inside the macroblock of row probe m, as a
// word: luma statistics and freeze work on these.
func inner(rows []byte, m int) uint64 {
	return binary.LittleEndian.Uint64(rows[m*probeLen+probeLead:])
}

// measure gathers the samples of f and computes its features.
func (x *extractor) measure(f *Frame) Features {
	g := &x.geom
	ft := Features{Macroblocks: g.n, Diff: -1}
	if g.n == 0 {
		return ft
	}
	cur := x.bufs[x.cur]
	g.gather(cur, f.Y)
	rows, cols := cur[:g.n*probeLen], cur[g.n*probeLen:]
	var prows, pcols, rrows []byte
	if x.prev >= 0 {
		p := x.bufs[x.prev]
		prows, pcols = p[:g.n*probeLen], p[g.n*probeLen:]
	}
	if x.ref >= 0 {
		rrows = x.bufs[x.ref][:g.n*probeLen]
	}

	// Separate tight passes: each is branch-light and stays in registers.
	var lumaSum, dark, bright int
	t := x.darkT
	for m := 0; m < g.n; m++ {
		w := inner(rows, m)
		lumaSum += byteSum(w)
		bright += countGE128(w, x.brightM)
		if x.darkScale {
			dark += countLEScalar(rows[m*probeLen+probeLead:m*probeLen+probeLead+8], t)
		} else {
			dark += countLE(w, t)
		}
	}

	// Freeze: exactness against the previous frame, mean difference to the
	// reference.
	changed, sad := 0, 0
	if prows != nil {
		for m := 0; m < g.n; m++ {
			if inner(rows, m) != inner(prows, m) {
				changed++
			}
		}
	}
	if rrows != nil {
		for m := 0; m < g.n; m++ {
			if inner(rows, m) != inner(rrows, m) {
				o := m*probeLen + probeLead
				sad += sad8(rows[o:o+8], rrows[o:o+8])
			}
		}
	}

	// Block edges and streaks of the picture.
	var pic stepCount
	vHits, hHits, rowTex, colTex, active := 0, 0, 0, 0, 0
	for k, m := range g.blk {
		r := (*[probeLen]byte)(rows[int(m)*probeLen:])
		c := (*[probeLen]byte)(cols[k*probeLen:])
		gr, ct, rowAct := lineSteps(r, minStepPicture)
		gc, cc, colAct := lineSteps(c, minStepPicture)
		pic.grid += gr + gc
		pic.ctrl += ct + cc
		rt, ct := b2i(rowAct >= streakTexture), b2i(colAct >= streakTexture)
		rowTex += rt
		colTex += ct
		vHits += rt & b2i(colAct <= streakFlat)
		hHits += ct & b2i(rowAct <= streakFlat)
		active += b2i(rowAct >= 4) + b2i(colAct >= 4)
	}

	// Block edges of the frame-to-frame difference, on every third block
	// probe once there are plenty (a diagonal pattern): the cue is a share,
	// a third of the probes give it with ample precision at a third of the
	// cost.
	var dif stepCount
	difN := 0
	if prows != nil {
		every := 1
		if g.nb > denseProbes {
			every = 3
		}
		for k := 0; k < g.nb; k += every {
			m := int(g.blk[k])
			gr, ct := diffLineSteps((*[probeLen]byte)(rows[m*probeLen:]), (*[probeLen]byte)(prows[m*probeLen:]), minStepDiff)
			gc, cc := diffLineSteps((*[probeLen]byte)(cols[k*probeLen:]), (*[probeLen]byte)(pcols[k*probeLen:]), minStepDiff)
			dif.grid += gr + gc
			dif.ctrl += ct + cc
			difN++
		}
	}

	n := float64(8 * g.n)
	ft.Luma = (float64(lumaSum)/n - float64(x.black)) * x.rangeInv
	ft.Dark = float64(dark) / n
	ft.Bright = float64(bright) / n
	if rrows != nil {
		ft.Diff = float64(sad) / n / 255
	}
	ft.Still = prows != nil && changed == 0
	// Four grid edges and four control positions per block probe.
	ft.Block = float64(pic.grid-pic.ctrl) / float64(4*g.nb)
	// Streaks: of the textured rows, the share over a flat column, against
	// the transposed share so that content with as many horizontal as
	// vertical structures cancels. The +streakPrior keeps a handful of
	// textured lines (a nearly flat picture) from making a share of 1.
	ft.Streak = float64(vHits)/float64(rowTex+streakPrior) - float64(hHits)/float64(colTex+streakPrior)
	ft.Active = float64(active) / float64(2*g.nb)
	if difN > 0 {
		ft.BlockDiff = float64(dif.grid-2*dif.ctrl) / float64(4*difN)
	}
	return ft
}

// advance ends the frame: it becomes the previous frame, and the freeze
// reference unless keepRef (the frame repeats the reference).
func (x *extractor) advance(keepRef bool) {
	if x.geom.n == 0 {
		return
	}
	if !keepRef || x.ref < 0 {
		x.ref = x.cur
	}
	x.prev = x.cur
	// The next current buffer is the one that is neither prev nor ref.
	for i := range x.bufs {
		if i != x.prev && i != x.ref {
			x.cur = i
			break
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func countLEScalar(v []byte, t uint8) int {
	n := 0
	for _, b := range v {
		if b <= t {
			n++
		}
	}
	return n
}
