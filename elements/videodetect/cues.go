package videodetect

import "math/bits"

// Block-edge cues, after Muijs & Kirenko: a coding block boundary shows as a
// "step", a gradient across the edge that is visible and much larger than
// the gradients just beside it. Natural content puts such steps on grid and
// off-grid positions alike; DCT blocking and concealed or wrongly predicted
// macroblocks put them on the grid only. So per probe line we test the MB
// edge, the 8-px edge and one off-grid control position, and the frame's
// block measure is the grid step rate minus the control step rate, per
// probed edge: roughly the share of block edges that show a block step.

// stepCount holds the step counts of one frame (or a part of it).
type stepCount struct {
	grid int // steps on MB edges and 8-px edges
	ctrl int // steps on the control positions
}

func absInt(v int) int {
	m := v >> 63
	return (v ^ m) - m
}

// step reports (as 0 or 1) a block-edge-like step: gradient g across the
// edge at least min and more than twice the larger gradient beside it.
// Branch-free: the verdicts are data-dependent coin flips for the branch
// predictor.
func step(ga, g, gb, min int) int {
	m := max(ga, gb)
	return int(uint(min-1-g)>>63) & int(uint(2*m-g)>>63)
}

// Probe line layout (see sampler.go): v[2] is the first sample inside the
// macroblock. Gradient i lies between v[i] and v[i+1]: the MB edge is
// gradient 1, the 8-px edge gradient 9, and the control gradient 7, between
// MB columns 5 and 6, off the 4-px transform grid.

// lineSteps counts the steps of one probe line of the picture (two grid
// positions, two controls: gradients 3 and 7, between MB columns 1|2 and
// 5|6), and returns its activity: the sum of its gradients.
func lineSteps(v *[probeLen]byte, min int) (grid, ctrl, activity int) {
	g0 := absInt(int(v[1]) - int(v[0]))
	g1 := absInt(int(v[2]) - int(v[1]))
	g2 := absInt(int(v[3]) - int(v[2]))
	g3 := absInt(int(v[4]) - int(v[3]))
	g4 := absInt(int(v[5]) - int(v[4]))
	g5 := absInt(int(v[6]) - int(v[5]))
	g6 := absInt(int(v[7]) - int(v[6]))
	g7 := absInt(int(v[8]) - int(v[7]))
	g8 := absInt(int(v[9]) - int(v[8]))
	g9 := absInt(int(v[10]) - int(v[9]))
	g10 := absInt(int(v[11]) - int(v[10]))
	grid = step(g0, g1, g2, min) + step(g8, g9, g10, min)
	ctrl = step(g2, g3, g4, min) + step(g6, g7, g8, min)
	activity = g0 + g1 + g2 + g3 + g4 + g5 + g6 + g7 + g8 + g9 + g10
	return
}

// diffLineSteps counts the steps of one probe line of the difference
// between the picture (c) and the previous one (p): a macroblock that
// changed on its own, unlike its neighbours, steps at its edge.
func diffLineSteps(c, p *[probeLen]byte, min int) (grid, ctrl int) {
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
	g0, g1, g2 := absInt(d1-d0), absInt(d2-d1), absInt(d3-d2)
	g6, g7, g8 := absInt(d7-d6), absInt(d8-d7), absInt(d9-d8)
	g9, g10 := absInt(d10-d9), absInt(d11-d10)
	return step(g0, g1, g2, min) + step(g8, g9, g10, min), step(g6, g7, g8, min)
}

// SWAR helpers: eight luma samples in a uint64.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
	lows7 = 0x7f7f7f7f7f7f7f7f
)

// countLE returns how many of the eight bytes of x are <= t, for t < 128
// (the "countless" bit trick, exact for n = t+1 <= 128).
func countLE(x uint64, t uint8) int {
	n := uint64(t) + 1
	return bits.OnesCount64((ones*(127+n) - (x & lows7)) &^ x & highs)
}

// countGE128 returns how many of the eight bytes of x are >= 128+m, for
// m <= 127: the high bit must be set and the low seven bits plus 128-m must
// carry into it (at most 127+128, so no byte carries into the next).
func countGE128(x, m uint64) int {
	return bits.OnesCount64(((x & lows7) + ones*(128-m)) & x & highs)
}

// byteSum returns the sum of the eight bytes of x.
func byteSum(x uint64) int {
	s := (x & 0x00ff00ff00ff00ff) + ((x >> 8) & 0x00ff00ff00ff00ff) // 4×16-bit
	s = (s & 0x0000ffff0000ffff) + ((s >> 16) & 0x0000ffff0000ffff) // 2×32-bit
	return int((s & 0xffffffff) + (s >> 32))
}

// sad8 returns the sum of absolute differences of the bytes of a and b.
func sad8(a, b []byte) int {
	_ = a[7]
	_ = b[7]
	return absInt(int(a[0])-int(b[0])) + absInt(int(a[1])-int(b[1])) +
		absInt(int(a[2])-int(b[2])) + absInt(int(a[3])-int(b[3])) +
		absInt(int(a[4])-int(b[4])) + absInt(int(a[5])-int(b[5])) +
		absInt(int(a[6])-int(b[6])) + absInt(int(a[7])-int(b[7]))
}
