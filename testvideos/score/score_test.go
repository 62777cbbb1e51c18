package score

import (
	"math"
	"testing"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/testvideos"
)

func ev(typ defect.Type, a, b float64) testvideos.Event {
	return testvideos.Event{Clip: "c", Type: typ, StartS: a, EndS: b}
}

func det(typ defect.Type, a, b float64) Defect { return Defect{Type: typ, StartS: a, EndS: b} }

func ptr(v float64) *float64 { return &v }

var clip = testvideos.Clip{Clip: "c"}

func TestPerfectDetection(t *testing.T) {
	truth := []testvideos.Event{ev(defect.Black, 5, 8), ev(defect.Silence, 4, 7)}
	r := ScoreClip(clip, truth, Report{Defects: []Defect{det(defect.Black, 5, 8), det(defect.Silence, 4.02, 6.9)}})
	if len(r.TP) != 2 || len(r.FP) != 0 || len(r.FN) != 0 {
		t.Fatalf("tp %d fp %d fn %d", len(r.TP), len(r.FP), len(r.FN))
	}
	s := Summarize([]Clip{r})
	for _, ty := range s {
		if *ty.Precision != 1 || *ty.Recall != 1 {
			t.Errorf("%s: precision %v recall %v", ty.Type, *ty.Precision, *ty.Recall)
		}
	}
	sil := s[1]
	if sil.Type != defect.Silence || math.Abs(sil.Start.Max-0.02) > 1e-9 || math.Abs(sil.End.Max-0.1) > 1e-9 {
		t.Errorf("silence timing: %+v %+v", sil.Start, sil.End)
	}
}

func TestMissFalsePositiveAndTypeMustMatch(t *testing.T) {
	truth := []testvideos.Event{ev(defect.Black, 5, 8)}
	// A freeze over the black window is not a black detection.
	r := ScoreClip(clip, truth, Report{Defects: []Defect{det(defect.Freeze, 5, 8), det(defect.Black, 12, 13)}})
	if len(r.TP) != 0 || len(r.FN) != 1 || len(r.FP) != 2 {
		t.Fatalf("tp %d fn %d fp %d", len(r.TP), len(r.FN), len(r.FP))
	}
	s := Summarize([]Clip{r})
	if s[0].Type != defect.Black || *s[0].Precision != 0 || *s[0].Recall != 0 {
		t.Errorf("black: %+v", s[0])
	}
	if s[1].Type != defect.Freeze || s[1].Recall != nil || *s[1].Precision != 0 {
		t.Errorf("freeze: recall must be undefined with nothing to find: %+v", s[1])
	}
}

func TestOneToOne(t *testing.T) {
	// Two reports of one window (a detector that split it) are one hit and
	// one false positive, and the better-overlapping report is the hit.
	truth := []testvideos.Event{ev(defect.Freeze, 4, 7)}
	r := ScoreClip(clip, truth, Report{Defects: []Defect{det(defect.Freeze, 4, 4.5), det(defect.Freeze, 4.6, 7)}})
	if len(r.TP) != 1 || len(r.FP) != 1 || r.TP[0].Found.StartS != 4.6 {
		t.Fatalf("tp %+v fp %+v", r.TP, r.FP)
	}
	// Two windows, two reports: each finds its own.
	truth = []testvideos.Event{ev(defect.Blockiness, 4.56, 6), ev(defect.Blockiness, 10, 12)}
	r = ScoreClip(clip, truth, Report{Defects: []Defect{det(defect.Blockiness, 10.1, 12), det(defect.Blockiness, 4.6, 5.9)}})
	if len(r.TP) != 2 || len(r.FP) != 0 || r.TP[0].Truth.StartS != 4.56 || r.TP[0].Found.StartS != 4.6 {
		t.Fatalf("tp %+v fp %+v", r.TP, r.FP)
	}
}

func TestDecoyAndControl(t *testing.T) {
	decoy := ev(defect.Black, 10, 18)
	decoy.Decoy = true
	truth := []testvideos.Event{ev(defect.Black, 5, 8), decoy}
	r := ScoreClip(clip, truth, Report{Defects: []Defect{det(defect.Black, 5, 8), det(defect.Black, 11, 12)}})
	if len(r.TP) != 1 || len(r.FP) != 1 || len(r.DecoyHits) != 1 {
		t.Fatalf("tp %d fp %d decoy %d", len(r.TP), len(r.FP), len(r.DecoyHits))
	}
	ctl := ScoreClip(testvideos.Clip{Clip: "control", Control: true}, nil, Report{Defects: []Defect{det(defect.Loudness, 1, 4)}})
	s := Summarize([]Clip{r, ctl})
	for _, ty := range s {
		switch ty.Type {
		case defect.Black:
			if ty.DecoyHits != 1 || ty.FP != 1 || *ty.Precision != 0.5 {
				t.Errorf("black: %+v", ty)
			}
		case defect.Loudness:
			if ty.ControlFP != 1 || ty.FP != 1 {
				t.Errorf("loudness: %+v", ty)
			}
		}
	}
}

func TestOptionalIsNeutral(t *testing.T) {
	opt := ev(defect.Loudness, 4, 7)
	opt.Optional = true
	truth := []testvideos.Event{ev(defect.Silence, 4, 7), opt}
	// Reported: counted as optional, not FP.
	r := ScoreClip(clip, truth, Report{Defects: []Defect{det(defect.Silence, 4, 7), det(defect.Loudness, 3.5, 8)}})
	if len(r.FP) != 0 || len(r.Optional) != 1 || len(r.FN) != 0 {
		t.Fatalf("fp %d optional %d fn %d", len(r.FP), len(r.Optional), len(r.FN))
	}
	// Not reported: not a miss.
	r = ScoreClip(clip, truth, Report{Defects: []Defect{det(defect.Silence, 4, 7)}})
	if len(r.FN) != 0 {
		t.Fatalf("optional event counted as missed")
	}
}

func TestTolerances(t *testing.T) {
	e := ev(defect.Blockiness, 4.56, 6)
	e.EndToleranceS = 0.5
	r := ScoreClip(clip, []testvideos.Event{e}, Report{Defects: []Defect{det(defect.Blockiness, 4.6, 5.3)}})
	m := r.TP[0]
	if math.Abs(m.EndErrS+0.7) > 1e-9 || math.Abs(m.EndExcessS-0.2) > 1e-9 || math.Abs(m.StartExcessS-0.04) > 1e-9 {
		t.Fatalf("errors %+v", m)
	}
	// A report just after the window still matches through the tolerance.
	w := ev(defect.Loudness, 10, 22)
	w.EndToleranceS = 3
	r = ScoreClip(clip, []testvideos.Event{w}, Report{Defects: []Defect{det(defect.Loudness, 23, 24)}})
	if len(r.TP) != 1 {
		t.Fatalf("report within end tolerance did not match")
	}
}

func TestAVOffsetError(t *testing.T) {
	whole := ev(defect.AVOffset, 0, 12)
	whole.OffsetMs, whole.StartToleranceS = 300, 5
	d := det(defect.AVOffset, 3, 12)
	d.OffsetMs = ptr(310)
	r := ScoreClip(clip, []testvideos.Event{whole}, Report{Defects: []Defect{d}})
	if got := *r.TP[0].OffsetErrMs; math.Abs(got-10) > 1e-9 || r.TP[0].StartExcessS != 0 {
		t.Fatalf("offset error %v, start excess %v", got, r.TP[0].StartExcessS)
	}
	// Drift 0 → 250 ms over 60 s: a report over 44-60 s is judged against
	// the true offset in the middle of the overlap (52 s → 216.7 ms).
	drift := ev(defect.AVOffset, 0, 60)
	drift.OffsetEndMs, drift.StartToleranceS = ptr(250), 60
	d = det(defect.AVOffset, 44, 60)
	d.OffsetMs = ptr(220)
	r = ScoreClip(clip, []testvideos.Event{drift}, Report{Defects: []Defect{d}})
	if got := *r.TP[0].OffsetErrMs; math.Abs(got-(220-250*52.0/60)) > 1e-9 {
		t.Fatalf("drift offset error %v", got)
	}
	s := Summarize([]Clip{r})
	if s[0].Offset == nil || s[0].Offset.N != 1 {
		t.Fatalf("offset stat %+v", s[0].Offset)
	}
	// A 0 ms clip: any av_offset report is a decoy hit.
	zero := ev(defect.AVOffset, 0, 16)
	zero.Decoy = true
	d = det(defect.AVOffset, 6, 16)
	d.OffsetMs = ptr(120)
	r = ScoreClip(clip, []testvideos.Event{zero}, Report{Defects: []Defect{d}})
	if len(r.DecoyHits) != 1 {
		t.Fatal("av_offset on an in-sync clip not a decoy hit")
	}
}

func TestInstantReport(t *testing.T) {
	// A zero-length report (start == end) inside the window still matches.
	r := ScoreClip(clip, []testvideos.Event{ev(defect.TruePeak, 4, 6)}, Report{Defects: []Defect{det(defect.TruePeak, 4.5, 4.5)}})
	if len(r.TP) != 1 {
		t.Fatal("instant report inside the window did not match")
	}
}

func TestParseReport(t *testing.T) {
	b := []byte(`{"source":"/x/black.ts","duration_s":20,"decoder":"avdec_h264","defects":[` +
		`{"type":"black","start_s":5.0,"end_s":8.0,"duration_s":3,"value":16,"threshold":32},` +
		`{"type":"av_offset","start_s":3,"end_s":12,"duration_s":9,"value":0,"threshold":0,"offset_ms":-201.5}],` +
		`"stats":{"av-offset-ms":-201.5,"av-confidence":0.9}}` + "\n")
	r, err := ParseReport(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Defects) != 2 || r.Defects[1].OffsetMs == nil || *r.Defects[1].OffsetMs != -201.5 || r.Stats["av-confidence"] != 0.9 {
		t.Fatalf("%+v", r)
	}
	if _, err := ParseReport([]byte("not json")); err == nil {
		t.Fatal("garbage parsed")
	}
}

func FuzzScoreClip(f *testing.F) {
	f.Add(5.0, 8.0, 4.0, 9.0, 0.5)
	f.Fuzz(func(t *testing.T, a, b, c, d, tol float64) {
		for _, v := range []float64{a, b, c, d, tol} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return
			}
		}
		e := ev(defect.Black, a, b)
		e.EndToleranceS = math.Abs(tol)
		r := ScoreClip(clip, []testvideos.Event{e}, Report{Defects: []Defect{det(defect.Black, c, d)}})
		if len(r.TP)+len(r.FN) != 1 || len(r.TP)+len(r.FP) != 1 {
			t.Fatalf("counts do not add up: %+v", r)
		}
	})
}
