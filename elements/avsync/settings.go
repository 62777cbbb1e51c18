package avsync

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// BT.1359 (1998) gives its limits with positive = sound BEFORE picture
// ("audio leads"): detectability +45/−125 ms, acceptability +90/−185 ms. In
// our convention (positive = audio late) that is detectability −45/+125 ms and
// acceptability −90/+185 ms. The defaults alert at the acceptability limits:
// an alert should mean "viewers will object", not "a trained eye can tell".
const (
	DetectEarlyMs = 45.0  // BT.1359 detectability, audio early (sound leads)
	DetectLateMs  = 125.0 // BT.1359 detectability, audio late (sound lags)
	AcceptEarlyMs = 90.0  // BT.1359 acceptability, audio early
	AcceptLateMs  = 185.0 // BT.1359 acceptability, audio late
)

// Settings are the A/V sync settings as the agent's config and the videoqc
// element's properties see them (videoqc owns A/V sync; audioqc only takes
// sync-group). Start from DefaultSettings.
type Settings struct {
	// EarlyMs and LateMs are the tolerated audio-early and audio-late
	// offsets, both positive numbers of ms: an offset below −EarlyMs or
	// above +LateMs is a defect.
	EarlyMs float64 `yaml:"early_ms" json:"early_ms"`
	LateMs  float64 `yaml:"late_ms" json:"late_ms"`
	// MaxOffset bounds the offsets the content detectors search (±).
	// Periodic markers or events with period P are ambiguous by P; keep
	// MaxOffset below P/2 of the markers a feed carries.
	MaxOffset time.Duration `yaml:"max_offset" json:"max_offset"`

	Timestamp   TimestampSettings   `yaml:"timestamp" json:"timestamp"`
	Marker      MarkerSettings      `yaml:"marker" json:"marker"`
	Correlation CorrelationSettings `yaml:"correlation" json:"correlation"`
}

// TimestampSettings configure the timestamp-skew detector.
type TimestampSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
}

// MarkerSettings configure the flash/tone marker detector.
type MarkerSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
	ToneHz      float64       `yaml:"tone_hz" json:"tone_hz"`
}

// CorrelationSettings configure the marker-free correlator.
type CorrelationSettings struct {
	Enabled     bool          `yaml:"enabled" json:"enabled"`
	MinDuration time.Duration `yaml:"min_duration" json:"min_duration"`
	// Window is the span of media one estimate looks at.
	Window time.Duration `yaml:"window" json:"window"`
	// MinConfidence (0..1) is the confidence below which an estimate is
	// reported in stats but never raises or clears a defect.
	MinConfidence float64 `yaml:"min_confidence" json:"min_confidence"`
}

// Bounds of the settings; the rings are sized for the largest values.
const (
	maxWindow    = 30 * time.Second
	minWindow    = 4 * time.Second
	maxMaxOffset = 2 * time.Second
	minMaxOffset = 100 * time.Millisecond
)

// DefaultSettings returns the documented defaults.
func DefaultSettings() Settings {
	return Settings{
		EarlyMs:   AcceptEarlyMs,
		LateMs:    AcceptLateMs,
		MaxOffset: time.Second,
		// One second: a sub-second glitch of timestamps is not something
		// a viewer sees as lip-sync.
		Timestamp: TimestampSettings{Enabled: true, MinDuration: time.Second},
		// One second: two consecutive marker pairs at the usual 1–2 s
		// marker period, so one mis-paired marker cannot alert.
		Marker: MarkerSettings{Enabled: true, MinDuration: time.Second, ToneHz: 1000},
		// Each estimate already integrates Window of media; two seconds
		// keeps one lucky window from alerting.
		Correlation: CorrelationSettings{Enabled: true, MinDuration: 2 * time.Second, Window: 20 * time.Second, MinConfidence: 0.5},
	}
}

// Validate reports the first out-of-range value, naming its yaml key path
// relative to the settings.
func (s Settings) Validate() error {
	bad := func(key, want string, v any) error { return fmt.Errorf("%s: must be %s (got %v)", key, want, v) }
	switch {
	case !(s.EarlyMs > 0 && s.EarlyMs <= 1000):
		return bad("early_ms", "in (0,1000]", s.EarlyMs)
	case !(s.LateMs > 0 && s.LateMs <= 1000):
		return bad("late_ms", "in (0,1000]", s.LateMs)
	case s.MaxOffset < minMaxOffset || s.MaxOffset > maxMaxOffset:
		return bad("max_offset", fmt.Sprintf("in [%v,%v]", minMaxOffset, maxMaxOffset), s.MaxOffset)
	case float64(s.MaxOffset.Milliseconds()) <= math.Max(s.EarlyMs, s.LateMs):
		return bad("max_offset", "larger than early_ms and late_ms, or no offset could ever exceed them", s.MaxOffset)
	case s.Timestamp.MinDuration < 0 || s.Timestamp.MinDuration > time.Hour:
		return bad("timestamp.min_duration", "in [0,1h]", s.Timestamp.MinDuration)
	case s.Marker.MinDuration < 0 || s.Marker.MinDuration > time.Hour:
		return bad("marker.min_duration", "in [0,1h]", s.Marker.MinDuration)
	case !(s.Marker.ToneHz >= 100 && s.Marker.ToneHz <= 8000):
		return bad("marker.tone_hz", "in [100,8000]", s.Marker.ToneHz)
	case s.Correlation.MinDuration < 0 || s.Correlation.MinDuration > time.Hour:
		return bad("correlation.min_duration", "in [0,1h]", s.Correlation.MinDuration)
	case s.Correlation.Window < minWindow || s.Correlation.Window > maxWindow:
		return bad("correlation.window", fmt.Sprintf("in [%v,%v]", minWindow, maxWindow), s.Correlation.Window)
	case !(s.Correlation.MinConfidence >= 0 && s.Correlation.MinConfidence <= 1):
		return bad("correlation.min_confidence", "in [0,1]", s.Correlation.MinConfidence)
	}
	return nil
}

// Property names on the videoqc element (the owner of A/V sync). audioqc
// has only PropSyncGroup.
const (
	PropSyncGroup                = "sync-group"
	PropEarlyMs                  = "av-early-ms"
	PropLateMs                   = "av-late-ms"
	PropMaxOffsetMs              = "av-max-offset-ms"
	PropTimestamp                = "av-timestamp"
	PropTimestampMinDuration     = "av-timestamp-min-duration"
	PropMarker                   = "av-marker"
	PropMarkerMinDuration        = "av-marker-min-duration"
	PropMarkerToneHz             = "av-marker-tone-hz"
	PropCorrelation              = "av-correlation"
	PropCorrelationMinDuration   = "av-correlation-min-duration"
	PropCorrelationWindow        = "av-correlation-window"
	PropCorrelationMinConfidence = "av-correlation-min-confidence"
)

// Props returns the videoqc element property assignments (gst-launch
// syntax) that realise s. sync-group is not among them: it names the
// pipeline, not a threshold (see README).
func (s Settings) Props() map[string]string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	b := strconv.FormatBool
	sec := func(d time.Duration) string { return f(d.Seconds()) }
	return map[string]string{
		PropEarlyMs:                  f(s.EarlyMs),
		PropLateMs:                   f(s.LateMs),
		PropMaxOffsetMs:              f(float64(s.MaxOffset) / float64(time.Millisecond)),
		PropTimestamp:                b(s.Timestamp.Enabled),
		PropTimestampMinDuration:     sec(s.Timestamp.MinDuration),
		PropMarker:                   b(s.Marker.Enabled),
		PropMarkerMinDuration:        sec(s.Marker.MinDuration),
		PropMarkerToneHz:             f(s.Marker.ToneHz),
		PropCorrelation:              b(s.Correlation.Enabled),
		PropCorrelationMinDuration:   sec(s.Correlation.MinDuration),
		PropCorrelationWindow:        sec(s.Correlation.Window),
		PropCorrelationMinConfidence: f(s.Correlation.MinConfidence),
	}
}

// hysteresisMs is the value-domain hysteresis of every detector: an open
// window closes only once the offset is this far back inside the limits, so
// an estimate wobbling ±a few ms around a limit does not flap.
const hysteresisMs = 15.0

// limits is the verdict shared by the detectors.
type limits struct{ early, late float64 }

func (s Settings) limits() limits { return limits{s.EarlyMs, s.LateMs} }

// bad says whether offset is a defect, given whether a window is open.
// It also returns the limit the offset was compared with (signed).
func (l limits) bad(offsetMs float64, open bool) (bool, float64) {
	early, late := l.early, l.late
	if open {
		early -= math.Min(hysteresisMs, early/2)
		late -= math.Min(hysteresisMs, late/2)
	}
	if offsetMs < 0 {
		return offsetMs < -early, -l.early
	}
	return offsetMs > late, l.late
}
