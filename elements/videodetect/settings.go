// Package videodetect holds the pure-Go video detectors (black, freeze,
// blockiness) and their settings.
//
// Nothing here imports GStreamer: the videoqc element hands each decoded
// frame's planes to an Analyzer as byte slices that point into the mapped
// buffer, and turns the events it returns into bus messages. That keeps the
// detectors testable, fuzzable and benchmarkable with plain `go test`.
package videodetect

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Settings are the video detector settings as the agent's config and the
// videoqc element's properties see them. Zero values are not defaults: start
// from DefaultSettings.
type Settings struct {
	Black      BlackSettings      `yaml:"black" json:"black"`
	Freeze     FreezeSettings     `yaml:"freeze" json:"freeze"`
	Blockiness BlockinessSettings `yaml:"blockiness" json:"blockiness"`
	// StatsInterval is the media time between two stats messages.
	StatsInterval time.Duration `yaml:"stats_interval" json:"stats_interval"`
	// Snapshot attaches a JPEG of the first bad frame to each start event.
	Snapshot bool `yaml:"snapshot" json:"snapshot"`
}

type BlackSettings struct {
	Enabled        bool          `yaml:"enabled" json:"enabled"`
	PixelThreshold float64       `yaml:"pixel_threshold" json:"pixel_threshold"` // fraction of the nominal luma range
	Ratio          float64       `yaml:"ratio" json:"ratio"`                     // share of dark pixels
	MinDuration    time.Duration `yaml:"min_duration" json:"min_duration"`
}

type FreezeSettings struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// NoiseDB is the noise floor: a frame whose mean absolute difference to
	// the reference frame, relative to the nominal range, is below it is a
	// repeat (ffmpeg freezedetect's n, -60 dB = 0.001).
	NoiseDB     float64       `yaml:"noise_db" json:"noise_db"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

type BlockinessSettings struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// Threshold is the blockiness score (see README: 1 = clearly damaged)
	// above which a frame counts as block-corrupted.
	Threshold   float64       `yaml:"threshold" json:"threshold"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

// DefaultSettings returns the documented defaults (elements/README.md).
func DefaultSettings() Settings {
	return Settings{
		Black:         BlackSettings{Enabled: true, PixelThreshold: 0.10, Ratio: 0.98, MinDuration: 2 * time.Second},
		Freeze:        FreezeSettings{Enabled: true, NoiseDB: -60, MinDuration: 2 * time.Second},
		Blockiness:    BlockinessSettings{Enabled: true, Threshold: 1, MinDuration: 200 * time.Millisecond},
		StatsInterval: time.Second,
		Snapshot:      true,
	}
}

// Limits of the settings. Durations are bounded so a typo (2000 instead of
// 2s, read as 2000 ns) is caught rather than silently alerting on every
// frame, and so the element's double-seconds properties can hold them.
const (
	maxMinDuration   = time.Hour
	maxStatsInterval = time.Hour
)

// Validate reports the first out-of-range value, naming its yaml key path
// relative to the settings (e.g. "black.ratio: must be in (0,1], got 1.5").
func (s Settings) Validate() error {
	checks := []struct {
		key string
		ok  bool
		msg string
		got any
	}{
		{"black.pixel_threshold", inRange(s.Black.PixelThreshold, 0, 1, false, true), "must be in (0,1] (fraction of the nominal luma range; 0.10 = ffmpeg blackdetect's pix_th)", s.Black.PixelThreshold},
		{"black.ratio", inRange(s.Black.Ratio, 0, 1, false, true), "must be in (0,1] (share of dark pixels, e.g. 0.98)", s.Black.Ratio},
		{"black.min_duration", durOK(s.Black.MinDuration), "must be between 0 and 1h (e.g. 2s)", s.Black.MinDuration},
		{"freeze.noise_db", inRange(s.Freeze.NoiseDB, -120, 0, true, false), "must be in [-120,0) dB (e.g. -60)", s.Freeze.NoiseDB},
		{"freeze.min_duration", durOK(s.Freeze.MinDuration), "must be between 0 and 1h (e.g. 2s)", s.Freeze.MinDuration},
		{"blockiness.threshold", inRange(s.Blockiness.Threshold, 0, 100, false, true), "must be in (0,100] (score, 1 = default)", s.Blockiness.Threshold},
		{"blockiness.min_duration", durOK(s.Blockiness.MinDuration), "must be between 0 and 1h (e.g. 200ms)", s.Blockiness.MinDuration},
		{"stats_interval", s.StatsInterval > 0 && s.StatsInterval <= maxStatsInterval, "must be between 1ms and 1h (e.g. 1s)", s.StatsInterval},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%s: %s, got %v", c.key, c.msg, c.got)
		}
	}
	return nil
}

func inRange(v, lo, hi float64, loIncl, hiIncl bool) bool {
	if math.IsNaN(v) {
		return false
	}
	if v < lo || (v == lo && !loIncl) {
		return false
	}
	if v > hi || (v == hi && !hiIncl) {
		return false
	}
	return true
}

func durOK(d time.Duration) bool { return d >= 0 && d <= maxMinDuration }

// Property names of the videoqc element. The element installs exactly these;
// Props and the element share them so they cannot drift apart.
const (
	PropBlack                 = "black"
	PropBlackPixelThreshold   = "black-pixel-threshold"
	PropBlackRatio            = "black-ratio"
	PropBlackMinDuration      = "black-min-duration"
	PropFreeze                = "freeze"
	PropFreezeNoiseDB         = "freeze-noise-db"
	PropFreezeMinDuration     = "freeze-min-duration"
	PropBlockiness            = "blockiness"
	PropBlockinessThreshold   = "blockiness-threshold"
	PropBlockinessMinDuration = "blockiness-min-duration"
	PropStatsInterval         = "stats-interval"
	PropSnapshot              = "snapshot"
)

// Props returns the videoqc element property assignments (property name ->
// value in gst-launch syntax) that realise s.
func (s Settings) Props() map[string]string {
	return map[string]string{
		PropBlack:                 fmtBool(s.Black.Enabled),
		PropBlackPixelThreshold:   fmtFloat(s.Black.PixelThreshold),
		PropBlackRatio:            fmtFloat(s.Black.Ratio),
		PropBlackMinDuration:      fmtSeconds(s.Black.MinDuration),
		PropFreeze:                fmtBool(s.Freeze.Enabled),
		PropFreezeNoiseDB:         fmtFloat(s.Freeze.NoiseDB),
		PropFreezeMinDuration:     fmtSeconds(s.Freeze.MinDuration),
		PropBlockiness:            fmtBool(s.Blockiness.Enabled),
		PropBlockinessThreshold:   fmtFloat(s.Blockiness.Threshold),
		PropBlockinessMinDuration: fmtSeconds(s.Blockiness.MinDuration),
		PropStatsInterval:         fmtSeconds(s.StatsInterval),
		PropSnapshot:              fmtBool(s.Snapshot),
	}
}

func fmtBool(b bool) string             { return strconv.FormatBool(b) }
func fmtFloat(v float64) string         { return strconv.FormatFloat(v, 'g', -1, 64) }
func fmtSeconds(d time.Duration) string { return fmtFloat(d.Seconds()) }

// Seconds converts a double-seconds property value to a Duration, rounding
// to the nanosecond.
func Seconds(v float64) time.Duration { return time.Duration(math.Round(v * 1e9)) }
