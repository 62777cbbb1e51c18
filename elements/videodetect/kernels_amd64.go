package videodetect

// Vector kernels (kernels_amd64.s) for the passes that dominate the
// analyser's time; the Go code they stand in for is the reference, and
// kernels_test.go checks them against it.

const haveKernels = true

// lumaBlocksAVX2 adds to o the luma statistics of n blocks of 64 samples,
// block k at cur + k·stride: their sum, how many are <= darkT and >=
// bright, and, when prev is not nil, the freeze measures against the same
// blocks of prev (any difference) and ref (Σ|cur−ref|; ref nil: prev).
//
//go:noescape
func lumaBlocksAVX2(cur, prev, ref *byte, n, stride, darkT, bright int, o *lumaOut)

// pictureCuesAVX2 counts the picture cues of 4·quads lane groups, rows
// and their columns, as measure's loop over pictureCues does.
//
//go:noescape
func pictureCuesAVX2(rows, cols *byte, quads int, o *picOut)

// diffCuesAVX2 is diffCues summed over 2·pairs lane groups of c and p.
//
//go:noescape
func diffCuesAVX2(c, p *byte, pairs int) (grid, ctrl int)

// gatherRowsAVX2 fills the row lane groups as gather does: group i from
// the 8 lines at rowOff[8i…8i+7] (offsets into data), lanes outside
// masks[i] zeroed.
//
//go:noescape
func gatherRowsAVX2(rows, data *byte, rowOff *int32, masks *uint64, groups int)

// narrowAVX2 is Narrow's loop over one row of n samples (n a multiple of
// 32): dst[i] = byte(src16[i] >> shift).
//
//go:noescape
func narrowAVX2(dst, src *byte, n int, shift uint64)
