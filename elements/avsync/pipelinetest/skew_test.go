package pipelinetest

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/avwatch/avwatch/testvideos"
)

// TestTimestampSkew shifts or stalls one stream's timestamps mid-run with a
// pad probe in front of the analyser (as a faulty encoder or multiplexer
// would) on an in-sync clip and checks that the timestamp-skew detector
// reports the fault's start and end, with the right sign. The correlator is
// off: this is about timestamps, not content.
//
// Tolerance 0.35 s: the detector works in 250 ms ticks of media. In file
// QC (as fast as decoding allows) decodebin3 hands audio out ~0.3 s of
// media ahead of video, and on a loaded machine either branch's thread
// falls behind the other by up to ~0.6 s at random; the detector judges
// each stream's stamps against its own data (see avsync.Skew), so the
// windows below do not depend on that: the same to the ms in every run,
// idle or with the CPUs saturated.
func TestTimestampSkew(t *testing.T) {
	dir := testvideos.Dir(t)
	const clip = "avsync_events_0.ts"
	truth, err := testvideos.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tv := avTruth(truth, clip); tv == nil || !tv.Decoy {
		t.Fatalf("%s is no longer the in-sync clip", clip)
	}
	const first = 125 * time.Millisecond // the clip's first PTS (MPEG-TS)
	s := time.Second
	for _, tc := range []struct {
		name       string
		fault      Fault
		start, end float64 // media s
		sign       float64
		offsetMs   float64 // reported at the start (0: not checked)
	}{
		{"audio shifted +500 ms", Fault{Element: "aqc", From: first + 5*s, To: first + 10*s, Shift: 500 * time.Millisecond}, 5, 10, 1, 500},
		{"audio shifted -300 ms", Fault{Element: "aqc", From: first + 5*s, To: first + 10*s, Shift: -300 * time.Millisecond}, 5, 10, -1, -300},
		{"video stamps stalled 2 s", Fault{Element: "vqc", From: first + 6*s, To: first + 8*s, Stall: true}, 6, 8, 1, 0},
		{"audio stamps stalled 2 s", Fault{Element: "aqc", From: first + 6*s, To: first + 8*s, Stall: true}, 6, 8, -1, 0},
	} {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := play(t, launch(filepath.Join(dir, clip), "av-correlation=false"), tc.fault)
			ws := r.windows(t)
			if len(ws) != 1 {
				t.Fatalf("want one av_offset window for the fault %.0f-%.0f s, got %+v", tc.start, tc.end, ws)
			}
			w := ws[0]
			t.Logf("av_offset %.2f-%.2f s, %+.0f ms at the start (fault %.0f-%.0f s)", w.start, w.end, w.startMs, tc.start, tc.end)
			if math.Abs(w.start-tc.start) > 0.35 || math.Abs(w.end-tc.end) > 0.35 {
				t.Errorf("window %.2f-%.2f s, fault %.0f-%.0f s", w.start, w.end, tc.start, tc.end)
			}
			if w.startMs*tc.sign <= 0 {
				t.Errorf("offset %+.0f ms has the wrong sign", w.startMs)
			}
			if tc.offsetMs != 0 && math.Abs(w.startMs-tc.offsetMs) > 40 {
				t.Errorf("offset %+.0f ms, the shift is %+.0f ms", w.startMs, tc.offsetMs)
			}
		})
	}
}
