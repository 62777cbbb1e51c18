package videoqc

import (
	"math"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"

	vd "github.com/avwatch/avwatch/elements/videodetect"
)

// prop is one element property: a bool (enable, snapshot) or a double
// (threshold, duration in seconds), bound to a field of vd.Settings. The
// table is the single list the element installs, reads and writes, in
// property-id order.
type prop struct {
	name, nick, blurb string
	double            bool
	min, max          float64
	get               func(s *vd.Settings) float64 // bools: 0 or 1
	set               func(s *vd.Settings, v float64)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var props = []prop{
	{name: vd.PropBlack, nick: "Black detection", blurb: "Detect black frames",
		get: func(s *vd.Settings) float64 { return b2f(s.Black.Enabled) },
		set: func(s *vd.Settings, v float64) { s.Black.Enabled = v != 0 }},
	{name: vd.PropBlackPixelThreshold, nick: "Black pixel threshold", double: true, min: 0, max: 1,
		blurb: "Luma at or below black level + this fraction of the nominal range counts as dark (ffmpeg blackdetect pix_th)",
		get:   func(s *vd.Settings) float64 { return s.Black.PixelThreshold },
		set:   func(s *vd.Settings, v float64) { s.Black.PixelThreshold = v }},
	{name: vd.PropBlackRatio, nick: "Black picture ratio", double: true, min: 0, max: 1,
		blurb: "Share of dark pixels that makes a frame black",
		get:   func(s *vd.Settings) float64 { return s.Black.Ratio },
		set:   func(s *vd.Settings, v float64) { s.Black.Ratio = v }},
	{name: vd.PropBlackMinDuration, nick: "Black minimum duration", double: true, min: 0, max: 3600,
		blurb: "Seconds of black before a start event (dated at the first black frame)",
		get:   func(s *vd.Settings) float64 { return s.Black.MinDuration.Seconds() },
		set:   func(s *vd.Settings, v float64) { s.Black.MinDuration = vd.Seconds(v) }},
	{name: vd.PropFreeze, nick: "Freeze detection", blurb: "Detect frozen (repeated) frames",
		get: func(s *vd.Settings) float64 { return b2f(s.Freeze.Enabled) },
		set: func(s *vd.Settings, v float64) { s.Freeze.Enabled = v != 0 }},
	{name: vd.PropFreezeNoiseDB, nick: "Freeze noise floor", double: true, min: -120, max: 0,
		blurb: "Mean absolute difference to the reference frame below which a frame repeats it, dB of full scale (ffmpeg freezedetect n)",
		get:   func(s *vd.Settings) float64 { return s.Freeze.NoiseDB },
		set:   func(s *vd.Settings, v float64) { s.Freeze.NoiseDB = v }},
	{name: vd.PropFreezeMinDuration, nick: "Freeze minimum duration", double: true, min: 0, max: 3600,
		blurb: "Seconds of freeze before a start event (dated at the first repeated frame)",
		get:   func(s *vd.Settings) float64 { return s.Freeze.MinDuration.Seconds() },
		set:   func(s *vd.Settings, v float64) { s.Freeze.MinDuration = vd.Seconds(v) }},
	{name: vd.PropBlockiness, nick: "Blockiness detection", blurb: "Detect block corruption (concealed macroblocks, extreme quantisation)",
		get: func(s *vd.Settings) float64 { return b2f(s.Blockiness.Enabled) },
		set: func(s *vd.Settings, v float64) { s.Blockiness.Enabled = v != 0 }},
	{name: vd.PropBlockinessThreshold, nick: "Blockiness threshold", double: true, min: 0, max: 100,
		blurb: "Blockiness score at or above which a frame is block-corrupted (1 = clearly damaged)",
		get:   func(s *vd.Settings) float64 { return s.Blockiness.Threshold },
		set:   func(s *vd.Settings, v float64) { s.Blockiness.Threshold = v }},
	{name: vd.PropBlockinessMinDuration, nick: "Blockiness minimum duration", double: true, min: 0, max: 3600,
		blurb: "Seconds of block corruption before a start event (dated at the first bad frame)",
		get:   func(s *vd.Settings) float64 { return s.Blockiness.MinDuration.Seconds() },
		set:   func(s *vd.Settings, v float64) { s.Blockiness.MinDuration = vd.Seconds(v) }},
	{name: vd.PropStatsInterval, nick: "Stats interval", double: true, min: 0.001, max: 3600,
		blurb: "Media seconds between two stats messages",
		get:   func(s *vd.Settings) float64 { return s.StatsInterval.Seconds() },
		set:   func(s *vd.Settings, v float64) { s.StatsInterval = vd.Seconds(v) }},
	{name: vd.PropSnapshot, nick: "Snapshot", blurb: "Post a JPEG (<= 640 px wide) of the first bad frame with each start event",
		get: func(s *vd.Settings) float64 { return b2f(s.Snapshot) },
		set: func(s *vd.Settings, v float64) { s.Snapshot = v != 0 }},
}

// paramSpecs builds the GParamSpecs, defaults from vd.DefaultSettings.
func paramSpecs() []*glib.ParamSpec {
	def := vd.DefaultSettings()
	flags := glib.ParameterReadWrite | glib.ParameterFlags(gst.ParameterMutablePlaying)
	specs := make([]*glib.ParamSpec, len(props))
	for i, p := range props {
		if p.double {
			specs[i] = glib.NewFloat64Param(p.name, p.nick, p.blurb, p.min, p.max, p.get(&def), flags)
		} else {
			specs[i] = glib.NewBoolParam(p.name, p.nick, p.blurb, p.get(&def) != 0, flags)
		}
	}
	return specs
}

// valueOf reads a property value as the table's float64.
func valueOf(p prop, v *glib.Value) (float64, bool) {
	gv, err := v.GoValue()
	if err != nil {
		return 0, false
	}
	switch x := gv.(type) {
	case bool:
		return b2f(x), true
	case float64:
		return x, !math.IsNaN(x)
	case float32:
		return float64(x), true
	}
	return 0, false
}
