package videoqc

import (
	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"

	"github.com/avwatch/avwatch/elements/avsync"
	vd "github.com/avwatch/avwatch/elements/videodetect"
)

// avProp is one A/V sync property, bound to a field of avsync.Settings.
// videoqc owns A/V sync (elements/README.md): its properties live here,
// installed after the video detector properties, then sync-group last.
type avProp struct {
	name, nick, blurb string
	double            bool
	min, max          float64
	get               func(s *avsync.Settings) float64
	set               func(s *avsync.Settings, v float64)
}

var avProps = []avProp{
	{name: avsync.PropEarlyMs, nick: "A/V early limit", double: true, min: 0, max: 1000,
		blurb: "Alert when audio leads video by more than this many ms (ITU-R BT.1359 acceptability: 90)",
		get:   func(s *avsync.Settings) float64 { return s.EarlyMs },
		set:   func(s *avsync.Settings, v float64) { s.EarlyMs = v }},
	{name: avsync.PropLateMs, nick: "A/V late limit", double: true, min: 0, max: 1000,
		blurb: "Alert when audio lags video by more than this many ms (ITU-R BT.1359 acceptability: 185)",
		get:   func(s *avsync.Settings) float64 { return s.LateMs },
		set:   func(s *avsync.Settings, v float64) { s.LateMs = v }},
	{name: avsync.PropMaxOffsetMs, nick: "A/V search range", double: true, min: 100, max: 2000,
		blurb: "Largest offset (± ms) the marker and correlation detectors look for; keep it below half the marker period",
		get:   func(s *avsync.Settings) float64 { return s.MaxOffset.Seconds() * 1000 },
		set:   func(s *avsync.Settings, v float64) { s.MaxOffset = vd.Seconds(v / 1000) }},
	{name: avsync.PropTimestamp, nick: "A/V timestamp skew", blurb: "Detect the audio and video timestamps moving apart, jumping or stalling",
		get: func(s *avsync.Settings) float64 { return b2f(s.Timestamp.Enabled) },
		set: func(s *avsync.Settings, v float64) { s.Timestamp.Enabled = v != 0 }},
	{name: avsync.PropTimestampMinDuration, nick: "A/V timestamp skew minimum duration", double: true, min: 0, max: 3600,
		blurb: "Seconds of timestamp skew before a start event",
		get:   func(s *avsync.Settings) float64 { return s.Timestamp.MinDuration.Seconds() },
		set:   func(s *avsync.Settings, v float64) { s.Timestamp.MinDuration = vd.Seconds(v) }},
	{name: avsync.PropMarker, nick: "A/V sync markers", blurb: "Measure the offset from flash/white-patch + tone-burst sync test markers",
		get: func(s *avsync.Settings) float64 { return b2f(s.Marker.Enabled) },
		set: func(s *avsync.Settings, v float64) { s.Marker.Enabled = v != 0 }},
	{name: avsync.PropMarkerMinDuration, nick: "A/V marker minimum duration", double: true, min: 0, max: 3600,
		blurb: "Seconds of out-of-limit marker pairs before a start event",
		get:   func(s *avsync.Settings) float64 { return s.Marker.MinDuration.Seconds() },
		set:   func(s *avsync.Settings, v float64) { s.Marker.MinDuration = vd.Seconds(v) }},
	{name: avsync.PropMarkerToneHz, nick: "A/V marker tone", double: true, min: 100, max: 8000,
		blurb: "Frequency of the markers' tone bursts (Hz)",
		get:   func(s *avsync.Settings) float64 { return s.Marker.ToneHz },
		set:   func(s *avsync.Settings, v float64) { s.Marker.ToneHz = v }},
	{name: avsync.PropCorrelation, nick: "A/V correlation", blurb: "Estimate the offset of ordinary programme content (audio onsets against picture changes)",
		get: func(s *avsync.Settings) float64 { return b2f(s.Correlation.Enabled) },
		set: func(s *avsync.Settings, v float64) { s.Correlation.Enabled = v != 0 }},
	{name: avsync.PropCorrelationMinDuration, nick: "A/V correlation minimum duration", double: true, min: 0, max: 3600,
		blurb: "Seconds of confident out-of-limit estimates before a start event",
		get:   func(s *avsync.Settings) float64 { return s.Correlation.MinDuration.Seconds() },
		set:   func(s *avsync.Settings, v float64) { s.Correlation.MinDuration = vd.Seconds(v) }},
	{name: avsync.PropCorrelationWindow, nick: "A/V correlation window", double: true, min: 4, max: 30,
		blurb: "Seconds of media one estimate looks at",
		get:   func(s *avsync.Settings) float64 { return s.Correlation.Window.Seconds() },
		set:   func(s *avsync.Settings, v float64) { s.Correlation.Window = vd.Seconds(v) }},
	{name: avsync.PropCorrelationMinConfidence, nick: "A/V correlation minimum confidence", double: true, min: 0, max: 1,
		blurb: "Confidence (0..1) below which an estimate shows in stats but never raises or clears an alert",
		get:   func(s *avsync.Settings) float64 { return s.Correlation.MinConfidence },
		set:   func(s *avsync.Settings, v float64) { s.Correlation.MinConfidence = v }},
}

// Property ids: the video detector table, then avProps, then sync-group.
var (
	avPropBase    = uint(len(props))
	propSyncGroup = avPropBase + uint(len(avProps))
)

// avParamSpecs builds the A/V GParamSpecs, defaults from
// avsync.DefaultSettings, and the sync-group string.
func avParamSpecs() []*glib.ParamSpec {
	def := avsync.DefaultSettings()
	flags := glib.ParameterReadWrite | glib.ParameterFlags(gst.ParameterMutablePlaying)
	specs := make([]*glib.ParamSpec, 0, len(avProps)+1)
	for _, p := range avProps {
		if p.double {
			specs = append(specs, glib.NewFloat64Param(p.name, p.nick, p.blurb, p.min, p.max, p.get(&def), flags))
		} else {
			specs = append(specs, glib.NewBoolParam(p.name, p.nick, p.blurb, p.get(&def) != 0, flags))
		}
	}
	// Read at READY→PAUSED: a change applies from the next start.
	none := ""
	specs = append(specs, glib.NewStringParam(avsync.PropSyncGroup, "A/V sync group",
		`Which audioqc this element pairs with for A/V sync: "" = the one in the same pipeline, "none" = no A/V sync, any other name = the audioqc with the same sync-group (applies from the next start)`,
		&none, glib.ParameterReadWrite))
	return specs
}
