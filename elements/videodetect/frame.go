package videodetect

import (
	"fmt"
	"time"
)

// Layout says how a frame's chroma is stored. Luma is always one 8-bit plane.
type Layout uint8

const (
	// Planar420 is I420 or YV12 (the element swaps U and V for YV12).
	Planar420 Layout = iota
	// SemiPlanar420 is NV12: U and V interleaved in one half-height plane.
	SemiPlanar420
	// Planar422 is Y42B.
	Planar422
	// Planar444 is Y444.
	Planar444
	// Gray is GRAY8: no chroma.
	Gray
)

func (l Layout) String() string {
	switch l {
	case Planar420:
		return "planar 4:2:0"
	case SemiPlanar420:
		return "semi-planar 4:2:0"
	case Planar422:
		return "planar 4:2:2"
	case Planar444:
		return "planar 4:4:4"
	case Gray:
		return "gray"
	}
	return fmt.Sprintf("layout(%d)", uint8(l))
}

// chromaShift returns the horizontal and vertical chroma subsampling shifts.
func (l Layout) chromaShift() (sx, sy int) {
	switch l {
	case Planar420, SemiPlanar420:
		return 1, 1
	case Planar422:
		return 1, 0
	}
	return 0, 0
}

// Plane is one image plane in memory the caller owns (for the element: the
// mapped GstBuffer). Row y starts at Data[y*Stride].
type Plane struct {
	Data   []byte
	Stride int
}

// Frame is one decoded picture. The analyser only reads it, and only during
// Analyze: it never keeps a reference to Data.
type Frame struct {
	Width, Height int
	Layout        Layout
	// Y is luma. U and V are the chroma planes (SemiPlanar420: U holds the
	// interleaved UV plane and V is unused; Gray: both unused).
	Y, U, V Plane
	// FullRange is true when luma spans 0..255 (JPEG / "full" colorimetry);
	// false for the broadcast 16..235 range.
	FullRange bool
	PTS       time.Duration
	// Duration is the frame's display duration, 0 if unknown (the analyser
	// then uses the last PTS step to date an end at end of stream).
	Duration time.Duration
}

// Check reports whether f's planes are large enough for its geometry, so a
// bad caps/meta combination becomes an error instead of an out-of-range read.
func (f *Frame) Check() error {
	if f.Width <= 0 || f.Height <= 0 {
		return fmt.Errorf("frame %dx%d: empty", f.Width, f.Height)
	}
	if err := checkPlane("Y", f.Y, f.Width, f.Height, 1); err != nil {
		return err
	}
	cw, ch := f.chromaSize()
	switch f.Layout {
	case Gray:
		return nil
	case SemiPlanar420:
		return checkPlane("UV", f.U, cw, ch, 2)
	default:
		if err := checkPlane("U", f.U, cw, ch, 1); err != nil {
			return err
		}
		return checkPlane("V", f.V, cw, ch, 1)
	}
}

// chromaSize is the size of f's chroma planes in samples (per component:
// SemiPlanar420's interleaved plane holds two per position).
func (f *Frame) chromaSize() (cw, ch int) {
	sx, sy := f.Layout.chromaShift()
	return (f.Width + (1 << sx) - 1) >> sx, (f.Height + (1 << sy) - 1) >> sy
}

func checkPlane(name string, p Plane, w, h, bpp int) error {
	if p.Stride < w*bpp {
		return fmt.Errorf("plane %s: stride %d < row size %d", name, p.Stride, w*bpp)
	}
	if need := (h-1)*p.Stride + w*bpp; len(p.Data) < need {
		return fmt.Errorf("plane %s: %d bytes, %dx%d with stride %d needs %d", name, len(p.Data), w, h, p.Stride, need)
	}
	return nil
}
