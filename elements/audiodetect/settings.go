// Package audiodetect holds the pure-Go audio detectors (silence, clipping,
// loudness alerts, channel loss, phase) and their settings.
package audiodetect

import "time"

// Settings are the audio detector settings as the agent's config and the
// audioqc element's properties see them. Start from DefaultSettings.
//
// STUB (foundation): the audioqc work fills in the defaults, validation and
// Props; field names and yaml keys are the contract with agent config.
type Settings struct {
	Silence     SilenceSettings     `yaml:"silence" json:"silence"`
	Clipping    ClippingSettings    `yaml:"clipping" json:"clipping"`
	Loudness    LoudnessSettings    `yaml:"loudness" json:"loudness"`
	ChannelLoss ChannelLossSettings `yaml:"channel_loss" json:"channel_loss"`
	Phase       PhaseSettings       `yaml:"phase" json:"phase"`
}

type SilenceSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	ThresholdDB float64       `yaml:"threshold_db" json:"threshold_db"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

type ClippingSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

type LoudnessSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	TargetLUFS  float64       `yaml:"target_lufs" json:"target_lufs"`
	ToleranceLU float64       `yaml:"tolerance_lu" json:"tolerance_lu"`
	TruePeakDB  float64       `yaml:"true_peak_dbtp" json:"true_peak_dbtp"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

type ChannelLossSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

type PhaseSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

// DefaultSettings returns the documented defaults.
func DefaultSettings() Settings {
	return Settings{
		Silence:     SilenceSettings{Enabled: true, ThresholdDB: -60, MinDuration: 2 * time.Second},
		Clipping:    ClippingSettings{Enabled: true},
		Loudness:    LoudnessSettings{Enabled: true, TargetLUFS: -23, ToleranceLU: 5, TruePeakDB: -1},
		ChannelLoss: ChannelLossSettings{Enabled: true},
		Phase:       PhaseSettings{Enabled: true},
	}
}

// Validate reports the first out-of-range value, naming its yaml key path.
func (s Settings) Validate() error { return nil }

// Props returns the audioqc element property assignments that realise s.
func (s Settings) Props() map[string]string { return map[string]string{} }
