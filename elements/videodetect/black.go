package videodetect

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// blackDetector flags frames whose share of dark luma samples reaches the
// picture ratio, like ffmpeg blackdetect (pix_th, picture_black_ratio_th,
// d). The dark level itself (pixel threshold over the black level of the
// caps' range) is applied by the extractor.
//
// Value hysteresis: once a candidate or window is open, a frame stays black
// down to half the ratio's complement below it (0.98 -> 0.97), so grain or a
// faint logo flickering around the ratio does not split a window.
type blackDetector struct {
	tracker
	ratio float64
}

// majority is the share of bad frames a candidate needs before it can be
// confirmed (see tracker).
const majority = 0.6

// blackGap bridges a lone brighter frame inside a black window (and delays
// the end's confirmation, not its date, by as much).
const blackGap = 100 * time.Millisecond

func (d *blackDetector) configure(s BlackSettings) {
	d.typ = defect.Black
	d.ratio = s.Ratio
	d.minDuration = s.MinDuration
	d.majority = majority
	d.gate.ClearDuration = blackGap
	d.gate.Bridge = blackGap
}

// isBlack is the verdict with hysteresis.
func (d *blackDetector) isBlack(f *Features) bool {
	th := d.ratio
	if d.pending() {
		th -= (1 - d.ratio) / 2
	}
	return f.Dark >= th
}

func (d *blackDetector) step(out []defect.Event, pts time.Duration, f *Features) []defect.Event {
	return d.tracker.step(out, pts, d.isBlack(f), false, f.Dark, d.ratio)
}
