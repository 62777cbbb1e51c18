package synth

import (
	"math"
	"sync"
)

// Picture renders one frame of a scene at media time t (seconds).
type Picture interface {
	Render(f *Frame, t float64)
}

// The scene background is a large tileable value-noise "world" that the
// camera pans over: a frame is then row copies (fast enough to render a
// 1080p frame in about a millisecond) and the motion is what an encoder
// sees in a real pan. Worlds come from a small pool shared by all scenes;
// each scene maps one through its own tone curve.
const (
	worldSize = 2048 // power of two: wrap-around is a mask
	worldPool = 6
)

var (
	worldMu    sync.Mutex
	worldCache = map[int]*[]byte{}
)

// baseWorld returns pool entry k: value noise 0..255, worldSize².
func baseWorld(k int) []byte {
	worldMu.Lock()
	defer worldMu.Unlock()
	if w, ok := worldCache[k]; ok {
		return *w
	}
	n := worldSize
	acc := make([]float32, n*n)
	amp := float32(1)
	r := NewRand(uint64(1000 + k))
	for _, cells := range []int{8, 16, 32, 64, 128, 256} {
		grid := make([]float32, cells*cells)
		for i := range grid {
			grid[i] = float32(r.Float64()*2 - 1)
		}
		step := float32(n) / float32(cells)
		wx := make([]float32, n) // smoothstep weights per column, shared by rows
		x0s := make([]int, n)
		for x := 0; x < n; x++ {
			fx := float32(x) / step
			x0s[x] = int(fx)
			wx[x] = float32(smooth(float64(fx - float32(x0s[x]))))
		}
		for y := 0; y < n; y++ {
			fy := float32(y) / step
			y0 := int(fy)
			ty := float32(smooth(float64(fy - float32(y0))))
			g0, g1 := grid[y0*cells:(y0+1)*cells], grid[((y0+1)%cells)*cells:((y0+1)%cells+1)*cells]
			row := acc[y*n : (y+1)*n]
			for x := range row {
				x0 := x0s[x]
				x1 := x0 + 1
				if x1 == cells {
					x1 = 0
				}
				tx := wx[x]
				a := g0[x0] + (g0[x1]-g0[x0])*tx
				b := g1[x0] + (g1[x1]-g1[x0])*tx
				row[x] += amp * (a + (b-a)*ty)
			}
		}
		amp *= 0.62
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range acc {
		lo, hi = min(lo, v), max(hi, v)
	}
	w := make([]byte, n*n)
	for i, v := range acc {
		w[i] = byte((v - lo) / (hi - lo) * 255)
	}
	worldCache[k] = &w
	return w
}

func smooth(x float64) float64 { return x * x * (3 - 2*x) }

// shape is a moving flat-coloured rectangle or ellipse: sharp edges that a
// blur or blockiness measure expects in real pictures.
type shape struct {
	ellipse        bool
	w, h           float64 // fraction of frame height
	cx, cy, ax, ay float64 // path centre and amplitude, fractions of width/height
	wx, wy, px, py float64 // angular speeds and phases
	y, u, v        int
}

// Scene is ordinary moving programme material: a camera panning over a
// textured world with a brightness gradient, a few moving shapes and a
// scrolling ticker. Consecutive frames differ everywhere.
type Scene struct {
	W, H       int
	world      []byte // worldSize² luma, this scene's tone curve applied
	cu, cv     []byte // (worldSize/2)² chroma
	shapes     []shape
	glyph      []byte // ticker column mask, 0 or luma value
	vx, vy     float64
	x0, y0     float64
	tickerSpd  float64
	lumaLUT    *[256]byte // optional remap (dark scene)
	chromaGain int        // /256
}

// NewScene builds a programme scene for a w×h picture from seed.
func NewScene(seed uint64, w, h int) *Scene {
	r := NewRand(seed)
	p := &Scene{W: w, H: h, chromaGain: 256}
	scale := float64(h) / 720
	ang := r.Range(0, 2*math.Pi)
	speed := r.Range(70, 110) * scale
	p.vx, p.vy = speed*math.Cos(ang), speed*math.Sin(ang)*0.5
	p.x0, p.y0 = r.Range(0, worldSize), r.Range(0, worldSize)
	// Tone curve: mid-grey base, contrast, a gentle gamma; video range.
	base := r.Range(95, 130)
	contrast := r.Range(0.45, 0.7)
	var lut [256]byte
	for i := range lut {
		v := base + contrast*(float64(i)-128)
		lut[i] = clampY(int(v))
	}
	src := baseWorld(r.Intn(worldPool))
	p.world = make([]byte, len(src))
	for i, v := range src {
		p.world[i] = lut[v]
	}
	// Chroma: another world, scaled to half size, as a tint around a hue.
	csrc := baseWorld(r.Intn(worldPool))
	u0, v0 := r.Range(-22, 22), r.Range(-22, 22)
	cs := worldSize / 2
	p.cu, p.cv = make([]byte, cs*cs), make([]byte, cs*cs)
	for y := 0; y < cs; y++ {
		for x := 0; x < cs; x++ {
			d := (float64(csrc[(2*y)*worldSize+2*x]) - 128) / 8
			p.cu[y*cs+x] = clampC(int(128 + u0 + d))
			p.cv[y*cs+x] = clampC(int(128 + v0 - d))
		}
	}
	for i := 0; i < 5; i++ {
		p.shapes = append(p.shapes, shape{
			ellipse: r.Intn(2) == 0,
			w:       r.Range(0.12, 0.3), h: r.Range(0.1, 0.28),
			cx: r.Range(0.25, 0.75), cy: r.Range(0.3, 0.6),
			ax: r.Range(0.1, 0.3), ay: r.Range(0.05, 0.2),
			wx: r.Range(0.3, 1.1), wy: r.Range(0.4, 1.3),
			px: r.Range(0, 6.3), py: r.Range(0, 6.3),
			y: 40 + r.Intn(180), u: 128 + r.Intn(120) - 60, v: 128 + r.Intn(120) - 60,
		})
	}
	// Ticker "text": runs of glyph columns and gaps.
	p.glyph = make([]byte, 4096)
	for x := 0; x < len(p.glyph); {
		n := 3 + r.Intn(10)
		lum := byte(190 + r.Intn(40))
		for i := 0; i < n && x < len(p.glyph); i++ {
			p.glyph[x] = lum
			x++
		}
		x += 2 + r.Intn(8)
		if r.Intn(7) == 0 {
			x += 14 // word gap
		}
	}
	p.tickerSpd = 120 * scale
	return p
}

// Dark returns a copy of p whose luma is squeezed into a dim band
// (about 22..42, mean ≈ 32) with low saturation: a night scene that is dark
// but carries texture and motion, so it is not black.
func (p *Scene) Dark() *Scene {
	q := *p
	var lut [256]byte
	for i := range lut {
		v := 22 + (i-16)*20/219
		if v < 22 {
			v = 22
		}
		if v > 42 {
			v = 42
		}
		lut[i] = byte(v)
	}
	q.lumaLUT = &lut
	q.chromaGain = 64
	return &q
}

// copyWrapped copies len(dst) bytes of a wrapping world row starting at x.
func copyWrapped(dst, row []byte, x int) {
	x &= len(row) - 1
	n := copy(dst, row[x:])
	for n < len(dst) {
		n += copy(dst[n:], row)
	}
}

// Render draws the scene at time t.
func (p *Scene) Render(f *Frame, t float64) {
	w, h := p.W, p.H
	ox, oy := int(p.x0+t*p.vx), int(p.y0+t*p.vy)
	for y := 0; y < h; y++ {
		wy := (y + oy) & (worldSize - 1)
		copyWrapped(f.Y[y*w:(y+1)*w], p.world[wy*worldSize:(wy+1)*worldSize], ox)
	}
	cw, ch, cs := w/2, h/2, worldSize/2
	for y := 0; y < ch; y++ {
		wy := (y + oy/2) & (cs - 1)
		copyWrapped(f.U[y*cw:(y+1)*cw], p.cu[wy*cs:(wy+1)*cs], ox/2)
		copyWrapped(f.V[y*cw:(y+1)*cw], p.cv[wy*cs:(wy+1)*cs], ox/2)
	}
	for i := range p.shapes {
		p.drawShape(f, &p.shapes[i], t)
	}
	p.drawTicker(f, t)
	if p.lumaLUT != nil {
		lut := p.lumaLUT
		for i, v := range f.Y {
			f.Y[i] = lut[v]
		}
		g := p.chromaGain
		for i := range f.U {
			f.U[i] = byte(128 + (int(f.U[i])-128)*g/256)
			f.V[i] = byte(128 + (int(f.V[i])-128)*g/256)
		}
	}
}

func (p *Scene) drawShape(f *Frame, s *shape, t float64) {
	W, H := float64(p.W), float64(p.H)
	cx := (s.cx + s.ax*math.Sin(s.wx*t+s.px)) * W
	cy := (s.cy + s.ay*math.Sin(s.wy*t+s.py)) * H
	hw, hh := s.w*H/2, s.h*H/2
	y0, y1 := int(cy-hh), int(cy+hh)
	if y0 < 0 {
		y0 = 0
	}
	if y1 > p.H {
		y1 = p.H
	}
	y0 &^= 1
	for y := y0; y < y1; y++ {
		var half float64
		if s.ellipse {
			d := (float64(y) + 0.5 - cy) / hh
			if d*d >= 1 {
				continue
			}
			half = hw * math.Sqrt(1-d*d)
		} else {
			half = hw
		}
		x0, x1 := int(cx-half), int(cx+half)
		if x0 < 0 {
			x0 = 0
		}
		if x1 > p.W {
			x1 = p.W
		}
		if x0 >= x1 {
			continue
		}
		row := f.Y[y*p.W:]
		// A gentle gradient inside the shape keeps it from being a flat
		// patch (flat patches look like concealment to a blockiness metric).
		span := x1 - x0
		for x := x0; x < x1; x++ {
			row[x] = clampY(s.y + (x-x0)*24/span - 12)
		}
		if y&1 == 0 {
			cr := y / 2 * (p.W / 2)
			for x := x0 / 2; x < x1/2; x++ {
				f.U[cr+x] = byte(s.u)
				f.V[cr+x] = byte(s.v)
			}
		}
	}
}

func (p *Scene) drawTicker(f *Frame, t float64) {
	bandH := p.H / 12 &^ 1
	top := p.H - bandH - p.H/30&^1
	off := int(t * p.tickerSpd)
	gTop, gBot := top+bandH/4, top+bandH*3/4
	for y := top; y < top+bandH; y++ {
		row := f.Y[y*p.W : (y+1)*p.W]
		inText := y >= gTop && y < gBot
		for x := range row {
			v := byte(40)
			if inText {
				if g := p.glyph[(x+off)&(len(p.glyph)-1)]; g != 0 {
					v = g
				}
			}
			row[x] = v
		}
		if y&1 == 0 {
			cr := y / 2 * (p.W / 2)
			for x := 0; x < p.W/2; x++ {
				f.U[cr+x] = 150
				f.V[cr+x] = 110
			}
		}
	}
}

// Frozen renders pic at a fixed time whatever time it is asked for.
type Frozen struct {
	Pic Picture
	At  float64
}

func (z Frozen) Render(f *Frame, _ float64) { z.Pic.Render(f, z.At) }

// Solid is a flat colour (black: 16,128,128; white flash: 235,128,128).
type Solid struct{ Y, U, V byte }

func (s Solid) Render(f *Frame, _ float64) { f.Fill(s.Y, s.U, s.V) }

var (
	Black = Solid{16, 128, 128}
	White = Solid{235, 128, 128}
)

// NoisySlide is a static graphic (title bar, text lines, a chart) with fine
// fresh noise on every frame, like a camera on a still caption: nothing moves
// but no two frames are equal.
type NoisySlide struct {
	W, H  int
	Seed  uint64
	Sigma int // noise amplitude: peak ±(2^Sigma-1)
	once  sync.Once
	base  *Frame
	FPS   float64
}

func (s *NoisySlide) build() {
	f := NewFrame(s.W, s.H)
	r := NewRand(s.Seed)
	for y := 0; y < s.H; y++ {
		for x := 0; x < s.W; x++ {
			f.Y[y*s.W+x] = byte(60 + 50*y/s.H + 20*x/s.W)
		}
	}
	for i := range f.U {
		f.U[i], f.V[i] = 140, 118
	}
	rect := func(x0, y0, x1, y1 int, yv, u, v byte) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				f.Y[y*s.W+x] = yv
			}
		}
		for y := y0 / 2; y < y1/2; y++ {
			for x := x0 / 2; x < x1/2; x++ {
				f.U[y*s.W/2+x], f.V[y*s.W/2+x] = u, v
			}
		}
	}
	W, H := s.W, s.H
	rect(W/16, H/12, W*15/16, H/12+H/8, 200, 100, 150) // title bar
	// Text lines: runs of "words".
	for line := 0; line < 7; line++ {
		y0 := H/3 + line*H/14
		x := W / 10
		end := W/2 + r.Intn(W/3)
		for x < end {
			n := W/60 + r.Intn(W/16)
			rect(x, y0, min(x+n, end), y0+H/40, 215, 128, 128)
			x += n + W/90
		}
	}
	// Bar chart on the right.
	for b := 0; b < 5; b++ {
		bh := H/8 + r.Intn(H/4)
		x0 := W*7/10 + b*W/28
		rect(x0, H*5/6-bh, x0+W/40, H*5/6, byte(90+b*25), byte(80+b*20), 170)
	}
	s.base = f
}

// Render draws the slide plus noise seeded by the frame index, so the noise
// is reproducible but differs from frame to frame.
func (s *NoisySlide) Render(f *Frame, t float64) {
	s.once.Do(s.build)
	idx := uint64(math.Round(t * s.FPS))
	r := NewRand(Hash(s.Seed, idx))
	mask := uint64(1)<<s.Sigma - 1
	off := int(mask)
	var bits uint64
	var left int
	for i, b := range s.base.Y {
		if left == 0 {
			bits, left = r.Uint64(), 64/(2*s.Sigma)
		}
		n := int(bits&mask) + int((bits>>s.Sigma)&mask) - off
		bits >>= 2 * s.Sigma
		left--
		f.Y[i] = clampY(int(b) + n)
	}
	copy(f.U, s.base.U)
	copy(f.V, s.base.V)
}

// Flashed brightens a rendered frame towards white by strength (0..1): a
// camera flash or lightning; chroma fades towards grey with it.
func Flashed(f *Frame, strength float64) {
	k := int(strength * 256)
	for i, v := range f.Y {
		f.Y[i] = byte(int(v) + (235-int(v))*k/256)
	}
	for i := range f.U {
		f.U[i] = byte(int(f.U[i]) + (128-int(f.U[i]))*k/256)
		f.V[i] = byte(int(f.V[i]) + (128-int(f.V[i]))*k/256)
	}
}

// Blob draws a bright ellipse centred at (cx, cy) (fractions of the frame)
// with radius r (fraction of height), blended by alpha: an object that
// appears on a hit.
func Blob(f *Frame, cx, cy, r float64, yv, u, v byte, alpha float64) {
	W, H := float64(f.W), float64(f.H)
	rad := r * H
	px, py := cx*W, cy*H
	a := int(alpha * 256)
	y0, y1 := max(0, int(py-rad))&^1, min(f.H, int(py+rad))
	for y := y0; y < y1; y++ {
		d := (float64(y) + 0.5 - py) / rad
		if d*d >= 1 {
			continue
		}
		half := rad * math.Sqrt(1-d*d)
		x0, x1 := max(0, int(px-half)), min(f.W, int(px+half))
		row := f.Y[y*f.W:]
		for x := x0; x < x1; x++ {
			row[x] = byte(int(row[x]) + (int(yv)-int(row[x]))*a/256)
		}
		if y&1 == 0 {
			cr := y / 2 * (f.W / 2)
			for x := x0 / 2; x < x1/2; x++ {
				f.U[cr+x] = byte(int(f.U[cr+x]) + (int(u)-int(f.U[cr+x]))*a/256)
				f.V[cr+x] = byte(int(f.V[cr+x]) + (int(v)-int(f.V[cr+x]))*a/256)
			}
		}
	}
}
