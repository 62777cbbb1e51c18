package synth

// Frame is an I420 picture in one contiguous buffer laid out the way
// GStreamer lays out I420 when width is a multiple of 4 and height is even
// (all clip sizes are): Y plane, then U, then V, no padding.
type Frame struct {
	W, H    int
	Y, U, V []byte
	Buf     []byte
}

// FrameSize is the byte size of a w×h I420 frame.
func FrameSize(w, h int) int { return w*h + 2*(w/2)*(h/2) }

// NewFrame allocates a frame.
func NewFrame(w, h int) *Frame { return FrameOver(make([]byte, FrameSize(w, h)), w, h) }

// FrameOver views buf (at least FrameSize bytes, e.g. a mapped GstBuffer) as
// a frame without copying.
func FrameOver(buf []byte, w, h int) *Frame {
	ys, cs := w*h, (w/2)*(h/2)
	return &Frame{W: w, H: h, Buf: buf[:ys+2*cs], Y: buf[:ys], U: buf[ys : ys+cs], V: buf[ys+cs : ys+2*cs]}
}

// Fill paints the whole frame one colour.
func (f *Frame) Fill(y, u, v byte) {
	fill(f.Y, y)
	fill(f.U, u)
	fill(f.V, v)
}

func fill(b []byte, v byte) {
	if len(b) == 0 {
		return
	}
	b[0] = v
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}

// CopyFrom copies src (same size) into f.
func (f *Frame) CopyFrom(src *Frame) { copy(f.Buf, src.Buf) }

func clampY(v int) byte {
	if v < 16 {
		return 16
	}
	if v > 235 {
		return 235
	}
	return byte(v)
}

func clampC(v int) byte {
	if v < 16 {
		return 16
	}
	if v > 240 {
		return 240
	}
	return byte(v)
}
