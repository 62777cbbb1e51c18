package videodetect

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/avwatch/avwatch/internal/simd"
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
	brightM   uint64 // near-white code minus 128 (see geMask128)
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
			// Zeroed: the lanes no probe owns must stay zero.
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

// group returns lane group i of region buf.
func group(buf []byte, i int) *[groupBytes]byte {
	return (*[groupBytes]byte)(buf[i*groupBytes:])
}

// lumaStats are the sums and counts of the luma pass over the inner eight
// samples of every row probe.
type lumaStats struct {
	sum, dark, bright int
	changed           uint64 // nonzero: some sample differs from the previous frame
	sad               int    // Σ|sample − reference sample|
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
	var prev, ref []byte
	if x.prev >= 0 {
		prev = x.bufs[x.prev]
	}
	if x.ref >= 0 {
		ref = x.bufs[x.ref]
	}

	var ls lumaStats
	x.lumaPass(&ls, cur, prev, ref, x.ref == x.prev)

	pc := x.pictureCounts(cur, haveKernels && simd.AVX2)
	var difGrid, difCtrl int
	if prev != nil {
		difGrid, difCtrl = x.diffCounts(cur, prev, haveKernels && simd.AVX2)
	}

	n := float64(8 * g.n)
	ft.Luma = (float64(ls.sum)/n - float64(x.black)) * x.rangeInv
	ft.Dark = float64(ls.dark) / n
	ft.Bright = float64(ls.bright) / n
	if ref != nil {
		ft.Diff = float64(ls.sad) / n / 255
	}
	ft.Still = prev != nil && ls.changed == 0
	// Four grid edges and four control positions per block probe.
	ft.Block = float64(pc.grid-pc.ctrl) / float64(4*g.nb)
	// Streaks: of the textured rows, the share over a flat column, against
	// the transposed share so that content with as many horizontal as
	// vertical structures cancels. The +streakPrior keeps a handful of
	// textured lines (a nearly flat picture) from making a share of 1.
	ft.Streak = float64(pc.vHits)/float64(pc.rowTex+streakPrior) - float64(pc.hHits)/float64(pc.colTex+streakPrior)
	ft.Active = float64(pc.active) / float64(2*g.nb)
	if prev != nil && g.nA > 0 {
		ft.BlockDiff = float64(difGrid-2*difCtrl) / float64(4*g.nA)
	}
	return ft
}

// picOut holds a frame's picture cue counts (see measure).
type picOut struct{ grid, ctrl, vHits, hHits, rowTex, colTex, active int }

// pictureCounts counts the block edges and streaks of the picture, over
// sets A and B; vec: groups of four by the vector kernel, the rest in Go.
func (x *extractor) pictureCounts(cur []byte, vec bool) (pc picOut) {
	g := &x.geom
	cs := g.colStart()
	n := g.gA + g.gB
	i := 0
	if q := n / 4; vec && q > 0 {
		_ = cur[cs+n*groupBytes-1]
		pictureCuesAVX2(&cur[0], &cur[cs], q, &pc)
		i = 4 * q
	}
	for ; i < n; i++ {
		r := pictureCues(group(cur, i))
		c := pictureCues(group(cur[cs:], i))
		// Distinct bits of each byte lane: one count per kind.
		pc.grid += bits.OnesCount64(r.grid1 | r.grid9>>1 | c.grid1>>2 | c.grid9>>3)
		pc.ctrl += bits.OnesCount64(r.ctrl3 | r.ctrl7>>1 | c.ctrl3>>2 | c.ctrl7>>3)
		for half := 0; half < 2; half++ {
			ra, ca := r.actE, c.actE
			if half == 1 {
				ra, ca = r.actO, c.actO
			}
			rt, ct := atLeast16(ra, streakTexture), atLeast16(ca, streakTexture)
			rFlat := top16 &^ atLeast16(ra, streakFlat+1)
			cFlat := top16 &^ atLeast16(ca, streakFlat+1)
			pc.rowTex += bits.OnesCount64(rt)
			pc.colTex += bits.OnesCount64(ct)
			pc.vHits += bits.OnesCount64(rt & cFlat)
			pc.hHits += bits.OnesCount64(ct & rFlat)
			pc.active += bits.OnesCount64(atLeast16(ra, 4) | atLeast16(ca, 4)>>1)
		}
	}
	return pc
}

// diffCounts counts the block edges of the frame-to-frame difference, over
// set A; vec: pairs of groups by the vector kernel, the rest in Go.
func (x *extractor) diffCounts(cur, prev []byte, vec bool) (grid, ctrl int) {
	g := &x.geom
	cs := g.colStart()
	i := 0
	if p := g.gA / 2; vec && p > 0 {
		_ = cur[cs+g.gA*groupBytes-1]
		_ = prev[cs+g.gA*groupBytes-1]
		gr, cr := diffCuesAVX2(&cur[0], &prev[0], p)
		gc, cc := diffCuesAVX2(&cur[cs], &prev[cs], p)
		grid, ctrl = gr+gc, cr+cc
		i = 2 * p
	}
	for ; i < g.gA; i++ {
		gr, cr := diffCues(group(cur, i), group(prev, i))
		gc, cc := diffCues(group(cur[cs:], i), group(prev[cs:], i))
		grid += gr + gc
		ctrl += cr + cc
	}
	return grid, ctrl
}

// atLeast16 has bit 15 of each 16-bit lane of a (at most 0x7fff) set where
// the lane is >= v.
func atLeast16(a uint64, v uint64) uint64 {
	return (a + one16*(0x8000-v)) & top16
}

// lumaPass adds the luma statistics of every row probe's inner samples
// (words 2…9 of the groups, the C words) of frame buffer cur to ls, and,
// with a previous frame, the freeze measures against prev and ref (a
// previous frame always comes with a reference; same: they are one
// buffer).
func (x *extractor) lumaPass(ls *lumaStats, cur, prev, ref []byte, same bool) {
	if haveKernels && simd.AVX2 {
		x.lumaPassAVX2(ls, cur, prev, ref, same)
		return
	}
	x.lumaPassGo(ls, cur, prev, ref, same)
}

// lumaPassGo is lumaPass in Go (SWAR): the reference for the kernel and
// the path on CPUs without one.
func (x *extractor) lumaPassGo(ls *lumaStats, cur, prev, ref []byte, same bool) {
	g := &x.geom
	inner := func(buf []byte, i int) []byte { // the inner words of group i
		o := i*groupBytes + probeLead*groupLanes
		return buf[o : o+64]
	}
	for i := 0; i < g.gA+g.gB; i++ {
		x.lumaWords(ls, inner(cur, i))
	}
	cw := cur[g.cStart():g.colStart()]
	for o := 0; o < len(cw); o += 64 {
		x.lumaWords(ls, cw[o:min(o+64, len(cw))])
	}
	// Unused lanes are zero: dark at any threshold.
	ls.dark -= 8 * g.pad
	if prev == nil {
		return
	}
	if same {
		ref = nil
	}
	for i := 0; i < g.gA+g.gB; i++ {
		var f []byte
		if ref != nil {
			f = inner(ref, i)
		}
		freezeWords(ls, inner(cur, i), inner(prev, i), f)
	}
	for o := g.cStart(); o < g.colStart(); o += 64 {
		e := min(o+64, g.colStart())
		var f []byte
		if ref != nil {
			f = ref[o:e]
		}
		freezeWords(ls, cur[o:e], prev[o:e], f)
	}
}

// lumaOut accumulates what lumaBlocksAVX2 measures.
type lumaOut struct{ sum, dark, bright, sad, changed uint64 }

// lumaPassAVX2 is lumaPass with the vector kernel: the groups' inner
// words are one 64-byte block per group, the C words consecutive blocks;
// a C region that is not a whole number of blocks ends with the Go code.
func (x *extractor) lumaPassAVX2(ls *lumaStats, cur, prev, ref []byte, same bool) {
	g := &x.geom
	if prev == nil || same {
		ref = nil
	}
	at := func(b []byte, o int) *byte {
		if b == nil {
			return nil
		}
		return &b[o]
	}
	var o lumaOut
	dark, bright := int(x.darkT), int(x.brightM)+128
	if n := g.gA + g.gB; n > 0 {
		o0 := probeLead * groupLanes
		_ = cur[(n-1)*groupBytes+o0+63]
		if prev != nil {
			_ = prev[(n-1)*groupBytes+o0+63]
		}
		if ref != nil {
			_ = ref[(n-1)*groupBytes+o0+63]
		}
		lumaBlocksAVX2(&cur[o0], at(prev, o0), at(ref, o0), n, groupBytes, dark, bright, &o)
	}
	cs, ce := g.cStart(), g.colStart()
	blocks := (ce - cs) / 64
	if blocks > 0 {
		// The slices share one size (x.bufs), checked above by cur's.
		lumaBlocksAVX2(&cur[cs], at(prev, cs), at(ref, cs), blocks, 64, dark, bright, &o)
	}
	ls.sum += int(o.sum)
	ls.dark += int(o.dark)
	ls.bright += int(o.bright)
	if t := cs + 64*blocks; t < ce {
		x.lumaWords(ls, cur[t:ce])
		if prev != nil {
			var r []byte
			if ref != nil {
				r = ref[t:ce]
			}
			freezeWords(ls, cur[t:ce], prev[t:ce], r)
		}
	}
	ls.dark -= 8 * g.pad
	if prev != nil {
		ls.sad += int(o.sad)
		ls.changed |= o.changed
	}
}

// lumaWords adds the sum, dark and bright counts of up to eight words.
func (x *extractor) lumaWords(ls *lumaStats, w []byte) {
	var sum, dark, bright uint64
	darkT, brightM := x.darkT, x.brightM
	// Dark: <= t. Below 128 with leMask; from 128 on as "not >= t+1".
	darkHi := darkT >= 128
	darkM := uint64(darkT) + 1 - 128
	for o := 0; o+8 <= len(w); o += 8 {
		v := binary.LittleEndian.Uint64(w[o:])
		sum = sum16(sum, v)
		bright += geMask128(v, brightM) >> 7
		if darkHi {
			dark += (highs &^ geMask128(v, darkM)) >> 7
		} else {
			dark += leMask(v, darkT) >> 7
		}
	}
	// At most 8 words: 16-bit lanes hold at most 16·255, byte lanes 8.
	ls.sum += hsum16(sum)
	ls.dark += hsum8(dark)
	ls.bright += hsum8(bright)
}

// freezeWords adds the differences of up to eight words to the previous
// frame's (any at all) and their absolute differences to the reference's
// (ref nil: prev is the reference).
func freezeWords(ls *lumaStats, cur, prev, ref []byte) {
	var changed, sad uint64
	le := binary.LittleEndian
	if ref == nil {
		for o := 0; o+8 <= len(cur); o += 8 {
			d := absDiff8(le.Uint64(cur[o:]), le.Uint64(prev[o:]))
			changed |= d
			sad = sum16(sad, d)
		}
	} else {
		for o := 0; o+8 <= len(cur); o += 8 {
			w := le.Uint64(cur[o:])
			changed |= w ^ le.Uint64(prev[o:])
			sad = sum16(sad, absDiff8(w, le.Uint64(ref[o:])))
		}
	}
	ls.changed |= changed
	ls.sad += hsum16(sad)
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
