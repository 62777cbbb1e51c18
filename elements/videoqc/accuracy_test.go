package videoqc

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/testvideos"
	"github.com/avwatch/avwatch/testvideos/score"
)

// videoTypes are the defect types videoqc reports.
var videoTypes = map[defect.Type]bool{defect.Black: true, defect.Freeze: true, defect.Blockiness: true}

// TestAccuracyOnClips decodes every generated test clip through videoqc
// (decodebin3, as the product does) and scores what it reports against the
// clip's truth with testvideos/score: every black, freeze and blockiness
// event found with start and end within 2 frames (beyond the truth's own
// tolerances: blockiness may end anywhere up to the next keyframe), nothing
// on decoys, nothing at all on the control clip, no other false positive.
func TestAccuracyOnClips(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := testvideos.Dir(t)
	truth, err := testvideos.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range truth.Clips {
		if c.VideoCodec == "" {
			continue
		}
		c := c
		t.Run(c.Clip, func(t *testing.T) {
			t.Parallel()
			r := play(t, fmt.Sprintf("filesrc location=%q ! decodebin3 ! videoqc ! fakesink", filepath.Join(dir, c.Clip)), nil)
			rep := score.Report{Source: c.Clip}
			open := map[defect.Type]defect.Event{}
			for _, e := range r.defects {
				// Running time: media time from the clip's first frame,
				// whatever the container's timestamps start at.
				if e.Edge == defect.Start {
					open[e.Type] = e
					continue
				}
				s := open[e.Type]
				rep.Defects = append(rep.Defects, score.Defect{Type: e.Type, StartS: s.RunningTime.Seconds(), EndS: e.RunningTime.Seconds(), Value: s.Value})
				delete(open, e.Type)
			}
			if len(open) != 0 {
				t.Fatalf("windows left open at EOS: %v", open)
			}
			var tr []testvideos.Event
			for _, e := range truth.EventsFor(c.Clip) {
				if videoTypes[e.Type] {
					tr = append(tr, e)
				}
			}
			res := score.ScoreClip(c, tr, rep)
			frame := 1 / c.FPS()
			for _, m := range res.TP {
				t.Logf("%s %.3f-%.3f found %.3f-%.3f (start %+.0f frames, end %+.0f frames)", m.Truth.Type, m.Truth.StartS, m.Truth.EndS,
					m.Found.StartS, m.Found.EndS, m.StartErrS/frame, m.EndErrS/frame)
				if m.StartExcessS > 2*frame+1e-6 || m.EndExcessS > 2*frame+1e-6 {
					t.Errorf("%s %.3f-%.3f: found %.3f-%.3f, more than 2 frames off", m.Truth.Type, m.Truth.StartS, m.Truth.EndS, m.Found.StartS, m.Found.EndS)
				}
			}
			for _, e := range res.FN {
				t.Errorf("missed %s %.3f-%.3f (%s)", e.Type, e.StartS, e.EndS, e.Note)
			}
			for _, d := range res.FP {
				t.Errorf("false positive %s %.3f-%.3f value %.3g", d.Type, d.StartS, d.EndS, d.Value)
			}
			for _, h := range res.DecoyHits {
				t.Errorf("decoy hit: %s %.3f-%.3f reported inside decoy %.3f-%.3f (%s)", h.Found.Type, h.Found.StartS, h.Found.EndS, h.Decoy.StartS, h.Decoy.EndS, h.Decoy.Note)
			}
		})
	}
}
