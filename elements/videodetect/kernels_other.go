//go:build !amd64

package videodetect

const haveKernels = false

type lumaOut struct{ sum, dark, bright, sad, changed uint64 }

func lumaBlocksAVX2(cur, prev, ref *byte, n, stride, darkT, bright int, o *lumaOut) {
	panic("no vector kernels on this architecture")
}

func pictureCuesAVX2(rows, cols *byte, quads int, o *picOut) { panic("no vector kernels") }

func diffCuesAVX2(c, p *byte, pairs int) (grid, ctrl int) { panic("no vector kernels") }

func gatherGroupsAVX2(rows, cols, data *byte, rowOff, colOff *int32, masks *uint64, groups, stride int) {
	panic("no vector kernels")
}
