//go:build !amd64

package videodetect

const haveKernels = false

func lumaBlocksAVX2(cur, prev, ref *byte, n, stride, darkT, bright int, o *lumaOut) {
	panic("no vector kernels on this architecture")
}

func pictureCuesAVX2(rows, cols *byte, quads int, o *picOut) { panic("no vector kernels") }

func diffCuesAVX2(c, p *byte, pairs int) (grid, ctrl int) { panic("no vector kernels") }

func gatherRowsAVX2(rows, data *byte, rowOff *int32, masks *uint64, groups int) {
	panic("no vector kernels")
}

func narrowAVX2(dst, src *byte, n int, shift uint64) { panic("no vector kernels") }
