// Package defect holds what every avwatch detector shares: the names of the
// defect types, the start/end event a detector emits, and the hysteresis gate
// that turns a per-frame "bad or not" into those events.
//
// It is pure Go on purpose: detectors are unit-tested, fuzzed and benchmarked
// without GStreamer, and the agent reads these types without importing go-gst.
package defect

import (
	"fmt"
	"time"
)

// Type names a kind of defect. The strings are part of the public interface:
// they appear in bus messages, MQTT topics and `avwatch check --json`.
type Type string

const (
	Black       Type = "black"
	Freeze      Type = "freeze"
	Blockiness  Type = "blockiness"
	Silence     Type = "silence"
	Clipping    Type = "clipping"
	Loudness    Type = "loudness"
	TruePeak    Type = "true_peak"
	ChannelLoss Type = "channel_loss"
	Phase       Type = "phase"
	AVOffset    Type = "av_offset"
	SignalLoss  Type = "signal_loss"
)

// Types lists every defect type in a stable order (documentation, discovery).
var Types = []Type{Black, Freeze, Blockiness, Silence, Clipping, Loudness, TruePeak, ChannelLoss, Phase, AVOffset, SignalLoss}

// Valid reports whether t is one of the known types.
func (t Type) Valid() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Edge says whether an event opens or closes a defect window.
type Edge string

const (
	Start Edge = "start"
	End   Edge = "end"
)

// Event is one edge of a defect window.
//
// PTS is media time: for a start, the timestamp of the first bad frame or
// audio sample (not the moment the detector became sure); for an end, the
// timestamp of the first good one, so End.PTS-Start.PTS is the window length.
type Event struct {
	Type Type
	Edge Edge
	PTS  time.Duration
	// RunningTime and StreamTime are filled by the element from its segment;
	// detectors leave them zero. -1 means unknown.
	RunningTime time.Duration
	StreamTime  time.Duration
	// Duration is set on End only.
	Duration time.Duration
	// Value is the measurement that decided (unit documented per detector),
	// Threshold the limit it was compared with.
	Value     float64
	Threshold float64
	// Channel is the audio channel concerned, or -1.
	Channel int
	// OffsetMs is the audio/video offset for av_offset, positive = audio late.
	OffsetMs float64
	// DigitalZero is set on silence events whose samples were exactly zero.
	DigitalZero bool
}

func (e Event) String() string {
	s := fmt.Sprintf("%s %s at %.3fs value=%.4g threshold=%.4g", e.Type, e.Edge, e.PTS.Seconds(), e.Value, e.Threshold)
	if e.Edge == End {
		s += fmt.Sprintf(" duration=%.3fs", e.Duration.Seconds())
	}
	if e.Channel >= 0 {
		s += fmt.Sprintf(" channel=%d", e.Channel)
	}
	return s
}
