package avsync

// LumaMeter computes VideoFrame's Luma, Diff and Bright from an 8-bit luma
// plane, sampling every Step-th pixel of every Step-th row. Sync needs only
// "did the picture change, and did a white patch appear", so a coarse grid
// is enough: at Step 8 a 1080p frame is 32k samples, ~25 µs.
//
// An element that already computes equivalent statistics may fill
// VideoFrame itself; the detectors only assume Diff rises on cuts, flashes
// and motion and Bright rises when a white patch appears.
//
// Not safe for concurrent use.
type LumaMeter struct {
	// Step is the sampling pitch in pixels; 0 means 8.
	Step int
	// White is the luma code at or above which a sample counts as white;
	// 0 means 200 (above limited-range 235 white minus coding noise, and
	// above the brightest programme greys most of the time).
	White uint8

	prev         []uint8
	prevW, prevH int
}

// Measure reads plane (width×height pixels, stride bytes per row) and
// returns the frame's features. The first frame after a size change has
// Diff 0. It allocates only when the frame size changes.
func (l *LumaMeter) Measure(plane []byte, width, height, stride int) (luma, diff, bright float64) {
	step := l.Step
	if step <= 0 {
		step = 8
	}
	white := l.White
	if white == 0 {
		white = 200
	}
	if width <= 0 || height <= 0 || stride < width || len(plane) < (height-1)*stride+width {
		return 0, 0, 0
	}
	cols := (width + step - 1) / step
	rows := (height + step - 1) / step
	n := cols * rows
	fresh := width != l.prevW || height != l.prevH || len(l.prev) != n
	if fresh {
		l.prev = make([]uint8, n)
		l.prevW, l.prevH = width, height
	}
	var sum, dsum, nwhite int
	k := 0
	for y := 0; y < height; y += step {
		row := plane[y*stride : y*stride+width]
		for x := 0; x < width; x += step {
			v := row[x]
			sum += int(v)
			if v >= white {
				nwhite++
			}
			p := l.prev[k]
			if v > p {
				dsum += int(v - p)
			} else {
				dsum += int(p - v)
			}
			l.prev[k] = v
			k++
		}
	}
	if fresh {
		dsum = 0
	}
	return float64(sum) / float64(255*n), float64(dsum) / float64(255*n), float64(nwhite) / float64(n)
}
