// Package score compares what a checker reported on the test clips with
// their ground truth: one-to-one, overlap-based matching per clip and
// defect type, then precision, recall, decoy and control-clip false
// positives, timing errors and, for av_offset, the offset error.
//
// It is pure Go and knows nothing of how the detections were made; the
// input is the `avwatch check --json` report of each clip.
package score

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/testvideos"
)

// Defect is one reported defect window, as `avwatch check --json` prints it.
type Defect struct {
	Type        defect.Type `json:"type"`
	StartS      float64     `json:"start_s"`
	EndS        float64     `json:"end_s"`
	Value       float64     `json:"value,omitempty"`
	OffsetMs    *float64    `json:"offset_ms,omitempty"`
	Channel     *int        `json:"channel,omitempty"`
	DigitalZero *bool       `json:"digital_zero,omitempty"`
}

// Report is the `avwatch check --json` output for one source. Stats, when
// the checker adds them, are the last stats values by name (the A/V
// estimate "av-offset-ms", "av-confidence", … is shown from there).
type Report struct {
	Source    string             `json:"source"`
	DurationS float64            `json:"duration_s"`
	Defects   []Defect           `json:"defects"`
	Stats     map[string]float64 `json:"stats,omitempty"`
	Errors    []string           `json:"errors,omitempty"`
}

// ParseReport reads one report (the first JSON object in b).
func ParseReport(b []byte) (Report, error) {
	var r Report
	dec := json.NewDecoder(bytesReader(b))
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("check report: %w", err)
	}
	return r, nil
}

// Match is a reported defect paired with the truth window it found.
type Match struct {
	Truth testvideos.Event `json:"truth"`
	Found Defect           `json:"found"`
	// StartErrS and EndErrS are found minus truth (signed, seconds);
	// StartExcessS and EndExcessS are the absolute errors beyond the
	// truth's tolerances (0 when inside them). Those are what the timing
	// statistics use.
	StartErrS    float64 `json:"start_err_s"`
	EndErrS      float64 `json:"end_err_s"`
	StartExcessS float64 `json:"start_excess_s"`
	EndExcessS   float64 `json:"end_excess_s"`
	// OffsetErrMs is reported minus true offset for av_offset (true offset
	// taken at the middle of the overlap, so drifts are judged fairly).
	OffsetErrMs *float64 `json:"offset_err_ms,omitempty"`
}

// DecoyHit is a reported defect inside a decoy window of its type.
type DecoyHit struct {
	Decoy testvideos.Event `json:"decoy"`
	Found Defect           `json:"found"`
}

// Clip is the result for one clip.
type Clip struct {
	Clip    string `json:"clip"`
	Control bool   `json:"control,omitempty"`
	// Matched required events (true positives).
	TP []Match `json:"tp"`
	// Optional events that were reported: neither hit nor false alarm.
	Optional []Match `json:"optional,omitempty"`
	// Missed required events.
	FN []testvideos.Event `json:"fn"`
	// Reported defects that match no truth window (decoy hits included).
	FP        []Defect   `json:"fp"`
	DecoyHits []DecoyHit `json:"decoy_hits,omitempty"`
	// Error is set when the checker failed on the clip; its events count
	// as missed.
	Error string             `json:"error,omitempty"`
	Stats map[string]float64 `json:"stats,omitempty"`
}

// ScoreClip matches one clip's report against its truth events.
func ScoreClip(c testvideos.Clip, truth []testvideos.Event, rep Report) Clip {
	res := Clip{Clip: c.Clip, Control: c.Control, Stats: rep.Stats}
	types := map[defect.Type]bool{}
	for _, e := range truth {
		types[e.Type] = true
	}
	for _, d := range rep.Defects {
		types[d.Type] = true
	}
	for _, typ := range sortedTypes(types) {
		var req, opt, decoys []testvideos.Event
		for _, e := range truth {
			switch {
			case e.Type != typ:
			case e.Decoy:
				decoys = append(decoys, e)
			case e.Optional:
				opt = append(opt, e)
			default:
				req = append(req, e)
			}
		}
		var found []Defect
		for _, d := range rep.Defects {
			if d.Type == typ {
				found = append(found, d)
			}
		}
		used := make([]bool, len(found))
		tp, missed := assign(req, found, used)
		res.TP = append(res.TP, tp...)
		res.FN = append(res.FN, missed...)
		op, _ := assign(opt, found, used)
		res.Optional = append(res.Optional, op...)
		for i, d := range found {
			if used[i] {
				continue
			}
			res.FP = append(res.FP, d)
			for _, dc := range decoys {
				if overlap(d, dc.StartS, dc.EndS) > 0 || inside(d, dc.StartS, dc.EndS) {
					res.DecoyHits = append(res.DecoyHits, DecoyHit{Decoy: dc, Found: d})
					break
				}
			}
		}
	}
	return res
}

// assign pairs truth events with unused detections one-to-one, greedily by
// the largest overlap relative to the union (ties: earlier truth first).
// Windows are widened by the truth's tolerances before overlapping, so a
// detection dated within tolerance still meets its event.
func assign(truth []testvideos.Event, found []Defect, used []bool) ([]Match, []testvideos.Event) {
	type pair struct {
		t, f int
		iou  float64
	}
	var pairs []pair
	for ti, e := range truth {
		a, b := e.StartS-e.StartToleranceS, e.EndS+e.EndToleranceS
		for fi, d := range found {
			if used[fi] {
				continue
			}
			ov := overlap(d, a, b)
			if ov <= 0 && !inside(d, a, b) {
				continue
			}
			union := math.Max(b, d.EndS) - math.Min(a, d.StartS)
			iou := 1.0
			if union > 0 {
				iou = ov / union
			}
			pairs = append(pairs, pair{ti, fi, iou})
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		if pairs[i].iou != pairs[j].iou {
			return pairs[i].iou > pairs[j].iou
		}
		if pairs[i].t != pairs[j].t {
			return pairs[i].t < pairs[j].t
		}
		return pairs[i].f < pairs[j].f
	})
	tUsed := make([]bool, len(truth))
	var out []Match
	for _, p := range pairs {
		if tUsed[p.t] || used[p.f] {
			continue
		}
		tUsed[p.t], used[p.f] = true, true
		out = append(out, newMatch(truth[p.t], found[p.f]))
	}
	var missed []testvideos.Event
	for i, e := range truth {
		if !tUsed[i] {
			missed = append(missed, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Truth.StartS < out[j].Truth.StartS })
	return out, missed
}

func newMatch(e testvideos.Event, d Defect) Match {
	m := Match{Truth: e, Found: d, StartErrS: d.StartS - e.StartS, EndErrS: d.EndS - e.EndS}
	m.StartExcessS = math.Max(0, math.Abs(m.StartErrS)-e.StartToleranceS)
	m.EndExcessS = math.Max(0, math.Abs(m.EndErrS)-e.EndToleranceS)
	if e.Type == defect.AVOffset && d.OffsetMs != nil {
		mid := (math.Max(e.StartS, d.StartS) + math.Min(e.EndS, d.EndS)) / 2
		v := *d.OffsetMs - e.OffsetAt(mid)
		m.OffsetErrMs = &v
	}
	return m
}

// overlap is the length of the intersection of d with [a, b].
func overlap(d Defect, a, b float64) float64 {
	return math.Min(b, d.EndS) - math.Max(a, d.StartS)
}

// inside covers zero-length reports (start == end) lying in [a, b].
func inside(d Defect, a, b float64) bool {
	return d.EndS <= d.StartS && d.StartS >= a && d.StartS <= b
}

func sortedTypes(m map[defect.Type]bool) []defect.Type {
	var out []defect.Type
	for _, t := range defect.Types {
		if m[t] {
			out = append(out, t)
		}
	}
	var extra []defect.Type
	for t := range m {
		if !t.Valid() {
			extra = append(extra, t)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	return append(out, extra...)
}
