package main

import (
	"bufio"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/pipeline"
	"github.com/avwatch/avwatch/testvideos"
)

// elementFor is the element that reports a defect type; types of elements
// not registered in this build are not checked.
func elementFor(t defect.Type) string {
	switch t {
	case defect.Black, defect.Freeze, defect.Blockiness:
		return "videoqc"
	case defect.AVOffset:
		return "avsync"
	case defect.SignalLoss:
		return ""
	}
	return "audioqc"
}

// TestCheckTestvideos runs `avwatch check --json` on every generated clip
// and checks that each injected defect is reported (same type, overlapping
// window, start within its tolerance), that no decoy is, and that control
// clips are clean. Accuracy in detail is the elements' own tests' business.
func TestCheckTestvideos(t *testing.T) {
	dir := testvideos.Dir(t)
	truth, err := testvideos.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, c := range truth.Clips {
		args = append(args, filepath.Join(dir, c.Clip))
	}
	stdout, stderr, code := runAvwatch(t, 4*time.Minute, append([]string{"check", "--json", "--progress=none"}, args...)...)
	if code == checkError {
		t.Fatalf("exit 2:\n%s", stderr)
	}
	reports := map[string]checkReport{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r checkReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		reports[filepath.Base(r.Source)] = r
	}
	has := map[string]bool{"videoqc": pipeline.Registry{}.Has("videoqc"), "audioqc": pipeline.Registry{}.Has("audioqc")}
	// A/V sync rides on videoqc once it has the av-* properties (issue 8).
	has["avsync"] = has["videoqc"] && pipeline.HasProperty("videoqc", "av-marker")
	checked := 0
	for _, c := range truth.Clips {
		r, ok := reports[c.Clip]
		if !ok {
			t.Errorf("%s: no report", c.Clip)
			continue
		}
		if len(r.Errors) > 0 {
			t.Errorf("%s: errors %q", c.Clip, r.Errors)
		}
		if math.Abs(r.DurationS-c.DurationS) > 0.5 {
			t.Errorf("%s: duration %.2f s, truth %.2f s", c.Clip, r.DurationS, c.DurationS)
		}
		if c.Control && has["videoqc"] && has["audioqc"] && len(r.Defects) > 0 {
			t.Errorf("%s: control clip has defects %+v", c.Clip, r.Defects)
		}
		for _, e := range truth.EventsFor(c.Clip) {
			if el := elementFor(e.Type); el == "" || !has[el] || e.Optional {
				continue
			}
			checked++
			startTol := math.Max(e.StartToleranceS, 1.0)
			endTol := math.Max(e.EndToleranceS, 1.0)
			var match *checkDefect
			for i, d := range r.Defects {
				if d.Type != e.Type || e.Channel != nil && (d.Channel == nil || *d.Channel != *e.Channel) {
					continue
				}
				if d.StartS < e.EndS+endTol && d.EndS > e.StartS-startTol { // overlaps the window
					match = &r.Defects[i]
					break
				}
			}
			switch {
			case e.Decoy && match != nil:
				t.Errorf("%s: decoy %s %.1f–%.1f s reported: %+v", c.Clip, e.Type, e.StartS, e.EndS, *match)
			case !e.Decoy && match == nil:
				t.Errorf("%s: %s %.1f–%.1f s not reported (got %+v)", c.Clip, e.Type, e.StartS, e.EndS, r.Defects)
			case !e.Decoy && math.Abs(match.StartS-e.StartS) > startTol:
				t.Errorf("%s: %s starts at %.3f s, truth %.3f s (tolerance %.1f s)", c.Clip, e.Type, match.StartS, e.StartS, startTol)
			case !e.Decoy:
				t.Logf("%s: %s start %+.3f s end %+.3f s", c.Clip, e.Type, match.StartS-e.StartS, match.EndS-e.EndS)
			}
		}
	}
	t.Logf("checked %d truth events (elements: videoqc=%v audioqc=%v avsync=%v)", checked, has["videoqc"], has["audioqc"], has["avsync"])
}
