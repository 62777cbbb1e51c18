// Package event is what a running pipeline reports, as plain Go values.
//
// It is pure Go so the agent can supervise streams without importing go-gst:
// the pipeline package (cgo) produces these, the agent consumes them through
// the Stream interface below.
package event

import (
	"context"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Kind says which fields of an Event are set.
type Kind uint8

const (
	KindDefect   Kind = iota + 1 // Defect (and, on a video start, Snapshot when it arrives with it)
	KindSnapshot                 // Snapshot of the frame that started Defect.Type at Defect.PTS
	KindStats                    // Element, Stats
	KindState                    // State, Decoder, Message
	KindDecoder                  // Decoder: the decoder element actually picked (and Fallback)
	KindWarning                  // Message
	KindError                    // Message; the runner retries live sources itself
	KindEOS                      // end of a file source
)

func (k Kind) String() string {
	switch k {
	case KindDefect:
		return "defect"
	case KindSnapshot:
		return "snapshot"
	case KindStats:
		return "stats"
	case KindState:
		return "state"
	case KindDecoder:
		return "decoder"
	case KindWarning:
		return "warning"
	case KindError:
		return "error"
	case KindEOS:
		return "eos"
	}
	return "unknown"
}

// State is a stream's life-cycle state as published on <stream>/status.
type State string

const (
	Starting     State = "starting"
	Playing      State = "playing"
	Reconnecting State = "reconnecting"
	Down         State = "down"
	Stopped      State = "stopped"
)

// Event is one thing a stream reports.
type Event struct {
	Kind Kind
	// Wall is the wall-clock time the runner saw it.
	Wall time.Time

	Defect   defect.Event
	Snapshot []byte // JPEG
	// MediaTime places a defect or snapshot on the run's own timeline
	// (valid when HasMediaTime): from its first frame or sample, on the
	// container's presentation timeline (stream time) where known, else by
	// PTS. What media_time_s and `avwatch check` report.
	MediaTime    time.Duration
	HasMediaTime bool

	Element string             // element factory that posted stats, e.g. "videoqc"
	Stats   map[string]float64 // feature name -> value

	State    State
	Decoder  string // e.g. "nvh264dec", "avdec_h264"
	Fallback bool   // the decoder is the software fallback after a hardware failure
	Message  string // warning/error text, state reason
}

// Spec is everything needed to start one stream.
type Spec struct {
	Name string
	// Exactly one of Source (a URI or path; the pipeline package builds the
	// string) and Pipeline (a user's own launch string) is set.
	Source   string
	Pipeline string
	HWAccel  string // auto|nvidia|jetson|vaapi|v4l2|rockchip|software
	// Properties are element property assignments applied at start, keyed
	// "element.property" (e.g. "videoqc.black-min-duration"), values in
	// gst-launch syntax.
	Properties map[string]string
	// StallTimeout raises signal_loss when no buffer arrives for this long.
	StallTimeout time.Duration
	// Sync plays in real time (live monitoring). False runs as fast as decode
	// allows (file QC).
	Sync bool
	// Loop restarts a file source at EOS (demo, soak tests).
	Loop bool
}

// Stream is a running pipeline as the supervisor sees it.
type Stream interface {
	// Events delivers what the stream reports. It is closed once the stream
	// has stopped for good (Stop, or EOS of a non-looping file).
	Events() <-chan Event
	// SetProperties changes element properties while playing (threshold
	// changes on config reload). Keys as in Spec.Properties.
	SetProperties(props map[string]string) error
	// Stop takes the pipeline to NULL and waits until it is released.
	Stop()
}

// Starter starts a stream. The pipeline package provides the real one; the
// agent's unit tests use fakes.
type Starter func(ctx context.Context, spec Spec) (Stream, error)

// MediaTimeOf places d on a run's timeline, from its first frame or sample:
// by stream time (the container's presentation timeline: an MP4's edit
// list puts its first video frame at 0 even when B-frames start the raw
// timestamps at 67-80 ms and the audio's at 21 ms) where d's and the
// origin's are both known, else by PTS (a transport stream's timestamps
// start anywhere). firstST and firstPTS are the smallest first stream time
// and PTS over the analysed streams, <0 unknown; false when neither rule
// applies. The runner stamps MediaTime with it; avwatch check applies it
// again with the origins the run settled on.
func MediaTimeOf(d defect.Event, firstST, firstPTS time.Duration) (time.Duration, bool) {
	if d.StreamTime >= 0 && firstST >= 0 {
		return max(0, d.StreamTime-firstST), true
	}
	if d.PTS >= 0 && firstPTS >= 0 {
		return max(0, d.PTS-firstPTS), true
	}
	return 0, false
}
