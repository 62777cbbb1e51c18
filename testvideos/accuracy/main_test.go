package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/avwatch/avwatch/testvideos"
)

// fakeCheck stands in for `avwatch check --json CLIP`: a perfect black
// detection plus a false one in the decoy, an A/V offset 10 ms off with
// stats, a clean control with one false loudness report, and a clip on
// which the checker fails.
const fakeCheck = `#!/bin/sh
[ "$1" = check ] && [ "$2" = --json ] || { echo "usage" >&2; exit 2; }
case "$(basename "$3")" in
black.ts)
  echo '{"source":"'"$3"'","duration_s":20,"defects":[{"type":"black","start_s":5.0,"end_s":8.04,"duration_s":3.04,"value":16,"threshold":32},{"type":"black","start_s":11,"end_s":12,"duration_s":1,"value":30,"threshold":32}]}'
  exit 1;;
sync.ts)
  echo '{"source":"'"$3"'","duration_s":12,"defects":[{"type":"av_offset","start_s":3,"end_s":12,"duration_s":9,"value":0,"threshold":0,"offset_ms":310}],"stats":{"av-offset-ms":305,"av-confidence":0.93,"av-age-s":2}}'
  exit 1;;
drift.ts)
  echo '{"source":"'"$3"'","duration_s":10,"defects":[],"stats":{"av-offset-ms":80,"av-confidence":0.6,"av-age-s":2}}'
  exit 0;;
control.mp4)
  echo '{"source":"'"$3"'","duration_s":20,"defects":[{"type":"loudness","start_s":1,"end_s":4,"duration_s":3,"value":-17,"threshold":-18}]}'
  exit 1;;
broken.ts)
  echo "broken.ts: not a media file" >&2
  exit 2;;
esac
exit 3
`

var driftEnd = 100.0

func setup(t *testing.T) (dir, bin string) {
	t.Helper()
	dir = t.TempDir()
	decoy := testvideos.Event{Clip: "black.ts", Type: "black", StartS: 10, EndS: 18, Decoy: true, Note: "dark scene"}
	tr := testvideos.Truth{
		Generator: "test",
		Clips: []testvideos.Clip{
			{Clip: "black.ts"}, {Clip: "sync.ts"}, {Clip: "control.mp4", Control: true}, {Clip: "broken.ts"}, {Clip: "drift.ts", DurationS: 10},
		},
		Events: []testvideos.Event{
			{Clip: "black.ts", Type: "black", StartS: 5, EndS: 8},
			decoy,
			{Clip: "sync.ts", Type: "av_offset", StartS: 0, EndS: 12, OffsetMs: 300, StartToleranceS: 5},
			{Clip: "broken.ts", Type: "freeze", StartS: 4, EndS: 7, Note: "frozen"},
			{Clip: "drift.ts", Type: "av_offset", StartS: 0, EndS: 10, OffsetMs: 0, OffsetEndMs: &driftEnd, Optional: true},
		},
	}
	b, _ := json.Marshal(tr)
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(t.TempDir(), "avwatch")
	if err := os.WriteFile(bin, []byte(fakeCheck), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

func TestTextReport(t *testing.T) {
	dir, bin := setup(t)
	var out, errb bytes.Buffer
	if code := run([]string{"-dir", dir, "-avwatch", bin}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	t.Log("\n" + s)
	for _, want := range []string{
		"black.ts",
		"false  black 11.00-12.00 s inside the decoy 10.00-18.00 s (dark scene)",
		"missed freeze 4.00-7.00 s (frozen)",
		"ERROR  ",
		"broken.ts: not a media file",
		"+310.0", // reported offset
		"+305.0", // estimate from stats
		"0.93",   // confidence
		"+5.0",   // estimate error
		"(control clip)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// A drifting offset is compared where the estimate is from: 80 ms,
	// 2 s before the end of 0 → 100 ms over 10 s, is exact.
	rows := 0
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "drift.ts") { // the A/V table's row
			continue
		}
		rows++
		if !strings.Contains(l, "+80.0") || !strings.HasSuffix(strings.TrimSpace(l), "+0.0") {
			t.Errorf("drift row: %q, want estimate +80.0 and error +0.0", l)
		}
	}
	if rows != 1 {
		t.Errorf("%d A/V rows for drift.ts", rows)
	}
}

func TestJSONReport(t *testing.T) {
	dir, bin := setup(t)
	var out, errb bytes.Buffer
	if code := run([]string{"-dir", dir, "-avwatch", bin, "-json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var o Output
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ty := range o.Types {
		b, _ := json.Marshal(ty)
		got[string(ty.Type)] = string(b)
		switch ty.Type {
		case "black":
			if ty.TP != 1 || ty.FP != 1 || ty.DecoyHits != 1 || *ty.Precision != 0.5 || *ty.Recall != 1 {
				t.Errorf("black: %s", b)
			}
			if ty.End.Max < 0.039 || ty.End.Max > 0.041 {
				t.Errorf("black end error %v, want 0.04", ty.End.Max)
			}
		case "av_offset":
			if ty.TP != 1 || ty.Offset == nil || ty.Offset.Max != 10 {
				t.Errorf("av_offset: %s", b)
			}
		case "loudness":
			if ty.ControlFP != 1 || ty.FP != 1 {
				t.Errorf("loudness: %s", b)
			}
		case "freeze":
			if ty.FN != 1 || *ty.Recall != 0 {
				t.Errorf("freeze: %s", b)
			}
		}
	}
	if len(got) != 4 {
		t.Errorf("types %v", got)
	}
	for _, c := range o.Clips {
		if c.Clip == "broken.ts" && !strings.Contains(c.Error, "exited 2") {
			t.Errorf("broken clip error %q", c.Error)
		}
	}
}

func TestNoChecker(t *testing.T) {
	dir, _ := setup(t)
	var out, errb bytes.Buffer
	if code := run([]string{"-dir", dir, "-avwatch", filepath.Join(dir, "nope")}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "make build") {
		t.Fatalf("exit %d, %q", code, errb.String())
	}
	if code := run([]string{"-dir", t.TempDir(), "-avwatch", "/bin/sh"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "make testvideos") {
		t.Fatalf("missing truth: exit %d, %q", code, errb.String())
	}
}
