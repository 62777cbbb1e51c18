package avsync

import "time"

// VideoFrame is what the video element pushes per frame. All measures are
// cheap by-products of the luma statistics videoqc computes anyway;
// LumaMeter computes them from an 8-bit luma plane for an element that does
// not.
type VideoFrame struct {
	PTS time.Duration
	// RT is the running time of PTS (the segment mapping), the clock both
	// streams share: A/V sync is a relation of running times. Frames with
	// RT < 0 (outside the segment) are ignored.
	RT time.Duration
	// Duration is the frame duration, 0 if unknown.
	Duration time.Duration
	// Luma is the mean luma, 0..1 of the code range.
	Luma float64
	// Diff is the mean absolute luma difference to the previous frame,
	// 0..1 (cuts, flashes and motion raise it).
	Diff float64
	// Bright is the share of the picture at near-white luma, 0..1: a flash
	// frame gives ~1, a white sync patch its share of the area.
	Bright float64
}

// AudioBlock is the feature record of one ~5 ms block of mono-mixed audio.
// AudioMeter makes them from samples.
type AudioBlock struct {
	// RT is the running time of the block's first sample, Dur its length.
	RT  time.Duration
	Dur time.Duration
	// Energy is the mean square of the block (full scale sine = 0.5), HF
	// the mean square of its first difference (weights transients and
	// high frequencies, which is what onsets are made of).
	Energy float64
	HF     float64
	// Tone is the mean square of the marker-tone component (Goertzel at
	// the marker frequency), on the same scale as Energy.
	Tone float64
}

// blockDur is the audio feature resolution: fine enough for sub-frame
// marker timing (with interpolation) and for an onset envelope, coarse
// enough that one block is ~200 multiply-adds of bookkeeping per second.
const blockDur = 5 * time.Millisecond
