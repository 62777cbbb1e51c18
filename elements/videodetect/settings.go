// Package videodetect holds the pure-Go video detectors (black, freeze,
// blockiness) and their settings.
package videodetect

import "time"

// Settings are the video detector settings as the agent's config and the
// videoqc element's properties see them. Zero values are not defaults: start
// from DefaultSettings.
//
// STUB (foundation): the videoqc work fills in the defaults, validation and
// Props; field names and yaml keys are the contract with agent config.
type Settings struct {
	Black      BlackSettings      `yaml:"black" json:"black"`
	Freeze     FreezeSettings     `yaml:"freeze" json:"freeze"`
	Blockiness BlockinessSettings `yaml:"blockiness" json:"blockiness"`
}

type BlackSettings struct {
	Enabled        bool          `yaml:"enabled" json:"enabled"`
	PixelThreshold float64       `yaml:"pixel_threshold" json:"pixel_threshold"` // fraction of the nominal luma range
	Ratio          float64       `yaml:"ratio" json:"ratio"`                     // share of dark pixels
	MinDuration    time.Duration `yaml:"min_duration" json:"min_duration"`
}

type FreezeSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	NoiseDB     float64       `yaml:"noise_db" json:"noise_db"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

type BlockinessSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	Threshold   float64       `yaml:"threshold" json:"threshold"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

// DefaultSettings returns the documented defaults.
func DefaultSettings() Settings {
	return Settings{
		Black:      BlackSettings{Enabled: true, PixelThreshold: 0.10, Ratio: 0.98, MinDuration: 2 * time.Second},
		Freeze:     FreezeSettings{Enabled: true, NoiseDB: -60, MinDuration: 2 * time.Second},
		Blockiness: BlockinessSettings{Enabled: true},
	}
}

// Validate reports the first out-of-range value, naming its yaml key path
// relative to the settings (e.g. "black.ratio: must be in (0,1]").
func (s Settings) Validate() error { return nil }

// Props returns the videoqc element property assignments (property name ->
// value in gst-launch syntax) that realise s.
func (s Settings) Props() map[string]string { return map[string]string{} }
