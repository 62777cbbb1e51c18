// Package testvideos describes the generated test clips and their ground
// truth (truth.json, schema in README.md), and finds or generates them for
// tests. The generator itself is the command ./testvideos/gen.
package testvideos

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/avwatch/avwatch/elements/defect"
)

// Truth is the content of truth.json.
type Truth struct {
	// Generator is a hash of the generator's sources; the cache is stale
	// when it differs.
	Generator string  `json:"generator"`
	Clips     []Clip  `json:"clips"`
	Events    []Event `json:"events"`
}

// Clip is one generated file.
type Clip struct {
	Clip        string  `json:"clip"`      // file name, relative to truth.json
	Container   string  `json:"container"` // "mpegts" | "mp4"
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	FPSNum      int     `json:"fps_num"`
	FPSDen      int     `json:"fps_den"`
	DurationS   float64 `json:"duration_s"`
	VideoCodec  string  `json:"video_codec"`           // "h264", "" when audio-only
	AudioCodec  string  `json:"audio_codec,omitempty"` // "aac" | "mp2", "" when video-only
	AudioRate   int     `json:"audio_rate,omitempty"`
	AudioChans  int     `json:"audio_channels,omitempty"`
	KeyframeS   float64 `json:"keyframe_interval_s"`
	Description string  `json:"description"`
	// Control clips must raise no event of any type.
	Control bool `json:"control,omitempty"`

	// Added after the first schema (all additive).
	Frames        int     `json:"frames,omitempty"`          // video frames in the file
	AudioOffsetMs float64 `json:"audio_offset_ms,omitempty"` // whole-clip A/V offset of the content, positive = audio late
	// MarkersS are the PTS of the flash frames of a sync-marker clip; each
	// beep (1 kHz) starts at marker + audio_offset_ms.
	MarkersS []float64 `json:"markers_s,omitempty"`
	// AVEvents are the irregular audio-visual events of an A/V event clip.
	AVEvents []AVEvent `json:"av_events,omitempty"`
	Bytes    int64     `json:"bytes,omitempty"`
	SHA256   string    `json:"sha256,omitempty"`
}

// AVEvent is one visual event and its sound: VideoS is the PTS of the first
// frame showing it, AudioS the time of the first sample of its sound.
type AVEvent struct {
	Kind   string  `json:"kind"` // "hit" | "flash" | "cut"
	VideoS float64 `json:"video_s"`
	AudioS float64 `json:"audio_s"`
}

// FPS is the frame rate as a float.
func (c Clip) FPS() float64 { return float64(c.FPSNum) / float64(c.FPSDen) }

// Event is one injected defect window, or a decoy window in which the named
// type must NOT be reported.
type Event struct {
	Clip   string      `json:"clip"`
	Type   defect.Type `json:"type"`
	StartS float64     `json:"start_s"`
	EndS   float64     `json:"end_s"`
	Decoy  bool        `json:"decoy,omitempty"`
	// EndToleranceS widens the allowed end error where the end is not a
	// frame-exact instant (blockiness: concealment lasts until the next
	// keyframe).
	EndToleranceS float64 `json:"end_tolerance_s,omitempty"`
	Channel       *int    `json:"channel,omitempty"`   // channel_loss: the dead channel
	OffsetMs      float64 `json:"offset_ms,omitempty"` // av_offset: positive = audio late
	LevelDBFS     float64 `json:"level_dbfs,omitempty"`
	DigitalZero   bool    `json:"digital_zero,omitempty"`
	Note          string  `json:"note,omitempty"`

	// Added after the first schema (all additive).
	// StartToleranceS widens the allowed start error where the start is
	// not an instant a detector can see at once (a whole-clip offset is
	// only measurable after the first events; loudness integrates 3 s).
	StartToleranceS float64 `json:"start_tolerance_s,omitempty"`
	// Optional events are consequences a detector may or may not report
	// depending on its integration time or thresholds (loudness drop during
	// a 3 s silence; an offset within the acceptability band): reporting
	// one is not a false positive, missing one is not a miss.
	Optional bool `json:"optional,omitempty"`
	// OffsetEndMs is set for a drifting offset: it moves linearly from
	// offset_ms at start_s to offset_end_ms at end_s.
	OffsetEndMs *float64 `json:"offset_end_ms,omitempty"`
	LUFS        float64  `json:"lufs,omitempty"` // loudness windows: integrated loudness of the window
}

// OffsetAt is the true A/V offset (ms) of an av_offset event at time t.
func (e Event) OffsetAt(t float64) float64 {
	if e.OffsetEndMs == nil || e.EndS <= e.StartS {
		return e.OffsetMs
	}
	f := (t - e.StartS) / (e.EndS - e.StartS)
	f = min(1, max(0, f))
	return e.OffsetMs + f*(*e.OffsetEndMs-e.OffsetMs)
}

// Load reads dir/truth.json.
func Load(dir string) (*Truth, error) {
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		return nil, fmt.Errorf("test clips: %w (run `make testvideos`)", err)
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("test clips: %s/truth.json: %w", dir, err)
	}
	return &t, nil
}

// Clip returns the clip named name.
func (t *Truth) Clip(name string) (Clip, bool) {
	for _, c := range t.Clips {
		if c.Clip == name {
			return c, true
		}
	}
	return Clip{}, false
}

// EventsFor returns the events and decoys of one clip.
func (t *Truth) EventsFor(clip string) []Event {
	var out []Event
	for _, e := range t.Events {
		if e.Clip == clip {
			out = append(out, e)
		}
	}
	return out
}
