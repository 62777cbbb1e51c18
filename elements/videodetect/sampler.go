package videodetect

import "encoding/binary"

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
// inner 8 samples); block-edge cues need both probes and are taken in every
// other macroblock row once a picture has more than denseProbes
// macroblocks, which halves the memory they read (the column probes' rows
// are the dearest part of the analysis) and leaves thousands of probes per
// frame.
//
// r and c vary from macroblock to macroblock so that sampling does not alias
// with content that repeats on the grid. Macroblocks whose probe would leave
// the picture (the outer ring) are skipped, so pictures smaller than 30×30
// yield no samples. Above maxProbes macroblocks (beyond about 2K) only a
// checkerboard gets any probe, which keeps the cost of a 4K frame near that
// of 1080p.
const (
	probeLen    = 12
	probeLead   = 2 // samples before the MB edge
	maxProbes   = 12000
	denseProbes = 2000
)

// geometry is the sampling plan for one picture size.
type geometry struct {
	width, height int
	nbx, nby      int // macroblocks per row / column that can be probed (bx, by from 1)
	skip          int // 1: every macroblock gets a row probe; 2: a checkerboard
	n             int // macroblocks with a row probe
	nb            int // macroblocks with a column probe too (block cues)
	blk           []int32
	rOff          []uint8
}

// size is the byte size of one frame's samples: n rows, then nb columns.
func (g *geometry) size() int { return (g.n + g.nb) * probeLen }

func newGeometry(w, h int) geometry {
	g := geometry{width: w, height: h, skip: 1}
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
	m := 0
	for by := 1; by <= g.nby; by++ {
		for bx := g.first(by); bx <= g.nbx; bx += g.skip {
			m++
		}
	}
	g.n = m
	dense := g.n <= denseProbes
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
func (g *geometry) first(by int) int {
	if g.skip == 1 {
		return 1
	}
	return 1 + by&1
}

// blockProbe reports whether macroblock (bx, by) gets a column probe when
// not every one does: every one in every other band. Memory, not
// arithmetic, is what a column probe costs (twelve rows, a cache line
// each, and a line spans four macroblocks), so whole bands are skipped
// rather than every other macroblock.
func (g *geometry) blockProbe(bx, by int) bool { return by&1 == 0 }

// colOffset is the column of the column probe inside macroblock (bx, by).
func colOffset(bx, by int) int { return 2 + (bx*7+by*3)%12 }

// gather copies the probe samples of luma plane y into dst (g.size()
// bytes). It assumes the plane was checked against g's size.
func (g *geometry) gather(dst []byte, y Plane) {
	if g.n == 0 {
		return
	}
	s := y.Stride
	data := y.Data
	rows := dst[:g.n*probeLen]
	cols := dst[g.n*probeLen : g.size()]
	dense := g.nb == g.n
	for by := 1; by <= g.nby; by++ {
		y0 := by * 16
		row := data[(y0+int(g.rOff[by]))*s:]
		colBase := (y0 - probeLead) * s
		for bx := g.first(by); bx <= g.nbx; bx += g.skip {
			x0 := bx * 16
			// Two word moves instead of a 12-byte copy call.
			r := row[x0-probeLead : x0-probeLead+probeLen]
			binary.LittleEndian.PutUint64(rows[0:8], binary.LittleEndian.Uint64(r[0:8]))
			binary.LittleEndian.PutUint32(rows[8:12], binary.LittleEndian.Uint32(r[8:12]))
			rows = rows[probeLen:]
			if !dense && !g.blockProbe(bx, by) {
				continue
			}
			col := data[colBase+x0+colOffset(bx, by):]
			c := cols[:probeLen:probeLen]
			_ = col[11*s] // one bounds check for the column
			c[0], c[1], c[2], c[3] = col[0], col[s], col[2*s], col[3*s]
			c[4], c[5], c[6], c[7] = col[4*s], col[5*s], col[6*s], col[7*s]
			c[8], c[9], c[10], c[11] = col[8*s], col[9*s], col[10*s], col[11*s]
			cols = cols[probeLen:]
		}
	}
}
