package videodetect

import (
	"encoding/binary"
	"fmt"

	"github.com/avwatch/avwatch/internal/simd"
)

// Narrow writes the 8 most significant bits of each sample of a plane of
// 16-bit little-endian words (10-bit video: I420_10LE and kin hold the
// value in the low 10 bits, shift 2; P010 in the high 10, shift 8) into
// dst as an 8-bit plane of w×h samples, and returns it. The detectors work
// on 8-bit samples, and their thresholds are 8-bit values: the top 8 bits
// of a 10-bit sample are that value (limited range 64–940 becomes 16–235).
// Done here it costs a shift per sample; GStreamer's videoconvert unpacks
// every pixel to 16-bit AYUV and packs it again (~1.6 ms per 720p frame).
func Narrow(dst []byte, src Plane, w, h int, shift uint) (Plane, error) {
	if w <= 0 || h <= 0 {
		return Plane{}, fmt.Errorf("narrow: %dx%d plane", w, h)
	}
	if src.Stride < 2*w || len(src.Data) < (h-1)*src.Stride+2*w {
		return Plane{}, fmt.Errorf("narrow: %dx%d 16-bit plane needs %d bytes at stride %d, has %d", w, h, (h-1)*src.Stride+2*w, src.Stride, len(src.Data))
	}
	if len(dst) < w*h {
		return Plane{}, fmt.Errorf("narrow: destination holds %d of %d samples", len(dst), w*h)
	}
	vec := haveKernels && simd.AVX2
	for y := 0; y < h; y++ {
		row := src.Data[y*src.Stride : y*src.Stride+2*w]
		out := dst[y*w : y*w+w]
		x := 0
		if n := w &^ 31; vec && n > 0 {
			narrowAVX2(&out[0], &row[0], n, uint64(shift))
			x = n
		}
		// Eight samples from two 64-bit loads to one 64-bit store.
		for ; x+8 <= w; x += 8 {
			a := binary.LittleEndian.Uint64(row[2*x:])
			b := binary.LittleEndian.Uint64(row[2*x+8:])
			binary.LittleEndian.PutUint64(out[x:], pack4(a, shift)|pack4(b, shift)<<32)
		}
		for ; x < w; x++ {
			out[x] = byte(binary.LittleEndian.Uint16(row[2*x:]) >> shift)
		}
	}
	return Plane{Data: dst[:w*h], Stride: w}, nil
}

// pack4 takes the byte at bit shift of each of the four 16-bit lanes of v
// into the low 32 bits.
func pack4(v uint64, shift uint) uint64 {
	v >>= shift
	return v&0xff | (v>>16&0xff)<<8 | (v>>32&0xff)<<16 | (v>>48&0xff)<<24
}

// Narrow replaces f's planes, 16-bit samples with their top 8 bits at
// shift, by 8-bit copies in buf (grown when too small; returned for reuse).
func (f *Frame) Narrow(buf []byte, shift uint) ([]byte, error) {
	w, h := f.Width, f.Height
	cw, ch := f.chromaSize()
	chroma := 2 // planes
	switch f.Layout {
	case Gray:
		chroma = 0
	case SemiPlanar420:
		cw, chroma = 2*cw, 1 // U holds the interleaved UV
	}
	need := w*h + chroma*cw*ch
	if cap(buf) < need {
		buf = make([]byte, need)
	}
	b := buf[:need]
	var err error
	if f.Y, err = Narrow(b, f.Y, w, h, shift); err != nil || chroma == 0 {
		return buf, err
	}
	b = b[w*h:]
	if f.U, err = Narrow(b, f.U, cw, ch, shift); err != nil || chroma == 1 {
		return buf, err
	}
	f.V, err = Narrow(b[cw*ch:], f.V, cw, ch, shift)
	return buf, err
}
