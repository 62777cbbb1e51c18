package videodetect

import (
	"encoding/binary"
	"math/rand"
	"testing"
)

func TestNarrow(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, c := range []struct {
		w, h, stride int
		shift        uint
		bits         int
	}{
		{7, 3, 14, 2, 10},  // odd width, no padding, I420_10LE
		{21, 3, 42, 2, 10}, // two 8-sample steps and a tail
		{16, 4, 40, 2, 10}, // padded rows
		{9, 2, 18, 8, 16},  // P010: the value in the high bits
		// The vector kernel's widths (AVX2: 32 samples a step), and bits
		// above the tenth, which both paths drop alike.
		{32, 2, 64, 2, 10},
		{45, 3, 96, 2, 16},
		{100, 2, 200, 8, 16},
		{1280, 2, 2560, 2, 10},
	} {
		src := make([]byte, (c.h-1)*c.stride+2*c.w)
		want := make([]byte, c.w*c.h)
		for y := 0; y < c.h; y++ {
			for x := 0; x < c.w; x++ {
				v := uint16(r.Intn(1 << c.bits))
				if c.shift == 8 && c.w < 100 {
					v &^= 0x3f // P010's low 6 bits are zero
				}
				binary.LittleEndian.PutUint16(src[y*c.stride+2*x:], v)
				want[y*c.w+x] = byte(v >> c.shift)
			}
		}
		got, err := Narrow(make([]byte, c.w*c.h), Plane{Data: src, Stride: c.stride}, c.w, c.h, c.shift)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if got.Stride != c.w || string(got.Data) != string(want) {
			t.Errorf("%+v: got %v, want %v", c, got.Data, want)
		}
	}
	// 10-bit limited range lands on the 8-bit limited range.
	src := []byte{64, 0, 0xac, 0x03} // 64 and 940
	if p, _ := Narrow(make([]byte, 2), Plane{Data: src, Stride: 4}, 2, 1, 2); p.Data[0] != 16 || p.Data[1] != 235 {
		t.Errorf("64, 940 -> %v, want 16, 235", p.Data)
	}
	if _, err := Narrow(make([]byte, 16), Plane{Data: make([]byte, 30), Stride: 8}, 4, 4, 2); err == nil {
		t.Error("a short plane was read")
	}
	if _, err := Narrow(make([]byte, 3), Plane{Data: make([]byte, 32), Stride: 8}, 4, 4, 2); err == nil {
		t.Error("a short destination was written")
	}
}

func BenchmarkNarrow720p(b *testing.B) {
	src := Plane{Data: make([]byte, 2*1280*720), Stride: 2 * 1280}
	dst := make([]byte, 1280*720)
	b.SetBytes(int64(len(src.Data)))
	for i := 0; i < b.N; i++ {
		Narrow(dst, src, 1280, 720, 2)
	}
}

// FuzzNarrow: any plane geometry either errors or narrows every sample as
// the one-sample reference does (both the vector and the Go paths).
func FuzzNarrow(f *testing.F) {
	f.Add(make([]byte, 256), 40, 2, 90, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, w, h, stride int, shift uint8) {
		if w > 4096 || h > 64 || w < -1 || h < -1 {
			return
		}
		s := uint(shift % 9)
		dst := make([]byte, max(w*h, 0))
		p, err := Narrow(dst, Plane{Data: data, Stride: stride}, w, h, s)
		if err != nil {
			return
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				want := byte(binary.LittleEndian.Uint16(data[y*stride+2*x:]) >> s)
				if got := p.Data[y*p.Stride+x]; got != want {
					t.Fatalf("(%d,%d): %d, want %d", x, y, got, want)
				}
			}
		}
	})
}

// TestFrameNarrow: every layout's planes, odd sizes included, come out as
// a frame Check accepts, with each plane's samples narrowed.
func TestFrameNarrow(t *testing.T) {
	plane := func(w, h int, v uint16) Plane {
		b := make([]byte, 2*w*h)
		for i := 0; i < w*h; i++ {
			binary.LittleEndian.PutUint16(b[2*i:], v)
		}
		return Plane{Data: b, Stride: 2 * w}
	}
	var buf []byte
	for _, c := range []struct {
		layout Layout
		cw, ch int // chroma plane size in samples
	}{
		{Planar420, 3, 2}, {Planar422, 3, 3}, {Planar444, 5, 3}, {SemiPlanar420, 6, 2}, {Gray, 0, 0},
	} {
		f := Frame{Width: 5, Height: 3, Layout: c.layout, Y: plane(5, 3, 400)}
		if c.cw > 0 {
			f.U = plane(c.cw, c.ch, 512)
			if c.layout != SemiPlanar420 {
				f.V = plane(c.cw, c.ch, 600)
			}
		}
		var err error
		if buf, err = f.Narrow(buf, 2); err != nil {
			t.Fatalf("layout %d: %v", c.layout, err)
		}
		if err := f.Check(); err != nil {
			t.Errorf("layout %d: %v", c.layout, err)
		}
		if f.Y.Data[14] != 100 || (c.cw > 0 && f.U.Data[c.cw*c.ch-1] != 128) || (f.V.Data != nil && f.V.Data[0] != 150) {
			t.Errorf("layout %d: Y %v U %v V %v", c.layout, f.Y.Data, f.U.Data, f.V.Data)
		}
	}
}
