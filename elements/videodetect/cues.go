package videodetect

import (
	"encoding/binary"
	"math/bits"
)

// Block-edge cues, after Muijs & Kirenko: a coding block boundary shows as a
// "step", a gradient across the edge that is visible and much larger than
// the gradients just beside it. Natural content puts such steps on grid and
// off-grid positions alike; DCT blocking and concealed or wrongly predicted
// macroblocks put them on the grid only. So per probe line we test the MB
// edge, the 8-px edge and one off-grid control position, and the frame's
// block measure is the grid step rate minus the control step rate, per
// probed edge: roughly the share of block edges that show a block step.
//
// A step at gradient g (between samples i and i+1 of a line), with ga and
// gb the gradients just beside it, is
//
//	g >= min  and  g > 2·max(ga, gb)
//
// Probe line layout (see sampler.go): v[2] is the first sample inside the
// macroblock. Gradient i lies between v[i] and v[i+1]: the MB edge is
// gradient 1, the 8-px edge gradient 9; the picture's controls are
// gradients 3 and 7 (between MB columns 1|2 and 5|6, off the 4-px
// transform grid), the difference's gradient 7 alone.
//
// Everything below works on lane groups (sampler.go): word r of a group
// holds sample r of eight probes, so one 64-bit operation handles eight
// probe lines ("SWAR"). The results are exactly those of the per-line
// integer arithmetic (reference_test.go keeps that version to compare).

// SWAR constants: per byte lane, per 16-bit lane.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
	lows7 = 0x7f7f7f7f7f7f7f7f
	lo16  = 0x00ff00ff00ff00ff // the even bytes, widened to 16-bit lanes
	one16 = 0x0001000100010001
	top16 = 0x8000800080008000
)

// Step thresholds (8-bit code values) of the block-edge test. A step must be
// visible: 3 levels in the picture, 4 in the difference of two pictures
// (which carries the noise of both).
const (
	minStepPicture = 3
	minStepDiff    = 4
)

// word returns word r of a lane group.
func word(g *[groupBytes]byte, r int) uint64 {
	return binary.LittleEndian.Uint64(g[r*groupLanes:])
}

// absDiff8 returns |a-b| per byte lane. d is the lane-wise difference
// modulo 256 and b the borrow out of each lane (a < b), both without
// carries between lanes (Hacker's Delight 2-18); lanes that borrowed are
// negated: 256-d = (d^0xff)+1, which cannot carry either.
func absDiff8(a, b uint64) uint64 {
	x := a ^ b
	d := ((a | highs) - (b &^ highs)) ^ (highs &^ x)
	bw := ((b &^ a) | (d &^ x)) & highs
	n := bw >> 7
	return (d ^ (bw<<1 - n)) + n
}

// leMask has the high bit of each byte lane of x that is <= t set, for
// t < 128 (the "countless" trick: 128+t minus the low seven bits stays
// >= 128 exactly when they are <= t, and the lane's own high bit must be
// clear).
func leMask(x uint64, t uint8) uint64 {
	return (ones*(128+uint64(t)) - (x & lows7)) &^ x & highs
}

// geMask128 has the high bit of each byte lane of x that is >= 128+m set,
// for m <= 128: the high bit must be set and the low seven bits plus 128-m
// must carry into it (at most 127+128, so no byte carries into the next).
func geMask128(x, m uint64) uint64 {
	return ((x & lows7) + ones*(128-m)) & x & highs
}

// countGE128 returns how many of the eight bytes of x are >= 128+m.
func countGE128(x, m uint64) int { return bits.OnesCount64(geMask128(x, m)) }

// sum16 adds the bytes of x to the 16-bit lanes of acc (each lane takes
// the two bytes it spans).
func sum16(acc, x uint64) uint64 { return acc + x&lo16 + (x>>8)&lo16 }

// hsum16 is the sum of the four 16-bit lanes of x (their sum must fit 16
// bits).
func hsum16(x uint64) int { return int((x * one16) >> 48) }

// hsum8 is the sum of the eight byte lanes of x (their sum must fit 8 bits).
func hsum8(x uint64) int { return int((x * ones) >> 56) }

// nonzero8 has the high bit of each nonzero byte lane of x set.
func nonzero8(x uint64) uint64 { return (((x & lows7) + lows7) | x) & highs }

// lineCues holds, for eight probe lines of one kind (rows or columns), the
// picture's step masks (high bit of each byte lane) and the lines'
// activity (the sum of their gradients) in two halves of 16-bit lanes:
// actE for the even byte lanes, actO for the odd ones.
type lineCues struct {
	grid1, grid9, ctrl3, ctrl7 uint64
	actE, actO                 uint64
}

// pictureCues computes the step masks and activities of the eight lines
// of lane group v.
//
// The step test per byte lane, without widening: g > 2m is
// ceil(g/2) > m; ceil(g/2) <= 128, so ceil(g/2)+127 fits a byte, and
// minus m's low seven bits it keeps its high bit exactly when they are
// below ceil(g/2); a lane whose m has its own high bit set (m >= 128)
// fails. g >= 3 is "not <= 2".
func pictureCues(v *[groupBytes]byte) (c lineCues) {
	v0, v1, v2, v3 := word(v, 0), word(v, 1), word(v, 2), word(v, 3)
	v4, v5, v6, v7 := word(v, 4), word(v, 5), word(v, 6), word(v, 7)
	v8, v9, v10, v11 := word(v, 8), word(v, 9), word(v, 10), word(v, 11)
	g0, g1, g2, g3 := absDiff8(v1, v0), absDiff8(v2, v1), absDiff8(v3, v2), absDiff8(v4, v3)
	g4, g5, g6, g7 := absDiff8(v5, v4), absDiff8(v6, v5), absDiff8(v7, v6), absDiff8(v8, v7)
	g8, g9, g10 := absDiff8(v9, v8), absDiff8(v10, v9), absDiff8(v11, v10)

	c.grid1 = stepMask8(g0, g1, g2)
	c.ctrl3 = stepMask8(g2, g3, g4)
	c.ctrl7 = stepMask8(g6, g7, g8)
	c.grid9 = stepMask8(g8, g9, g10)

	// Gradients are at most 255, eleven of them at most 2805 per lane.
	c.actE = g0&lo16 + g1&lo16 + g2&lo16 + g3&lo16 + g4&lo16 + g5&lo16 +
		g6&lo16 + g7&lo16 + g8&lo16 + g9&lo16 + g10&lo16
	c.actO = (g0>>8)&lo16 + (g1>>8)&lo16 + (g2>>8)&lo16 + (g3>>8)&lo16 + (g4>>8)&lo16 + (g5>>8)&lo16 +
		(g6>>8)&lo16 + (g7>>8)&lo16 + (g8>>8)&lo16 + (g9>>8)&lo16 + (g10>>8)&lo16
	return c
}

// stepMask8 has the high bit of each byte lane set where gradient g is a
// picture step between ga and gb.
func stepMask8(ga, g, gb uint64) uint64 {
	half := (g>>1)&lows7 + g&ones + lows7 // ceil(g/2)+127 per lane
	visible := highs &^ leMask(g, minStepPicture-1)
	return visible & (half - ga&lows7) &^ ga & (half - gb&lows7) &^ gb
}

// diffCues counts the steps of the frame-to-frame difference over the
// eight lines of lane group c (this frame) and p (the previous one): grid
// (gradients 1 and 9) and control (gradient 7) steps. The difference of
// two samples needs nine bits, so this works on 16-bit lanes: the even
// byte lanes, then the odd ones.
func diffCues(c, p *[groupBytes]byte) (grid, ctrl int) {
	for shift := uint(0); shift <= 8; shift += 8 {
		e0, e1, e2, e3 := diff16(c, p, 0, shift), diff16(c, p, 1, shift), diff16(c, p, 2, shift), diff16(c, p, 3, shift)
		e6, e7, e8, e9 := diff16(c, p, 6, shift), diff16(c, p, 7, shift), diff16(c, p, 8, shift), diff16(c, p, 9, shift)
		e10, e11 := diff16(c, p, 10, shift), diff16(c, p, 11, shift)
		g0, g1, g2 := absGrad16(e0, e1), absGrad16(e1, e2), absGrad16(e2, e3)
		g6, g7, g8 := absGrad16(e6, e7), absGrad16(e7, e8), absGrad16(e8, e9)
		g9, g10 := absGrad16(e9, e10), absGrad16(e10, e11)
		// Bits 15 and 14 of a lane: one count for both grid positions.
		grid += bits.OnesCount64(stepMask16(g0, g1, g2) | stepMask16(g8, g9, g10)>>1)
		ctrl += bits.OnesCount64(stepMask16(g6, g7, g8))
	}
	return grid, ctrl
}

// diff16 is c[i] - p[i] + 256 (in 1…511) for the byte lanes of word i
// selected by shift (0: even, 8: odd), in 16-bit lanes.
func diff16(c, p *[groupBytes]byte, i int, shift uint) uint64 {
	return (word(c, i)>>shift)&lo16 + one16<<8 - (word(p, i)>>shift)&lo16
}

// absGrad16 returns |b-a| per 16-bit lane for a, b in 1…511: x = b-a+512
// is in 2…1022 (no borrow between lanes); below 512 the result is 512-x =
// (x^0x1ff)+1, from 512 on x-512 = x&0x1ff.
func absGrad16(a, b uint64) uint64 {
	x := b + one16<<9 - a
	n := (^x >> 9) & one16 // 1 where x < 512
	return ((x & (one16 * 0x1ff)) ^ (n * 0x1ff)) + n
}

// stepMask16 has bit 15 of each 16-bit lane set where gradient g (at most
// 510) is a difference step between ga and gb: g + 0x7fff - 2m keeps bit 15
// exactly when g > 2m (2m <= 1020, so nothing borrows or carries out of a
// lane), and g + 0x7fff - (minStepDiff-1) when g >= minStepDiff.
func stepMask16(ga, g, gb uint64) uint64 {
	k := g + one16*0x7fff
	return (k - one16*(minStepDiff-1)) & (k - ga<<1) & (k - gb<<1) & top16
}
