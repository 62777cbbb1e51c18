package videodetect

import (
	"bytes"
	"image"
	"image/jpeg"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// ThumbWidth is the largest snapshot width.
const ThumbWidth = 640

// Thumb is a downscaled copy of a frame, full-range 4:2:0 (or gray), made on
// the streaming thread when a defect candidate begins, so the snapshot shows
// the first bad frame even though the start is confirmed later. Copying a
// ≤640-px picture is cheap; encoding it is not, so JPEG runs elsewhere.
type Thumb struct {
	Type      defect.Type
	PTS       time.Duration
	W, H      int
	Gray      bool
	Y, Cb, Cr []byte // strides W and W/2
	xmap      []int  // source luma column of each output column
	ymap      []int  // source luma row of each output row
}

// Limited-range (16…235 luma, 16…240 chroma) to full-range lookup tables,
// because JPEG (JFIF) is full range.
var yFull, cFull [256]byte

func init() {
	for i := range yFull {
		yFull[i] = clamp8((i - 16) * 255 / 219)
		cFull[i] = clamp8(128 + (i-128)*255/224)
	}
}

func clamp8(v int) byte {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return byte(v)
}

// thumbSize returns the snapshot size for a w×h picture: at most
// ThumbWidth wide, aspect kept, even dimensions.
func thumbSize(w, h int) (int, int) {
	ow := w
	if ow > ThumbWidth {
		ow = ThumbWidth
	}
	ow &^= 1
	oh := (h*ow/w + 1) &^ 1
	if ow < 2 {
		ow = 2
	}
	if oh < 2 {
		oh = 2
	}
	return ow, oh
}

// capture copies f, downscaled, into t (re-using t's buffers).
func (t *Thumb) capture(f *Frame, typ defect.Type) {
	t.Type, t.PTS = typ, f.PTS
	w, h := thumbSize(f.Width, f.Height)
	if w != t.W || h != t.H || t.Y == nil {
		t.W, t.H = w, h
		t.Y = make([]byte, w*h)
		t.Cb = make([]byte, (w/2)*(h/2))
		t.Cr = make([]byte, (w/2)*(h/2))
		t.xmap = make([]int, w)
		t.ymap = make([]int, h)
	}
	// Sample at the centre of each output pixel's footprint.
	for i := range t.xmap {
		t.xmap[i] = (2*i + 1) * f.Width / (2 * w)
	}
	for j := range t.ymap {
		t.ymap[j] = (2*j + 1) * f.Height / (2 * h)
	}
	ylut := &yFull
	clut := &cFull
	if f.FullRange {
		ylut, clut = &identity, &identity
	}
	for j, sy := range t.ymap {
		src := f.Y.Data[sy*f.Y.Stride:]
		dst := t.Y[j*w : j*w+w]
		for i, sx := range t.xmap {
			dst[i] = ylut[src[sx]]
		}
	}
	t.Gray = f.Layout == Gray
	if t.Gray {
		return
	}
	sx, sy := f.Layout.chromaShift()
	cw := w / 2
	for j := 0; j < h/2; j++ {
		ly := t.ymap[2*j] >> sy
		cb := t.Cb[j*cw : j*cw+cw]
		cr := t.Cr[j*cw : j*cw+cw]
		if f.Layout == SemiPlanar420 {
			uv := f.U.Data[ly*f.U.Stride:]
			for i := range cb {
				cx := t.xmap[2*i] >> sx
				cb[i] = clut[uv[2*cx]]
				cr[i] = clut[uv[2*cx+1]]
			}
			continue
		}
		u := f.U.Data[ly*f.U.Stride:]
		v := f.V.Data[ly*f.V.Stride:]
		for i := range cb {
			cx := t.xmap[2*i] >> sx
			cb[i] = clut[u[cx]]
			cr[i] = clut[v[cx]]
		}
	}
}

var identity = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	return
}()

// JPEG encodes the thumbnail. It allocates; run it off the streaming thread.
func (t *Thumb) JPEG(quality int) ([]byte, error) {
	var img image.Image
	r := image.Rect(0, 0, t.W, t.H)
	if t.Gray {
		img = &image.Gray{Pix: t.Y, Stride: t.W, Rect: r}
	} else {
		img = &image.YCbCr{Y: t.Y, Cb: t.Cb, Cr: t.Cr, YStride: t.W, CStride: t.W / 2,
			SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: r}
	}
	var b bytes.Buffer
	b.Grow(t.W * t.H / 4)
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
