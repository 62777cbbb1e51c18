// Package testpic renders deterministic synthetic pictures for the video
// detectors' tests and benchmarks: programme-like content (texture,
// gradients, sharp moving shapes, grain) and the defects the detectors look
// for (black, frozen, blocky, smeared), in any of the raw layouts videoqc
// accepts. Pure Go, no GStreamer.
package testpic

import (
	"fmt"
	"math"
	"sync"
)

// Picture is a 4:2:0 picture: luma W×H, chroma (W+1)/2 × (H+1)/2, tightly
// packed. Write converts it to the layout a test needs.
type Picture struct {
	W, H   int
	Y      []byte
	U, V   []byte
	CW, CH int
}

// New returns a mid-grey picture.
func New(w, h int) *Picture {
	p := &Picture{W: w, H: h, CW: (w + 1) / 2, CH: (h + 1) / 2}
	p.Y = make([]byte, w*h)
	p.U = make([]byte, p.CW*p.CH)
	p.V = make([]byte, p.CW*p.CH)
	p.Fill(128, 128, 128)
	return p
}

// Fill paints the picture one colour.
func (p *Picture) Fill(y, u, v byte) {
	for i := range p.Y {
		p.Y[i] = y
	}
	for i := range p.U {
		p.U[i], p.V[i] = u, v
	}
}

// Rand is splitmix64: tiny, deterministic.
type Rand uint64

func (r *Rand) Next() uint64 {
	*r += 0x9E3779B97F4A7C15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Scene renders programme-like content at time t (seconds): two drifting
// layers of smooth texture over a vertical gradient and moving shapes with
// sharp edges; with noise > 0, fresh grain of ±noise levels (seed picks
// it). Consecutive times differ everywhere.
func (p *Picture) Scene(t float64, noise int, seed uint64) {
	ox, oy := int(t*70), int(t*20)
	tt := texture()
	for y := 0; y < p.H; y++ {
		row := p.Y[y*p.W : y*p.W+p.W]
		ra := tt[((y+oy)&texMask)*texSize:][:texSize]
		rb := tt[((y-oy+977)&texMask)*texSize:][:texSize]
		base := 40 + y*100/p.H
		for x := range row {
			a := int(ra[(x+ox)&texMask])
			b := int(rb[(2*x-ox/2+301)&texMask])
			row[x] = clamp8(base+(a+b)/4, 16, 235)
		}
	}
	for i := 0; i < 4; i++ {
		cx := int(float64(p.W) * (0.3 + 0.2*math.Sin(t*0.7+float64(i)*1.7)))
		cy := int(float64(p.H) * (0.4 + 0.2*math.Cos(t*0.9+float64(i))))
		rw, rh := p.H/6+i*p.H/30, p.H/8+i*p.H/40
		lum := 60 + 40*i
		for y := max(0, cy-rh); y < min(p.H, cy+rh); y++ {
			for x := max(0, cx-rw); x < min(p.W, cx+rw); x++ {
				p.Y[y*p.W+x] = byte(lum + (x-cx+rw)*16/(2*rw))
			}
		}
	}
	if noise > 0 {
		p.Grain(noise, seed)
	}
	for y := 0; y < p.CH; y++ {
		ru := tt[(y&texMask)*texSize:][:texSize]
		rv := tt[((y+oy/2)&texMask)*texSize:][:texSize]
		for x := 0; x < p.CW; x++ {
			p.U[y*p.CW+x] = byte(128 + int(ru[(x+ox/2)&texMask])/16 - 8)
			p.V[y*p.CW+x] = byte(128 - int(rv[x&texMask])/16 + 8)
		}
	}
}

// Grain adds fresh uniform noise of ±n levels to luma.
func (p *Picture) Grain(n int, seed uint64) {
	r := Rand(seed)
	for i, v := range p.Y {
		d := int(r.Next()%uint64(2*n+1)) - n
		p.Y[i] = clamp8(int(v)+d, 16, 235)
	}
}

// Blockify replaces each 16×16 macroblock whose top row is in [y0, y1)
// with its mean: DC-only concealment or QP-51 blocking.
func (p *Picture) Blockify(y0, y1 int) {
	for by := (y0 + 15) / 16 * 16; by < y1 && by+16 <= p.H; by += 16 {
		for bx := 0; bx+16 <= p.W; bx += 16 {
			s := 0
			for y := by; y < by+16; y++ {
				for x := bx; x < bx+16; x++ {
					s += int(p.Y[y*p.W+x])
				}
			}
			m := byte(s / 256)
			for y := by; y < by+16; y++ {
				for x := bx; x < bx+16; x++ {
					p.Y[y*p.W+x] = m
				}
			}
		}
	}
}

// Smear repeats row y0 down to the bottom, as libav does below a damaged
// slice.
func (p *Picture) Smear(y0 int) {
	src := p.Y[y0*p.W : y0*p.W+p.W]
	for y := y0 + 1; y < p.H; y++ {
		copy(p.Y[y*p.W:], src)
	}
}

// The texture is tex() rendered once into a tile that wraps around (a
// lookup is far cheaper than the noise function per pixel); the seam where
// it wraps is part of the picture, not on the coding grid (512 is no
// multiple of the 29-px cell).
const (
	texSize = 512
	texMask = texSize - 1
)

var (
	texOnce sync.Once
	texTile []byte
)

func texture() []byte {
	texOnce.Do(func() {
		texTile = make([]byte, texSize*texSize)
		for y := 0; y < texSize; y++ {
			for x := 0; x < texSize; x++ {
				texTile[y*texSize+x] = byte(tex(x, y))
			}
		}
	})
	return texTile
}

// tex is smooth value noise in 0…255 with features of about 29 px: a cell
// size off the 8/16-px coding grid, so the texture itself has no grid.
func tex(x, y int) int {
	const cell = 29
	x += 1 << 20 // keep the division away from negative numbers
	y += 1 << 20
	cx, cy := x/cell, y/cell
	fx, fy := x%cell, y%cell
	h := func(i, j int) int {
		v := uint64(i)*0x9E3779B97F4A7C15 ^ uint64(j)*0xC2B2AE3D27D4EB4F
		v ^= v >> 29
		v *= 0xBF58476D1CE4E5B9
		return int(v >> 56)
	}
	a := h(cx, cy)*(cell-fx) + h(cx+1, cy)*fx
	b := h(cx, cy+1)*(cell-fx) + h(cx+1, cy+1)*fx
	return (a*(cell-fy) + b*fy) / (cell * cell)
}

func clamp8(v, lo, hi int) byte {
	if v < lo {
		return byte(lo)
	}
	if v > hi {
		return byte(hi)
	}
	return byte(v)
}

// Layout says where a format's planes live in a buffer: byte offsets and
// row strides (GStreamer's GstVideoInfo or a GstVideoMeta give these).
type Layout struct {
	Format  string // I420, YV12, NV12, Y42B, Y444, GRAY8
	Offset  [3]int
	Stride  [3]int
	Size    int
	W, H    int
	NPlanes int
}

// chroma subsampling shifts of a format.
func shifts(format string) (sx, sy int, err error) {
	switch format {
	case "I420", "YV12", "NV12":
		return 1, 1, nil
	case "Y42B":
		return 1, 0, nil
	case "Y444", "GRAY8":
		return 0, 0, nil
	}
	return 0, 0, fmt.Errorf("testpic: unknown format %q", format)
}

// Padded returns a layout with each row padded by pad bytes (luma; chroma
// by pad/2 when subsampled) and planes packed one after the other, the way
// a decoder with aligned pools lays out frames.
func Padded(format string, w, h, pad int) (Layout, error) {
	sx, sy, err := shifts(format)
	if err != nil {
		return Layout{}, err
	}
	l := Layout{Format: format, W: w, H: h}
	cw, ch := (w+(1<<sx)-1)>>sx, (h+(1<<sy)-1)>>sy
	cpad := pad >> sx
	switch format {
	case "GRAY8":
		l.NPlanes = 1
		l.Stride[0] = w + pad
		l.Size = l.Stride[0] * h
	case "NV12":
		l.NPlanes = 2
		l.Stride[0], l.Stride[1] = w+pad, 2*cw+pad
		l.Offset[1] = l.Stride[0] * h
		l.Size = l.Offset[1] + l.Stride[1]*ch
	default:
		l.NPlanes = 3
		l.Stride = [3]int{w + pad, cw + cpad, cw + cpad}
		l.Offset[1] = l.Stride[0] * h
		l.Offset[2] = l.Offset[1] + l.Stride[1]*ch
		l.Size = l.Offset[2] + l.Stride[2]*ch
	}
	return l, nil
}

// Write stores p into buf laid out as l, converting 4:2:0 chroma to the
// format's (nearest neighbour). Padding bytes are set to 0x55 so a reader
// that strays into them sees garbage, not plausible picture.
func (p *Picture) Write(buf []byte, l Layout) error {
	if p.W != l.W || p.H != l.H {
		return fmt.Errorf("testpic: picture %dx%d, layout %dx%d", p.W, p.H, l.W, l.H)
	}
	if len(buf) < l.Size {
		return fmt.Errorf("testpic: buffer %d bytes, layout needs %d", len(buf), l.Size)
	}
	for i := range buf[:l.Size] {
		buf[i] = 0x55
	}
	for y := 0; y < p.H; y++ {
		copy(buf[l.Offset[0]+y*l.Stride[0]:], p.Y[y*p.W:y*p.W+p.W])
	}
	sx, sy, _ := shifts(l.Format)
	cw, ch := (p.W+(1<<sx)-1)>>sx, (p.H+(1<<sy)-1)>>sy
	u, v := 1, 2
	if l.Format == "YV12" {
		u, v = 2, 1
	}
	for y := 0; y < ch && l.Format != "GRAY8"; y++ {
		py := (y << sy) >> 1
		for x := 0; x < cw; x++ {
			px := (x << sx) >> 1
			cu, cv := p.U[py*p.CW+px], p.V[py*p.CW+px]
			if l.Format == "NV12" {
				buf[l.Offset[1]+y*l.Stride[1]+2*x] = cu
				buf[l.Offset[1]+y*l.Stride[1]+2*x+1] = cv
				continue
			}
			buf[l.Offset[u]+y*l.Stride[u]+x] = cu
			buf[l.Offset[v]+y*l.Stride[v]+x] = cv
		}
	}
	return nil
}
