// Package audiodetect holds the pure-Go audio detectors (silence, clipping,
// loudness and true-peak alerts, channel loss, phase), the Analyzer that
// runs them on raw audio buffers, and their settings.
package audiodetect

import (
	"fmt"
	"strconv"
	"time"
)

// Settings are the audio detector settings as the agent's config and the
// audioqc element's properties see them. Start from DefaultSettings: zero
// values are not defaults.
type Settings struct {
	Silence     SilenceSettings     `yaml:"silence" json:"silence"`
	Clipping    ClippingSettings    `yaml:"clipping" json:"clipping"`
	Loudness    LoudnessSettings    `yaml:"loudness" json:"loudness"`
	ChannelLoss ChannelLossSettings `yaml:"channel_loss" json:"channel_loss"`
	Phase       PhaseSettings       `yaml:"phase" json:"phase"`
}

type SilenceSettings struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// ThresholdDB: every channel's 10 ms RMS below this (dBFS) is silence.
	ThresholdDB float64       `yaml:"threshold_db" json:"threshold_db"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

type ClippingSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
	// LevelDB: a sample at or above this (dBFS) is at full scale.
	LevelDB float64 `yaml:"level_db" json:"level_db"`
	// MinRun: consecutive full-scale samples that make one clipped run.
	MinRun int `yaml:"min_run" json:"min_run"`
	// Rate: clipped runs per second (in some channel) that make clipping.
	Rate float64 `yaml:"rate" json:"rate"`
}

type LoudnessSettings struct {
	Enabled     bool    `yaml:"enabled" json:"enabled"`
	TargetLUFS  float64 `yaml:"target_lufs" json:"target_lufs"`
	ToleranceLU float64 `yaml:"tolerance_lu" json:"tolerance_lu"`
	// MinDuration is how long short-term loudness must stay out of
	// target ± tolerance.
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
	// TruePeak enables the true_peak alert (true peak above TruePeakDB).
	TruePeak   bool    `yaml:"true_peak" json:"true_peak"`
	TruePeakDB float64 `yaml:"true_peak_dbtp" json:"true_peak_dbtp"`
}

type ChannelLossSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
	// ThresholdDB: a channel whose 10 ms RMS is below this (dBFS) while
	// another carries programme (20 dB above it) is lost.
	ThresholdDB float64 `yaml:"threshold_db" json:"threshold_db"`
}

type PhaseSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
	// Correlation: a stereo pair whose correlation stays below this is out
	// of phase.
	Correlation float64 `yaml:"correlation" json:"correlation"`
}

// DefaultSettings returns the documented defaults (elements/README.md
// explains each choice).
func DefaultSettings() Settings {
	return Settings{
		Silence:     SilenceSettings{Enabled: true, ThresholdDB: -60, MinDuration: 2 * time.Second},
		Clipping:    ClippingSettings{Enabled: true, MinDuration: 500 * time.Millisecond, LevelDB: -0.5, MinRun: 3, Rate: 10},
		Loudness:    LoudnessSettings{Enabled: true, TargetLUFS: -23, ToleranceLU: 5, MinDuration: 3 * time.Second, TruePeak: true, TruePeakDB: -1},
		ChannelLoss: ChannelLossSettings{Enabled: true, MinDuration: 2 * time.Second, ThresholdDB: -60},
		Phase:       PhaseSettings{Enabled: true, MinDuration: 2 * time.Second, Correlation: -0.5},
	}
}

// ParamKind is the GLib type of an element property.
type ParamKind uint8

const (
	KindBool ParamKind = iota
	KindDouble
	KindUint
)

// Param is one audioqc property and where it lives in Settings. The element
// installs its properties from Params, Props renders them, Validate checks
// them: one table, so the three cannot drift apart.
type Param struct {
	Name  string // element property, e.g. "silence-threshold-db"
	Key   string // yaml key path, e.g. "silence.threshold_db"
	Kind  ParamKind
	Blurb string
	Unit  string // for error messages
	// Min/Max bound double and uint values (inclusive).
	Min, Max float64
	Get      func(*Settings) float64 // bool: 0/1; durations: seconds
	Set      func(*Settings, float64)
}

func secs(d time.Duration) float64 { return d.Seconds() }
func dur(s float64) time.Duration  { return time.Duration(s * float64(time.Second)) }
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

const maxMinDuration = 3600 // s

// Params lists every detector property in a stable order.
var Params = []Param{
	{"silence", "silence.enabled", KindBool, "Detect silence (every channel below silence-threshold-db)", "", 0, 1,
		func(s *Settings) float64 { return b2f(s.Silence.Enabled) }, func(s *Settings, v float64) { s.Silence.Enabled = v != 0 }},
	{"silence-threshold-db", "silence.threshold_db", KindDouble, "Silence level: every channel's 10 ms RMS below this (dBFS)", "dBFS", -120, 0,
		func(s *Settings) float64 { return s.Silence.ThresholdDB }, func(s *Settings, v float64) { s.Silence.ThresholdDB = v }},
	{"silence-min-duration", "silence.min_duration", KindDouble, "Shortest silence reported (s)", "s", 0, maxMinDuration,
		func(s *Settings) float64 { return secs(s.Silence.MinDuration) }, func(s *Settings, v float64) { s.Silence.MinDuration = dur(v) }},

	{"clipping", "clipping.enabled", KindBool, "Detect clipping (runs of full-scale samples)", "", 0, 1,
		func(s *Settings) float64 { return b2f(s.Clipping.Enabled) }, func(s *Settings, v float64) { s.Clipping.Enabled = v != 0 }},
	{"clipping-level-db", "clipping.level_db", KindDouble, "A sample at or above this level (dBFS) is at full scale", "dBFS", -6, 0,
		func(s *Settings) float64 { return s.Clipping.LevelDB }, func(s *Settings, v float64) { s.Clipping.LevelDB = v }},
	{"clipping-min-run", "clipping.min_run", KindUint, "Consecutive full-scale samples that make a clipped run", "samples", 1, 1000,
		func(s *Settings) float64 { return float64(s.Clipping.MinRun) }, func(s *Settings, v float64) { s.Clipping.MinRun = int(v) }},
	{"clipping-rate", "clipping.rate", KindDouble, "Clipped runs per second (in one channel) that make clipping", "runs/s", 0.1, 100000,
		func(s *Settings) float64 { return s.Clipping.Rate }, func(s *Settings, v float64) { s.Clipping.Rate = v }},
	{"clipping-min-duration", "clipping.min_duration", KindDouble, "Shortest clipping reported (s), first to last clipped run", "s", 0, maxMinDuration,
		func(s *Settings) float64 { return secs(s.Clipping.MinDuration) }, func(s *Settings, v float64) { s.Clipping.MinDuration = dur(v) }},

	{"loudness", "loudness.enabled", KindBool, "Alert when short-term loudness leaves target ± tolerance", "", 0, 1,
		func(s *Settings) float64 { return b2f(s.Loudness.Enabled) }, func(s *Settings, v float64) { s.Loudness.Enabled = v != 0 }},
	{"loudness-target-lufs", "loudness.target_lufs", KindDouble, "Target loudness (LUFS; EBU R128 -23, ATSC A/85 -24)", "LUFS", -70, 0,
		func(s *Settings) float64 { return s.Loudness.TargetLUFS }, func(s *Settings, v float64) { s.Loudness.TargetLUFS = v }},
	{"loudness-tolerance-lu", "loudness.tolerance_lu", KindDouble, "Allowed short-term deviation from the target (LU)", "LU", 0.5, 30,
		func(s *Settings) float64 { return s.Loudness.ToleranceLU }, func(s *Settings, v float64) { s.Loudness.ToleranceLU = v }},
	{"loudness-min-duration", "loudness.min_duration", KindDouble, "How long short-term loudness must stay out of range (s)", "s", 0, maxMinDuration,
		func(s *Settings) float64 { return secs(s.Loudness.MinDuration) }, func(s *Settings, v float64) { s.Loudness.MinDuration = dur(v) }},
	{"true-peak", "loudness.true_peak", KindBool, "Alert when the true peak exceeds true-peak-dbtp", "", 0, 1,
		func(s *Settings) float64 { return b2f(s.Loudness.TruePeak) }, func(s *Settings, v float64) { s.Loudness.TruePeak = v != 0 }},
	{"true-peak-dbtp", "loudness.true_peak_dbtp", KindDouble, "Maximum true peak (dBTP)", "dBTP", -20, 6,
		func(s *Settings) float64 { return s.Loudness.TruePeakDB }, func(s *Settings, v float64) { s.Loudness.TruePeakDB = v }},

	{"channel-loss", "channel_loss.enabled", KindBool, "Detect a channel that is silent while another carries programme", "", 0, 1,
		func(s *Settings) float64 { return b2f(s.ChannelLoss.Enabled) }, func(s *Settings, v float64) { s.ChannelLoss.Enabled = v != 0 }},
	{"channel-loss-threshold-db", "channel_loss.threshold_db", KindDouble, "A channel's 10 ms RMS below this (dBFS) is silent", "dBFS", -120, -20,
		func(s *Settings) float64 { return s.ChannelLoss.ThresholdDB }, func(s *Settings, v float64) { s.ChannelLoss.ThresholdDB = v }},
	{"channel-loss-min-duration", "channel_loss.min_duration", KindDouble, "Shortest channel loss reported (s)", "s", 0, maxMinDuration,
		func(s *Settings) float64 { return secs(s.ChannelLoss.MinDuration) }, func(s *Settings, v float64) { s.ChannelLoss.MinDuration = dur(v) }},

	{"phase", "phase.enabled", KindBool, "Detect a stereo pair out of phase", "", 0, 1,
		func(s *Settings) float64 { return b2f(s.Phase.Enabled) }, func(s *Settings, v float64) { s.Phase.Enabled = v != 0 }},
	{"phase-correlation", "phase.correlation", KindDouble, "Correlation below which a stereo pair is out of phase", "", -1, -0.05,
		func(s *Settings) float64 { return s.Phase.Correlation }, func(s *Settings, v float64) { s.Phase.Correlation = v }},
	{"phase-min-duration", "phase.min_duration", KindDouble, "Shortest out-of-phase stretch reported (s)", "s", 0, maxMinDuration,
		func(s *Settings) float64 { return secs(s.Phase.MinDuration) }, func(s *Settings, v float64) { s.Phase.MinDuration = dur(v) }},
}

// Validate reports the first out-of-range value, naming its yaml key path
// relative to the settings (e.g. "silence.threshold_db: ...").
func (s Settings) Validate() error {
	def := DefaultSettings()
	for _, p := range Params {
		if p.Kind == KindBool {
			continue
		}
		v := p.Get(&s)
		if v >= p.Min && v <= p.Max {
			continue
		}
		d := p.Get(&def)
		if p.Unit == "s" {
			return fmt.Errorf("%s: %v is out of range; use a duration from 0s to %v (default %v)",
				p.Key, dur(v), dur(p.Max), dur(d))
		}
		unit := ""
		if p.Unit != "" {
			unit = " " + p.Unit
		}
		return fmt.Errorf("%s: %s is out of range; use a value from %s to %s%s (default %s)",
			p.Key, fmtNum(v), fmtNum(p.Min), fmtNum(p.Max), unit, fmtNum(d))
	}
	return nil
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Props returns the audioqc element property assignments (property name ->
// value in gst-launch syntax) that realise s. Every property is listed, so
// the element's own defaults never matter.
func (s Settings) Props() map[string]string {
	m := make(map[string]string, len(Params))
	for _, p := range Params {
		m[p.Name] = p.Format(p.Get(&s))
	}
	return m
}

// Format renders a value of p in gst-launch syntax.
func (p Param) Format(v float64) string {
	switch p.Kind {
	case KindBool:
		if v != 0 {
			return "true"
		}
		return "false"
	case KindUint:
		return strconv.FormatUint(uint64(v), 10)
	}
	return fmtNum(v)
}
