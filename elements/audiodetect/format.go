package audiodetect

import (
	"fmt"
	"unsafe"

	"github.com/avwatch/avwatch/elements/loudness"
	"github.com/avwatch/avwatch/internal/simd"
)

// MaxChannels is the most channels the analyser takes (the element's caps
// say 1..8).
const MaxChannels = loudness.MaxChannels

// SampleFormat is a raw sample type, little-endian.
type SampleFormat uint8

const (
	S16 SampleFormat = iota
	S32
	F32
	F64
)

// Size is the bytes per sample.
func (f SampleFormat) Size() int { return [...]int{2, 4, 4, 8}[f] }

func (f SampleFormat) String() string { return [...]string{"S16LE", "S32LE", "F32LE", "F64LE"}[f] }

// Position is where a channel plays; only what the detectors need.
type Position uint8

const (
	PosUnknown Position = iota
	PosMono
	PosFrontLeft
	PosFrontRight
	PosFrontCenter
	PosLFE
	PosRearLeft
	PosRearRight
	PosSideLeft
	PosSideRight
	PosOther
)

// Format describes the raw audio the analyser is given.
type Format struct {
	Rate     int
	Channels int
	Sample   SampleFormat
	// Planar is GStreamer's layout=non-interleaved: one plane per channel.
	Planar bool
	// Positions are PosUnknown when the caps carry no channel mask.
	Positions [MaxChannels]Position
}

// Validate says what is wrong with f, if anything.
func (f Format) Validate() error {
	switch {
	case f.Rate <= 0:
		return fmt.Errorf("audio rate %d: must be positive", f.Rate)
	case f.Channels < 1 || f.Channels > MaxChannels:
		return fmt.Errorf("%d audio channels: audioqc takes 1 to %d", f.Channels, MaxChannels)
	case f.Sample > F64:
		return fmt.Errorf("sample format %d: audioqc takes S16LE, S32LE, F32LE or F64LE", f.Sample)
	}
	return nil
}

// Weights are the BS.1770 channel weights: LFE is not measured; surround
// channels (rear and side, as ffmpeg's ebur128 treats them) weigh 1.41.
func (f Format) Weights() []float64 {
	w := make([]float64, f.Channels)
	for c := range w {
		switch f.Positions[c] {
		case PosLFE:
			w[c] = loudness.WeightLFE
		case PosRearLeft, PosRearRight, PosSideLeft, PosSideRight:
			w[c] = loudness.WeightSurround
		default:
			w[c] = loudness.WeightFront
		}
	}
	return w
}

// pairs returns the stereo pairs checked for phase: front, rear and side
// left/right. Without positions, channels 0 and 1 of a stereo stream.
func (f Format) pairs() (out [][2]int) {
	find := func(p Position) int {
		for c := 0; c < f.Channels; c++ {
			if f.Positions[c] == p {
				return c
			}
		}
		return -1
	}
	for _, lr := range [][2]Position{{PosFrontLeft, PosFrontRight}, {PosRearLeft, PosRearRight}, {PosSideLeft, PosSideRight}} {
		if l, r := find(lr[0]), find(lr[1]); l >= 0 && r >= 0 {
			out = append(out, [2]int{l, r})
		}
	}
	if len(out) == 0 && f.Channels >= 2 && f.Positions[0] == PosUnknown {
		out = append(out, [2]int{0, 1})
	}
	return out
}

// lossChannels returns the channels watched for channel loss: the front
// left/right pair (a programme always feeds both; surrounds, centre and LFE
// are legitimately silent for long stretches). Without positions, the
// first two channels, which GStreamer's default layouts make front L/R.
func (f Format) lossChannels() (out []int) {
	for c := 0; c < f.Channels; c++ {
		if p := f.Positions[c]; p == PosFrontLeft || p == PosFrontRight {
			out = append(out, c)
		}
	}
	if len(out) < 2 && f.Channels >= 2 && f.Positions[0] == PosUnknown {
		out = []int{0, 1}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// convert reads n samples per channel from src into planes[c][off:off+n].
// planeOffset[c] is the byte offset of channel c's plane for planar layouts
// (GstAudioMeta), nil for the contiguous default. It reads through
// reinterpreted slices rather than per-sample decoding: little-endian hosts
// only, which is every platform GStreamer's Go bindings build for here
// (amd64, arm64).
func (f *Format) convert(planes *[MaxChannels][]float64, off int, src []byte, n int, planeOffset []int) error {
	ch, bps := f.Channels, f.Sample.Size()
	need := n * ch * bps
	if f.Planar {
		need = 0
		for c := 0; c < ch; c++ {
			end := (c + 1) * n * bps
			if planeOffset != nil {
				end = planeOffset[c] + n*bps
			}
			need = max(need, end)
		}
	}
	if len(src) < need || n == 0 {
		if n == 0 {
			return nil
		}
		return fmt.Errorf("buffer of %d bytes is too small for %d samples of %d×%s", len(src), n, ch, f.Sample)
	}
	for c := 0; c < ch; c++ {
		dst := planes[c][off : off+n]
		start, stride := c*bps, ch // interleaved: sample i of channel c at (i*ch+c)*bps
		if f.Planar {
			start, stride = c*n*bps, 1
			if planeOffset != nil {
				start = planeOffset[c]
			}
		}
		p := unsafe.Pointer(&src[start])
		cnt := (n-1)*stride + 1
		switch f.Sample {
		case S16:
			s := unsafe.Slice((*int16)(p), cnt)
			const k = 1.0 / 32768
			for i := range dst {
				dst[i] = float64(s[i*stride]) * k
			}
		case S32:
			s := unsafe.Slice((*int32)(p), cnt)
			const k = 1.0 / 2147483648
			for i := range dst {
				dst[i] = float64(s[i*stride]) * k
			}
		case F32:
			s := unsafe.Slice((*float32)(p), cnt)
			i := 0
			if q := n / 4; stride == 1 && haveKernels && simd.AVX2 && q > 0 {
				convF32AVX2(&dst[0], &s[0], q)
				i = 4 * q
			}
			for ; i < n; i++ {
				dst[i] = sane(float64(s[i*stride]))
			}
		case F64:
			s := unsafe.Slice((*float64)(p), cnt)
			for i := range dst {
				dst[i] = sane(s[i*stride])
			}
		}
	}
	return nil
}

// sane maps NaN (a broken decoder) to 0 and clamps to ±64 (+36 dBFS):
// far above any decoder overshoot, and low enough that no sum of squares
// can overflow to +Inf and poison everything downstream.
func sane(v float64) float64 {
	if v != v {
		return 0
	}
	return min(max(v, -64), 64)
}
