package videodetect

// The scalar feature extractor as it was before the SWAR rewrite (commit
// 779cc6d), kept verbatim but renamed: the reference the fast extractor must
// match bit for bit (features_ref_test.go).

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// The analyser never walks the whole picture. Once per frame it gathers a
// fixed set of luma samples, laid out around the 16×16 macroblock grid, into
// a small buffer of its own; every feature is then computed from that buffer
// (cache-friendly, no strides), and the previous frames' buffers stand in for
// the previous frames (freeze, temporal blockiness) without copying a frame.
//
// Per macroblock (bx, by), x0 = 16·bx, y0 = 16·by:
//
//	row    luma row y0+r,   columns x0-2 … x0+9  (12 samples): crosses the
//	       MB's left edge (x0) and its 8-px edge (x0+8), with off-grid
//	       columns in between as a control
//	column luma column x0+c, rows y0-2 … y0+9    (12 samples): the same
//	       across the MB's top edge and its 8-px edge
//
// Every macroblock gets a row probe (luma statistics and freeze use its
// refInner 8 samples); block-edge cues need both probes and are taken in every
// other macroblock row once a picture has more than refDenseProbes
// macroblocks, which halves the memory they read (the column probes' rows
// are the dearest part of the analysis) and leaves thousands of probes per
// frame.
//
// r and c vary from macroblock to macroblock so that sampling does not alias
// with content that repeats on the grid. Macroblocks whose probe would leave
// the picture (the outer ring) are skipped, so pictures smaller than 30×30
// yield no samples. Above refMaxProbes macroblocks (beyond about 2K) only a
// checkerboard gets any probe, which keeps the cost of a 4K frame near that
// of 1080p.
const (
	refProbeLen    = 12
	refProbeLead   = 2 // samples before the MB edge
	refMaxProbes   = 12000
	refDenseProbes = 2000
)

// refGeometry is the sampling plan for one picture size.
type refGeometry struct {
	width, height int
	nbx, nby      int // macroblocks per row / column that can be probed (bx, by from 1)
	skip          int // 1: every macroblock gets a row probe; 2: a checkerboard
	blockEvery    int // block probes in every blockEvery-th band
	n             int // macroblocks with a row probe
	nb            int // macroblocks with a column probe too (block cues)
	blk           []int32
	rOff          []uint8
}

// size is the byte size of one frame's samples: n rows, then nb columns.
func (g *refGeometry) size() int { return (g.n + g.nb) * refProbeLen }

func refNewGeometry(w, h int) refGeometry {
	g := refGeometry{width: w, height: h, skip: 1}
	// A probe reaches 13 samples into its macroblock (the row probe's
	// x0+9, the column probe's c <= 13; the column's y0+9, the row's
	// r <= 13), so the last macroblock probed must start 14 before the edge.
	if w >= 14+16 {
		g.nbx = (w - 14) / 16
	}
	if h >= 14+16 {
		g.nby = (h - 14) / 16
	}
	if g.nbx == 0 || g.nby == 0 {
		g.nbx, g.nby = 0, 0
	}
	if g.nbx*g.nby > refMaxProbes {
		g.skip = 2
	}
	g.rOff = make([]uint8, g.nby+1)
	for by := range g.rOff {
		// 2…13: keeps the row inside the MB, away from its edges.
		g.rOff[by] = uint8(2 + (by*5)%12)
	}
	m := 0
	for by := 1; by <= g.nby; by++ {
		for bx := g.first(by); bx <= g.nbx; bx += g.skip {
			m++
		}
	}
	g.n = m
	dense := g.n <= refDenseProbes
	g.blockEvery = 1
	if !dense {
		g.blockEvery = max(2, (g.n+refDenseProbes-1)/refDenseProbes)
	}
	m = 0
	for by := 1; by <= g.nby; by++ {
		for bx := g.first(by); bx <= g.nbx; bx += g.skip {
			if dense || g.blockProbe(bx, by) {
				g.blk = append(g.blk, int32(m))
			}
			m++
		}
	}
	g.nb = len(g.blk)
	return g
}

// first returns the first macroblock column probed in band by.
func (g *refGeometry) first(by int) int {
	if g.skip == 1 {
		return 1
	}
	return 1 + by&1
}

// blockProbe reports whether macroblock (bx, by) gets a column probe when
// not every one does: every one in every blockEvery-th band.
func (g *refGeometry) blockProbe(bx, by int) bool { return by%g.blockEvery == 0 }

// refColOffset is the column of the column probe inside macroblock (bx, by).
func refColOffset(bx, by int) int { return 2 + (bx*7+by*3)%12 }

// gather copies the probe samples of luma plane y into dst (g.size()
// bytes). It assumes the plane was checked against g's size.
func (g *refGeometry) gather(dst []byte, y Plane) {
	if g.n == 0 {
		return
	}
	s := y.Stride
	data := y.Data
	rows := dst[:g.n*refProbeLen]
	cols := dst[g.n*refProbeLen : g.size()]
	dense := g.nb == g.n
	for by := 1; by <= g.nby; by++ {
		y0 := by * 16
		row := data[(y0+int(g.rOff[by]))*s:]
		colBase := (y0 - refProbeLead) * s
		for bx := g.first(by); bx <= g.nbx; bx += g.skip {
			x0 := bx * 16
			// Two word moves instead of a 12-byte copy call.
			r := row[x0-refProbeLead : x0-refProbeLead+refProbeLen]
			binary.LittleEndian.PutUint64(rows[0:8], binary.LittleEndian.Uint64(r[0:8]))
			binary.LittleEndian.PutUint32(rows[8:12], binary.LittleEndian.Uint32(r[8:12]))
			rows = rows[refProbeLen:]
			if !dense && !g.blockProbe(bx, by) {
				continue
			}
			col := data[colBase+x0+refColOffset(bx, by):]
			c := cols[:refProbeLen:refProbeLen]
			_ = col[11*s] // one bounds check for the column
			c[0], c[1], c[2], c[3] = col[0], col[s], col[2*s], col[3*s]
			c[4], c[5], c[6], c[7] = col[4*s], col[5*s], col[6*s], col[7*s]
			c[8], c[9], c[10], c[11] = col[8*s], col[9*s], col[10*s], col[11*s]
			cols = cols[refProbeLen:]
		}
	}
}

// A probe line is flat when its gradients add up to at most refStreakFlat
// levels (repeated rows are exact copies), textured from refStreakTexture (two
// levels per gradient: detail, not a smooth ramp).
const (
	refStreakFlat    = 1
	refStreakTexture = 16
	refStreakPrior   = 20
)

// Step thresholds (8-bit code values) of the block-edge test. A refStep must be
// visible: 3 levels in the picture, 4 in the difference of two pictures
// (which carries the noise of both).
const (
	refMinStepPicture = 3
	refMinStepDiff    = 4
)

// refExtractor gathers the samples of each frame and computes its Features. It
// keeps three sample buffers and rotates them instead of copying: the
// current frame, the previous one, and the freeze reference (the first frame
// of a run of repeats, as in freezedetect, so a slow drift of tiny changes
// does not pass for a freeze).
type refExtractor struct {
	geom      refGeometry
	bufs      [3][]byte
	cur       int
	prev, ref int // -1: none
	darkT     uint8
	darkScale bool   // threshold >= 128: count with the scalar loop
	brightM   uint64 // near-white code minus 128 (see refCountGE128)
	black     int    // nominal black level (16 or 0)
	rangeInv  float64
}

func refNewExtractor() *refExtractor { return &refExtractor{prev: -1, ref: -1} }

// configure prepares for pictures of w×h (re-allocating only on a size
// change) and sets the black pixel threshold. It forgets previous frames
// when the size changes.
func (x *refExtractor) configure(w, h int, fullRange bool, pixelThreshold float64) {
	if x.geom.width != w || x.geom.height != h || x.bufs[0] == nil {
		x.geom = refNewGeometry(w, h)
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
	x.brightM = uint64(math.Round(lo+refBrightLevel*(hi-lo))) - 128
}

// refBrightLevel is where near-white starts, as a fraction of the nominal
// range: above the brightest greys programme pictures hold most of the
// time, below white minus coding noise (a flash frame or white patch
// decodes to 235±a few in limited range).
const refBrightLevel = 0.84

// reset forgets previous frames (discontinuity, new size).
func (x *refExtractor) reset() {
	x.cur, x.prev, x.ref = 0, -1, -1
}

// refInner returns the 8 samples inside the macroblock of row probe m, as a
// word: luma statistics and freeze work on these.
func refInner(rows []byte, m int) uint64 {
	return binary.LittleEndian.Uint64(rows[m*refProbeLen+refProbeLead:])
}

// measure gathers the samples of f and computes its features.
func (x *refExtractor) measure(f *Frame) Features {
	g := &x.geom
	ft := Features{Macroblocks: g.n, Diff: -1}
	if g.n == 0 {
		return ft
	}
	cur := x.bufs[x.cur]
	g.gather(cur, f.Y)
	rows, cols := cur[:g.n*refProbeLen], cur[g.n*refProbeLen:]
	var prows, pcols, rrows []byte
	if x.prev >= 0 {
		p := x.bufs[x.prev]
		prows, pcols = p[:g.n*refProbeLen], p[g.n*refProbeLen:]
	}
	if x.ref >= 0 {
		rrows = x.bufs[x.ref][:g.n*refProbeLen]
	}

	// Separate tight passes: each is branch-light and stays in registers.
	var lumaSum, dark, bright int
	t := x.darkT
	for m := 0; m < g.n; m++ {
		w := refInner(rows, m)
		lumaSum += refByteSum(w)
		bright += refCountGE128(w, x.brightM)
		if x.darkScale {
			dark += refCountLEScalar(rows[m*refProbeLen+refProbeLead:m*refProbeLen+refProbeLead+8], t)
		} else {
			dark += refCountLE(w, t)
		}
	}

	// Freeze: exactness against the previous frame, mean difference to the
	// reference.
	changed, sad := 0, 0
	if prows != nil {
		for m := 0; m < g.n; m++ {
			if refInner(rows, m) != refInner(prows, m) {
				changed++
			}
		}
	}
	if rrows != nil {
		for m := 0; m < g.n; m++ {
			if refInner(rows, m) != refInner(rrows, m) {
				o := m*refProbeLen + refProbeLead
				sad += refSad8(rows[o:o+8], rrows[o:o+8])
			}
		}
	}

	// Block edges and streaks of the picture.
	var pic refStepCount
	vHits, hHits, rowTex, colTex, active := 0, 0, 0, 0, 0
	for k, m := range g.blk {
		r := (*[refProbeLen]byte)(rows[int(m)*refProbeLen:])
		c := (*[refProbeLen]byte)(cols[k*refProbeLen:])
		gr, ct, rowAct := refLineSteps(r, refMinStepPicture)
		gc, cc, colAct := refLineSteps(c, refMinStepPicture)
		pic.grid += gr + gc
		pic.ctrl += ct + cc
		rt, ct := refB2i(rowAct >= refStreakTexture), refB2i(colAct >= refStreakTexture)
		rowTex += rt
		colTex += ct
		vHits += rt & refB2i(colAct <= refStreakFlat)
		hHits += ct & refB2i(rowAct <= refStreakFlat)
		active += refB2i(rowAct >= 4) + refB2i(colAct >= 4)
	}

	// Block edges of the frame-to-frame difference, on every third block
	// probe once there are plenty (a diagonal pattern): the cue is a share,
	// a third of the probes give it with ample precision at a third of the
	// cost.
	var dif refStepCount
	difN := 0
	if prows != nil {
		every := 1
		if g.nb > refDenseProbes {
			every = 3
		}
		for k := 0; k < g.nb; k += every {
			m := int(g.blk[k])
			gr, ct := refDiffLineSteps((*[refProbeLen]byte)(rows[m*refProbeLen:]), (*[refProbeLen]byte)(prows[m*refProbeLen:]), refMinStepDiff)
			gc, cc := refDiffLineSteps((*[refProbeLen]byte)(cols[k*refProbeLen:]), (*[refProbeLen]byte)(pcols[k*refProbeLen:]), refMinStepDiff)
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
	// vertical structures cancels. The +refStreakPrior keeps a handful of
	// textured lines (a nearly flat picture) from making a share of 1.
	ft.Streak = float64(vHits)/float64(rowTex+refStreakPrior) - float64(hHits)/float64(colTex+refStreakPrior)
	ft.Active = float64(active) / float64(2*g.nb)
	if difN > 0 {
		ft.BlockDiff = float64(dif.grid-2*dif.ctrl) / float64(4*difN)
	}
	return ft
}

// advance ends the frame: it becomes the previous frame, and the freeze
// reference unless keepRef (the frame repeats the reference).
func (x *refExtractor) advance(keepRef bool) {
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

func refB2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func refCountLEScalar(v []byte, t uint8) int {
	n := 0
	for _, b := range v {
		if b <= t {
			n++
		}
	}
	return n
}

// Block-edge cues, after Muijs & Kirenko: a coding block boundary shows as a
// "refStep", a gradient across the edge that is visible and much larger than
// the gradients just beside it. Natural content puts such steps on grid and
// off-grid positions alike; DCT blocking and concealed or wrongly predicted
// macroblocks put them on the grid only. So per probe line we test the MB
// edge, the 8-px edge and one off-grid control position, and the frame's
// block measure is the grid refStep rate minus the control refStep rate, per
// probed edge: roughly the share of block edges that show a block refStep.

// refStepCount holds the refStep counts of one frame (or a part of it).
type refStepCount struct {
	grid int // steps on MB edges and 8-px edges
	ctrl int // steps on the control positions
}

func refAbsInt(v int) int {
	m := v >> 63
	return (v ^ m) - m
}

// refStep reports (as 0 or 1) a block-edge-like refStep: gradient g across the
// edge at least min and more than twice the larger gradient beside it.
// Branch-free: the verdicts are data-dependent coin flips for the branch
// predictor.
func refStep(ga, g, gb, min int) int {
	m := max(ga, gb)
	return int(uint(min-1-g)>>63) & int(uint(2*m-g)>>63)
}

// Probe line layout (see sampler.go): v[2] is the first sample inside the
// macroblock. Gradient i lies between v[i] and v[i+1]: the MB edge is
// gradient 1, the 8-px edge gradient 9, and the control gradient 7, between
// MB columns 5 and 6, off the 4-px transform grid.

// refLineSteps counts the steps of one probe line of the picture (two grid
// positions, two controls: gradients 3 and 7, between MB columns 1|2 and
// 5|6), and returns its activity: the sum of its gradients.
func refLineSteps(v *[refProbeLen]byte, min int) (grid, ctrl, activity int) {
	g0 := refAbsInt(int(v[1]) - int(v[0]))
	g1 := refAbsInt(int(v[2]) - int(v[1]))
	g2 := refAbsInt(int(v[3]) - int(v[2]))
	g3 := refAbsInt(int(v[4]) - int(v[3]))
	g4 := refAbsInt(int(v[5]) - int(v[4]))
	g5 := refAbsInt(int(v[6]) - int(v[5]))
	g6 := refAbsInt(int(v[7]) - int(v[6]))
	g7 := refAbsInt(int(v[8]) - int(v[7]))
	g8 := refAbsInt(int(v[9]) - int(v[8]))
	g9 := refAbsInt(int(v[10]) - int(v[9]))
	g10 := refAbsInt(int(v[11]) - int(v[10]))
	grid = refStep(g0, g1, g2, min) + refStep(g8, g9, g10, min)
	ctrl = refStep(g2, g3, g4, min) + refStep(g6, g7, g8, min)
	activity = g0 + g1 + g2 + g3 + g4 + g5 + g6 + g7 + g8 + g9 + g10
	return
}

// refDiffLineSteps counts the steps of one probe line of the difference
// between the picture (c) and the previous one (p): a macroblock that
// changed on its own, unlike its neighbours, steps at its edge.
func refDiffLineSteps(c, p *[refProbeLen]byte, min int) (grid, ctrl int) {
	d0 := int(c[0]) - int(p[0])
	d1 := int(c[1]) - int(p[1])
	d2 := int(c[2]) - int(p[2])
	d3 := int(c[3]) - int(p[3])
	d6 := int(c[6]) - int(p[6])
	d7 := int(c[7]) - int(p[7])
	d8 := int(c[8]) - int(p[8])
	d9 := int(c[9]) - int(p[9])
	d10 := int(c[10]) - int(p[10])
	d11 := int(c[11]) - int(p[11])
	g0, g1, g2 := refAbsInt(d1-d0), refAbsInt(d2-d1), refAbsInt(d3-d2)
	g6, g7, g8 := refAbsInt(d7-d6), refAbsInt(d8-d7), refAbsInt(d9-d8)
	g9, g10 := refAbsInt(d10-d9), refAbsInt(d11-d10)
	return refStep(g0, g1, g2, min) + refStep(g8, g9, g10, min), refStep(g6, g7, g8, min)
}

// SWAR helpers: eight luma samples in a uint64.

const (
	refOnes  = 0x0101010101010101
	refHighs = 0x8080808080808080
	refLows7 = 0x7f7f7f7f7f7f7f7f
)

// refCountLE returns how many of the eight bytes of x are <= t, for t < 128
// (the "countless" bit trick, exact for n = t+1 <= 128).
func refCountLE(x uint64, t uint8) int {
	n := uint64(t) + 1
	return bits.OnesCount64((refOnes*(127+n) - (x & refLows7)) &^ x & refHighs)
}

// refCountGE128 returns how many of the eight bytes of x are >= 128+m, for
// m <= 127: the high bit must be set and the low seven bits plus 128-m must
// carry into it (at most 127+128, so no byte carries into the next).
func refCountGE128(x, m uint64) int {
	return bits.OnesCount64(((x & refLows7) + refOnes*(128-m)) & x & refHighs)
}

// refByteSum returns the sum of the eight bytes of x.
func refByteSum(x uint64) int {
	s := (x & 0x00ff00ff00ff00ff) + ((x >> 8) & 0x00ff00ff00ff00ff) // 4×16-bit
	s = (s & 0x0000ffff0000ffff) + ((s >> 16) & 0x0000ffff0000ffff) // 2×32-bit
	return int((s & 0xffffffff) + (s >> 32))
}

// refSad8 returns the sum of absolute differences of the bytes of a and b.
func refSad8(a, b []byte) int {
	_ = a[7]
	_ = b[7]
	return refAbsInt(int(a[0])-int(b[0])) + refAbsInt(int(a[1])-int(b[1])) +
		refAbsInt(int(a[2])-int(b[2])) + refAbsInt(int(a[3])-int(b[3])) +
		refAbsInt(int(a[4])-int(b[4])) + refAbsInt(int(a[5])-int(b[5])) +
		refAbsInt(int(a[6])-int(b[6])) + refAbsInt(int(a[7])-int(b[7]))
}
