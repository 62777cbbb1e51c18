package videodetect

import (
	"math"
	"time"
)

// Synthetic pictures for tests and benchmarks: deterministic, with the
// ingredients the detectors react to (texture, gradients, sharp shapes,
// fine noise), generated without GStreamer.

// rng is a tiny deterministic generator (splitmix64).
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9E3779B97F4A7C15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// picture is an I420 frame with padding: stride > width, like decoders
// and GStreamer pools produce.
type picture struct {
	w, h, stride, cstride int
	buf                   []byte
	y, u, v               []byte
}

func newPicture(w, h, pad int) *picture {
	p := &picture{w: w, h: h, stride: w + pad, cstride: (w+1)/2 + pad/2}
	ch := (h + 1) / 2
	p.buf = make([]byte, p.stride*h+2*p.cstride*ch)
	p.y = p.buf[:p.stride*h]
	p.u = p.buf[p.stride*h : p.stride*h+p.cstride*ch]
	p.v = p.buf[p.stride*h+p.cstride*ch:]
	return p
}

func (p *picture) frame(pts time.Duration) *Frame {
	return &Frame{Width: p.w, Height: p.h, Layout: Planar420,
		Y: Plane{p.y, p.stride}, U: Plane{p.u, p.cstride}, V: Plane{p.v, p.cstride}, PTS: pts}
}

func (p *picture) fill(y, u, v byte) {
	for i := range p.y {
		p.y[i] = y
	}
	for i := range p.u {
		p.u[i], p.v[i] = u, v
	}
}

// scene renders programme-like content at time t (seconds): two drifting
// layers of smooth texture over a gradient, moving shapes with sharp edges,
// and, when noise > 0, fresh grain of ±noise levels (seeded by seed).
func (p *picture) scene(t float64, noise int, seed uint64) {
	r := rng(seed)
	ox, oy := int(t*70), int(t*20)
	for y := 0; y < p.h; y++ {
		row := p.y[y*p.stride : y*p.stride+p.w]
		for x := range row {
			a := tex(x+ox, y+oy)
			b := tex(2*x-ox/2+301, y-oy+977)
			v := 40 + y*100/p.h + (a+b)/4
			row[x] = byte(clamp(v, 16, 235))
		}
	}
	for i := 0; i < 4; i++ {
		cx := int(float64(p.w) * (0.3 + 0.2*math.Sin(t*0.7+float64(i)*1.7)))
		cy := int(float64(p.h) * (0.4 + 0.2*math.Cos(t*0.9+float64(i))))
		rw, rh := p.h/6+i*p.h/30, p.h/8+i*p.h/40
		lum := byte(60 + 40*i)
		for y := max(0, cy-rh); y < min(p.h, cy+rh); y++ {
			for x := max(0, cx-rw); x < min(p.w, cx+rw); x++ {
				p.y[y*p.stride+x] = lum + byte((x-cx+rw)*16/(2*rw))
			}
		}
	}
	if noise > 0 {
		for y := 0; y < p.h; y++ {
			row := p.y[y*p.stride : y*p.stride+p.w]
			for x := range row {
				n := int(r.next()%uint64(2*noise+1)) - noise
				row[x] = byte(clamp(int(row[x])+n, 16, 235))
			}
		}
	}
	ch := (p.h + 1) / 2
	for y := 0; y < ch; y++ {
		for x := 0; x < (p.w+1)/2; x++ {
			p.u[y*p.cstride+x] = byte(128 + tex(x+ox/2, y)/16 - 8)
			p.v[y*p.cstride+x] = byte(128 - tex(x, y+oy/2)/16 + 8)
		}
	}
}

// tex is smooth value noise in 0…255 with features of about 32 px.
func tex(x, y int) int {
	cx, cy := x>>5, y>>5
	fx, fy := x&31, y&31
	h := func(i, j int) int {
		v := uint64(i)*0x9E3779B97F4A7C15 ^ uint64(j)*0xC2B2AE3D27D4EB4F
		v ^= v >> 29
		v *= 0xBF58476D1CE4E5B9
		return int(v >> 56)
	}
	a := h(cx, cy)*(32-fx) + h(cx+1, cy)*fx
	b := h(cx, cy+1)*(32-fx) + h(cx+1, cy+1)*fx
	return (a*(32-fy) + b*fy) >> 10
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// blockify replaces each 16×16 macroblock in rows [y0,y1) with its mean:
// the look of DC-only concealment or QP-51 blocking.
func (p *picture) blockify(y0, y1 int) {
	for by := y0 / 16 * 16; by+16 <= y1 && by+16 <= p.h; by += 16 {
		for bx := 0; bx+16 <= p.w; bx += 16 {
			s := 0
			for y := by; y < by+16; y++ {
				for x := bx; x < bx+16; x++ {
					s += int(p.y[y*p.stride+x])
				}
			}
			m := byte(s / 256)
			for y := by; y < by+16; y++ {
				for x := bx; x < bx+16; x++ {
					p.y[y*p.stride+x] = m
				}
			}
		}
	}
}

// smear repeats row y0 down to the bottom, as libav does below a damaged
// slice.
func (p *picture) smear(y0 int) {
	src := p.y[y0*p.stride : y0*p.stride+p.w]
	for y := y0 + 1; y < p.h; y++ {
		copy(p.y[y*p.stride:], src)
	}
}
