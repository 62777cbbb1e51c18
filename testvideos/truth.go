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
