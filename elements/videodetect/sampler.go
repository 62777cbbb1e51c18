package videodetect

import (
	"encoding/binary"
	"math"
	"slices"
	"unsafe"

	"github.com/avwatch/avwatch/internal/simd"
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
// inner 8 samples); block-edge cues need both probes and, once a picture
// has more than denseProbes macroblocks, are taken in every k-th
// macroblock row only, k chosen to keep about denseProbes of them (720p:
// every 2nd row, 1080p: every 4th). The column probes' rows are the
// dearest part of the analysis (twelve cache lines each), and the block
// measure is a share of probes: with ~2000 probes its standard error is
// at most 0.011, far below any share that makes a frame look damaged, and
// a damaged area large enough to matter spans several probed rows.
//
// r and c vary from macroblock to macroblock so that sampling does not alias
// with content that repeats on the grid. Macroblocks whose probe would leave
// the picture (the outer ring) are skipped, so pictures smaller than 30×30
// yield no samples. Above maxProbes macroblocks (beyond about 2K) only a
// checkerboard gets any probe, which keeps the cost of a 4K frame near that
// of 1080p.
//
// Buffer layout (what makes the features cheap): block probes (those with
// a column probe too) are stored transposed, eight to a "lane group". A
// group is 12 words of 8 bytes; word r holds sample r of each of the
// group's eight probe lines, one per byte lane. The block cues count steps
// over probe lines, so they work on whole words, eight lines per operation
// (SWAR, cues.go), instead of one line at a time. Block probes have a row
// group region and a column group region; a probe's row and column share
// their lane. Their lanes are ordered so that the probes whose
// frame-to-frame difference is measured come first:
//
//	A  block probes whose difference is measured (BlockDiff)
//	B  the other block probes
//
// each set starting on a new group; unused lanes are zero, which adds
// nothing to any sum or step count (dark counts are corrected for them).
// Row-only probes (set C) need only their inner 8 samples, for sums and
// counts that do not care about order: one word each, as read.
//
//	[A and B row groups][C words][A and B column groups]
const (
	probeLen    = 12
	probeLead   = 2 // samples before the MB edge
	maxProbes   = 12000
	denseProbes = 2000
	groupLanes  = 8
	groupBytes  = probeLen * groupLanes // one lane group: 12 words
)

// geometry is the sampling plan for one picture size.
type geometry struct {
	width, height int
	nbx, nby      int // macroblocks per row / column that can be probed (bx, by from 1)
	skip          int // 1: every macroblock gets a row probe; 2: a checkerboard
	blockEvery    int // block probes in every blockEvery-th macroblock row
	n             int // macroblocks with a row probe
	nb            int // macroblocks with a column probe too (block cues)
	nA            int // block probes whose difference is measured: every diffEvery-th
	diffEvery     int
	gA, gB        int // lane groups of sets A and B
	nC            int // row-only probes
	pad           int // unused lanes in the groups
	// Where each probe's samples are in the picture, as (row, column) of
	// its first sample: per lane of the groups (row and column probe;
	// unused lanes repeat their group's first), and per C probe (its
	// inner samples).
	rowAt, colAt, cAt []point
	// The same as offsets into a plane of stride srcStride (computed on
	// the first frame and when the stride changes).
	srcStride            int
	rowSrc, colSrc, cSrc []int
	vec                  *vecSources // nil: gather in Go
	// colEnd is one past the last byte the column probes read at
	// srcStride: a plane at least this long lets gatherCols go without
	// bounds checks (0: never).
	colEnd int
	rOff   []uint8
}

type point struct{ y, x int32 }

// groups returns how many lane groups hold n lanes.
func groups(n int) int { return (n + groupLanes - 1) / groupLanes }

// groupRegion is the size of the row (or column) group region.
func (g *geometry) groupRegion() int { return (g.gA + g.gB) * groupBytes }

// Region offsets in a frame's buffer.
func (g *geometry) cStart() int   { return g.groupRegion() }
func (g *geometry) colStart() int { return g.groupRegion() + 8*g.nC }

// size is the byte size of one frame's samples.
func (g *geometry) size() int { return g.colStart() + g.groupRegion() }

func newGeometry(w, h int) geometry {
	g := geometry{width: w, height: h, skip: 1, diffEvery: 1, blockEvery: 1}
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
	if g.nbx*g.nby > maxProbes {
		g.skip = 2
	}
	g.rOff = make([]uint8, g.nby+1)
	for by := range g.rOff {
		// 2…13: keeps the row inside the MB, away from its edges.
		g.rOff[by] = uint8(2 + (by*5)%12)
	}
	for by := 1; by <= g.nby; by++ {
		for bx := g.first(by); bx <= g.nbx; bx += g.skip {
			g.n++
		}
	}
	dense := g.n <= denseProbes
	if !dense {
		g.blockEvery = max(2, (g.n+denseProbes-1)/denseProbes)
	}
	var block []point // row probe's first sample of each block probe, in raster order
	var cols []point
	for by := 1; by <= g.nby; by++ {
		y0 := by * 16
		row := int32(y0 + int(g.rOff[by]))
		for bx := g.first(by); bx <= g.nbx; bx += g.skip {
			x0 := bx * 16
			if dense || g.blockProbe(bx, by) {
				block = append(block, point{row, int32(x0 - probeLead)})
				cols = append(cols, point{int32(y0 - probeLead), int32(x0 + colOffset(bx, by))})
			} else {
				g.cAt = append(g.cAt, point{row, int32(x0)})
			}
		}
	}
	g.nb, g.nC = len(block), len(g.cAt)
	// The difference is measured on every third block probe once there
	// are plenty (a diagonal pattern): the cue is a share, a third of the
	// probes give it with ample precision at a third of the cost.
	if g.nb > denseProbes {
		g.diffEvery = 3
	}
	g.nA = (g.nb + g.diffEvery - 1) / g.diffEvery
	g.gA, g.gB = groups(g.nA), groups(g.nb-g.nA)
	g.pad = (g.gA+g.gB)*groupLanes - g.nb
	lanes := (g.gA + g.gB) * groupLanes
	g.rowAt, g.colAt = make([]point, lanes), make([]point, lanes)
	filled := make([]bool, lanes)
	b := 0
	for k := range block {
		lane := g.gA*groupLanes + b // set B
		if k%g.diffEvery == 0 {
			lane = k / g.diffEvery // set A
		} else {
			b++
		}
		g.rowAt[lane], g.colAt[lane], filled[lane] = block[k], cols[k], true
	}
	for l := range filled {
		if !filled[l] { // read something valid, masked off later
			first := l &^ (groupLanes - 1)
			g.rowAt[l], g.colAt[l] = g.rowAt[first], g.colAt[first]
		}
	}
	return g
}

// laneMask keeps the byte lanes of group i that hold a probe.
func (g *geometry) laneMask(i int) uint64 {
	used := g.nA - i*groupLanes
	if i >= g.gA {
		used = g.nb - g.nA - (i-g.gA)*groupLanes
	}
	if used >= groupLanes {
		return ^uint64(0)
	}
	return 1<<(8*used) - 1
}

// sources turns the sample positions into offsets for stride s.
func (g *geometry) sources(s int) {
	if g.srcStride == s && g.rowSrc != nil {
		return
	}
	at := func(dst []int, pts []point) []int {
		dst = dst[:0]
		for _, p := range pts {
			dst = append(dst, int(p.y)*s+int(p.x))
		}
		return dst
	}
	g.rowSrc, g.colSrc, g.cSrc = at(g.rowSrc, g.rowAt), at(g.colSrc, g.colAt), at(g.cSrc, g.cAt)
	g.srcStride = s
	g.colEnd = 0
	if len(g.colSrc) > 0 && s > 0 {
		g.colEnd = slices.Max(g.colSrc) + (probeLen-1)*s + 1
	}
	g.vec = nil
	if !haveKernels || !simd.AVX2 || len(g.rowSrc) == 0 {
		return
	}
	// The kernel reads 16 bytes per row line at 32-bit offsets; a plane
	// too large for them (over 2 GiB) keeps the Go code.
	end := slices.Max(g.rowSrc) + 16
	if end > math.MaxInt32 {
		return
	}
	v := &vecSources{
		rowOff: make([]int32, len(g.rowSrc)),
		masks:  make([]uint64, g.gA+g.gB),
		end:    end,
	}
	for i, o := range g.rowSrc {
		v.rowOff[i] = int32(o)
	}
	for i := range v.masks {
		v.masks[i] = g.laneMask(i)
	}
	g.vec = v
}

// vecSources are the row sources in the form the gather kernel reads.
type vecSources struct {
	rowOff []int32
	masks  []uint64
	end    int // bytes of the plane the kernel reads (it has no bounds checks)
}

// first returns the first macroblock column probed in band by.
func (g *geometry) first(by int) int {
	if g.skip == 1 {
		return 1
	}
	return 1 + by&1
}

// blockProbe reports whether macroblock (bx, by) gets a column probe when
// not every one does: every one in every blockEvery-th band. Memory, not
// arithmetic, is what a column probe costs (twelve rows, a cache line
// each, and a line spans four macroblocks), so whole bands are skipped
// rather than single macroblocks.
func (g *geometry) blockProbe(bx, by int) bool { return by%g.blockEvery == 0 }

// colOffset is the column of the column probe inside macroblock (bx, by).
func colOffset(bx, by int) int { return 2 + (bx*7+by*3)%12 }

// gather copies the probe samples of luma plane y into dst (g.size()
// bytes) in the layout above. It assumes the plane was checked against g's
// size.
func (g *geometry) gather(dst []byte, y Plane) {
	if g.n == 0 {
		return
	}
	g.sources(y.Stride)
	data := y.Data
	cw := dst[g.cStart():g.colStart()]
	for i, o := range g.cSrc {
		binary.LittleEndian.PutUint64(cw[8*i:], binary.LittleEndian.Uint64(data[o:]))
	}
	rows, cols := dst[:g.groupRegion()], dst[g.colStart():]
	s := y.Stride
	if g.colEnd > 0 && g.colEnd <= len(data) {
		g.gatherCols(cols, data)
		cols = nil // done
	}
	vecRows := g.vec != nil && g.vec.end <= len(data)
	if vecRows {
		v := g.vec
		gatherRowsAVX2(&rows[0], &data[0], &v.rowOff[0], &v.masks[0], len(v.masks))
		if cols == nil {
			return
		}
	}
	for i := 0; i < g.gA+g.gB; i++ {
		m := g.laneMask(i)
		var lo [groupLanes]uint64
		var hi [groupLanes]uint32
		if !vecRows {
			src := (*[groupLanes]int)(g.rowSrc[i*groupLanes:])
			for l, o := range src {
				lo[l] = binary.LittleEndian.Uint64(data[o:])
				hi[l] = binary.LittleEndian.Uint32(data[o+8:])
			}
			storeGroup((*[groupBytes]byte)(rows[i*groupBytes:]), &lo, &hi, m)
		}
		if cols == nil {
			continue
		}
		src := (*[groupLanes]int)(g.colSrc[i*groupLanes:])
		for l, o := range src {
			c := data[o:]
			_ = c[11*s] // one bounds check for the column
			lo[l] = uint64(c[0]) | uint64(c[s])<<8 | uint64(c[2*s])<<16 | uint64(c[3*s])<<24 |
				uint64(c[4*s])<<32 | uint64(c[5*s])<<40 | uint64(c[6*s])<<48 | uint64(c[7*s])<<56
			hi[l] = uint32(c[8*s]) | uint32(c[9*s])<<8 | uint32(c[10*s])<<16 | uint32(c[11*s])<<24
		}
		storeGroup((*[groupBytes]byte)(cols[i*groupBytes:]), &lo, &hi, m)
	}
}

// gatherCols fills the column lane groups of gather straight in their
// layout: word r of group i gets sample r (row o+r·s) of the group's eight
// columns, one per byte lane. The caller checked that every read lies in
// data (colEnd), so the loads go without bounds checks: with a check per
// sample the compiler spent ~110 instructions per column line, spilling
// registers, and this was the analyser's largest single cost.
func (g *geometry) gatherCols(cols, data []byte) {
	base := unsafe.Pointer(unsafe.SliceData(data))
	s := g.srcStride
	for i := 0; i < g.gA+g.gB; i++ {
		m := g.laneMask(i)
		o := (*[groupLanes]int)(g.colSrc[i*groupLanes:])
		p0, p1, p2, p3 := unsafe.Add(base, o[0]), unsafe.Add(base, o[1]), unsafe.Add(base, o[2]), unsafe.Add(base, o[3])
		p4, p5, p6, p7 := unsafe.Add(base, o[4]), unsafe.Add(base, o[5]), unsafe.Add(base, o[6]), unsafe.Add(base, o[7])
		out := (*[groupBytes]byte)(cols[i*groupBytes:])
		at := func(p unsafe.Pointer, off int) uint64 { return uint64(*(*byte)(unsafe.Add(p, off))) }
		for r, off := 0, 0; r < probeLen; r, off = r+1, off+s {
			w := at(p0, off) | at(p1, off)<<8 | at(p2, off)<<16 | at(p3, off)<<24 |
				at(p4, off)<<32 | at(p5, off)<<40 | at(p6, off)<<48 | at(p7, off)<<56
			binary.LittleEndian.PutUint64(out[8*r:], w&m)
		}
	}
}

// storeGroup transposes eight probe lines (samples 0…7 in lo, 8…11 in hi,
// one line per element) into a lane group: word r gets sample r of line l
// in byte lane l. Lanes outside mask become zero.
func storeGroup(dst *[groupBytes]byte, lo *[groupLanes]uint64, hi *[groupLanes]uint32, mask uint64) {
	// 8×8 byte transpose in three rounds of swaps: bytes, 16-bit pairs,
	// 32-bit halves.
	w0, w1, w2, w3, w4, w5, w6, w7 := lo[0], lo[1], lo[2], lo[3], lo[4], lo[5], lo[6], lo[7]
	w0, w1 = swapLanes(w0, w1, 8, 0x00ff00ff00ff00ff)
	w2, w3 = swapLanes(w2, w3, 8, 0x00ff00ff00ff00ff)
	w4, w5 = swapLanes(w4, w5, 8, 0x00ff00ff00ff00ff)
	w6, w7 = swapLanes(w6, w7, 8, 0x00ff00ff00ff00ff)
	w0, w2 = swapLanes(w0, w2, 16, 0x0000ffff0000ffff)
	w1, w3 = swapLanes(w1, w3, 16, 0x0000ffff0000ffff)
	w4, w6 = swapLanes(w4, w6, 16, 0x0000ffff0000ffff)
	w5, w7 = swapLanes(w5, w7, 16, 0x0000ffff0000ffff)
	w0, w4 = swapLanes(w0, w4, 32, 0x00000000ffffffff)
	w1, w5 = swapLanes(w1, w5, 32, 0x00000000ffffffff)
	w2, w6 = swapLanes(w2, w6, 32, 0x00000000ffffffff)
	w3, w7 = swapLanes(w3, w7, 32, 0x00000000ffffffff)
	// Samples 8…11: lines l and l+4 share a word (low and high half), and
	// two rounds transpose both 4×4 halves at once.
	z0 := uint64(hi[0]) | uint64(hi[4])<<32
	z1 := uint64(hi[1]) | uint64(hi[5])<<32
	z2 := uint64(hi[2]) | uint64(hi[6])<<32
	z3 := uint64(hi[3]) | uint64(hi[7])<<32
	z0, z1 = swapLanes(z0, z1, 8, 0x00ff00ff00ff00ff)
	z2, z3 = swapLanes(z2, z3, 8, 0x00ff00ff00ff00ff)
	z0, z2 = swapLanes(z0, z2, 16, 0x0000ffff0000ffff)
	z1, z3 = swapLanes(z1, z3, 16, 0x0000ffff0000ffff)
	le := binary.LittleEndian
	le.PutUint64(dst[0:], w0&mask)
	le.PutUint64(dst[8:], w1&mask)
	le.PutUint64(dst[16:], w2&mask)
	le.PutUint64(dst[24:], w3&mask)
	le.PutUint64(dst[32:], w4&mask)
	le.PutUint64(dst[40:], w5&mask)
	le.PutUint64(dst[48:], w6&mask)
	le.PutUint64(dst[56:], w7&mask)
	le.PutUint64(dst[64:], z0&mask)
	le.PutUint64(dst[72:], z1&mask)
	le.PutUint64(dst[80:], z2&mask)
	le.PutUint64(dst[88:], z3&mask)
}

// swapLanes exchanges the high elements (of width shift) of a's pairs with
// the low elements of b's: one round of a transpose.
func swapLanes(a, b uint64, shift uint, m uint64) (uint64, uint64) {
	t := ((a >> shift) ^ b) & m
	return a ^ t<<shift, b ^ t
}
