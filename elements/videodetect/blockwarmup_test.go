package videodetect

import (
	"testing"
	"time"
)

// A stream whose first frame comes late (a transport stream starts at
// 0.7 s or later) must still learn a full second of frames before the
// relative cues judge anything: the gap before the first frame is not
// material.
func TestBlockWarmUpCountsFramesNotStartTime(t *testing.T) {
	for _, start := range []time.Duration{0, 760 * time.Millisecond, 1400 * time.Millisecond} {
		var d blockDetector
		d.configure(DefaultSettings().Blockiness)
		f := Features{Active: 0.5, Block: 0.01, BlockDiff: 0.01, Diff: 0.01}
		frame := 40 * time.Millisecond
		n := 0
		for d.learned < blockWarmUp {
			d.step(nil, start+time.Duration(n)*frame, &f)
			n++
			if n > 1000 {
				t.Fatalf("start %v: never warm", start)
			}
		}
		if n < 24 {
			t.Errorf("start %v: warm after %d frames of 40 ms, want a second's worth (>= 24)", start, n)
		}
	}
}
