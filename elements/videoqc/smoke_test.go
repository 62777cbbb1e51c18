package videoqc

import (
	"testing"
)

func TestSmokeVideotestsrc(t *testing.T) {
	r := play(t, "videotestsrc num-buffers=100 ! video/x-raw,width=320,height=240,framerate=25/1 ! videoqc ! fakesink", nil)
	if len(r.stats) < 3 {
		t.Fatalf("stats: got %d, want >= 3", len(r.stats))
	}
	t.Logf("stats[0]=%v defects=%v warnings=%v", r.stats[0].Stats, r.defects, r.warnings)
}
