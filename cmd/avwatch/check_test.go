package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// avwatchBinary builds the real binary once per test run.
func avwatchBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "avwatch-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "avwatch")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("building avwatch: %v", binErr)
	}
	return binPath
}

// runAvwatch runs the binary with a deadline; a hang fails the test.
func runAvwatch(t *testing.T, deadline time.Duration, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, avwatchBinary(t), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("avwatch %s: still running after %s (a hang)\nstderr: %s", strings.Join(args, " "), deadline, e.String())
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		if !ee.Exited() { // a signal: a crash
			t.Fatalf("avwatch %s: %v\nstderr: %s", strings.Join(args, " "), err, e.String())
		}
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// TestCheckCorruptInputs: every damaged input gives a clear error and exit
// code 2, within a deadline, never a hang or a crash.
func TestCheckCorruptInputs(t *testing.T) {
	want := map[string]string{
		"truncated-ts":            "MPEG-TS is cut off",
		"truncated-mp4":           "MP4 is cut off",
		"truncated-faststart-mp4": "MP4 is cut off",
		"random-bytes":            "Could not determine type of stream",
		"ts-header-then-garbage":  "MPEG-TS is corrupt",
		"mp4-header-then-garbage": "MP4 is cut off",
		"empty":                   "empty file",
		"missing":                 "no such file or directory",
	}
	for _, kind := range testsource.Corruptions {
		path := testsource.Corrupt(t, kind)
		stdout, stderr, code := runAvwatch(t, 30*time.Second, "check", "--json", path)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2\nstdout: %s\nstderr: %s", kind, code, stdout, stderr)
		}
		var rep checkReport
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Errorf("%s: stdout is not one JSON report: %v\n%s", kind, err, stdout)
			continue
		}
		if !strings.Contains(strings.Join(rep.Errors, "; "), want[kind]) || !strings.Contains(stderr, want[kind]) {
			t.Errorf("%s: errors %q (stderr %q), want one containing %q", kind, rep.Errors, stderr, want[kind])
		}
	}
}

// TestCheckReportsAndExitCodes: a clean clip exits 0, a silent one reports
// silence (digital zero) over the whole clip and exits 1, in the documented
// JSON shape; the table names the defect.
func TestCheckReportsAndExitCodes(t *testing.T) {
	clean := testsource.Make(t, testsource.Clip{Video: true, Audio: true, Seconds: 4})
	silent := testsource.Make(t, testsource.Clip{Container: "mp4", Audio: true, Silent: true, Seconds: 4})

	_, stderr, code := runAvwatch(t, 30*time.Second, "check", "--progress=none", clean)
	if code != 0 {
		t.Errorf("clean clip: exit %d\n%s", code, stderr)
	}

	stdout, stderr, code := runAvwatch(t, 30*time.Second, "check", silent, "--json")
	if code != 1 {
		t.Fatalf("silent clip: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"source", "duration_s", "defects"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, stdout)
		}
	}
	var rep checkReport
	json.Unmarshal([]byte(stdout), &rep)
	if rep.DurationS < 3.9 || rep.DurationS > 4.1 {
		t.Errorf("duration_s %v, want 4", rep.DurationS)
	}
	var found bool
	for _, d := range rep.Defects {
		if d.Type == "silence" {
			found = true
			if d.StartS > 0.05 || d.EndS < 3.9 || d.DigitalZero == nil || !*d.DigitalZero || d.Threshold != -60 {
				t.Errorf("silence %+v, want 0..4 s, digital zero, threshold -60", d)
			}
		}
	}
	if !found {
		t.Errorf("no silence reported: %s", stdout)
	}

	stdout, _, code = runAvwatch(t, 30*time.Second, "check", "--progress=none", silent)
	if code != 1 || !strings.Contains(stdout, "silence") || !strings.Contains(stdout, "digital zero") {
		t.Errorf("table (exit %d):\n%s", code, stdout)
	}
}

// TestCheckProgressOnStderr: progress never touches stdout (the report).
func TestCheckProgressOnStderr(t *testing.T) {
	clip := testsource.Make(t, testsource.Clip{Video: true, Audio: true, Seconds: 2})
	stdout, stderr, code := runAvwatch(t, 30*time.Second, "check", "--progress=bar", clip)
	if code != 0 || strings.Contains(stdout, "\r") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestPipelineAndDoctorCommands(t *testing.T) {
	clip := testsource.Make(t, testsource.Clip{Video: true, Audio: true, Seconds: 2})
	stdout, stderr, code := runAvwatch(t, 30*time.Second, "pipeline", clip, "--hwaccel", "software")
	if code != 0 || !strings.HasPrefix(stdout, `filesrc location="`+clip+`" ! decodebin3 name=dec caps="video/x-h264;audio/x-raw(ANY)" dec.video_0 ! h264parse ! avdec_h264`) ||
		!strings.Contains(stdout, "dec.audio_0 ! queue ! audioconvert ! audioqc") || !strings.Contains(stderr, "video decoder: avdec_h264") {
		t.Errorf("pipeline: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if _, stderr, code := runAvwatch(t, 30*time.Second, "pipeline", "ftp://x"); code != 2 || !strings.Contains(stderr, "unsupported scheme") {
		t.Errorf("bad source: exit %d %s", code, stderr)
	}
	stdout, _, _ = runAvwatch(t, 30*time.Second, "doctor")
	for _, want := range []string{"GStreamer 1.", "Hardware decoding:", "nvcodec", "hwaccel auto picks:", "H264  avdec_h264", "H265", "AV1", "VP9", "Audio decoding:\n  AAC   avdec_aac\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, stdout)
		}
	}
	// faad puts AAC one frame early (measured on a GPU box without libav):
	// doctor says so when decodebin3 would take it.
	if exec.Command("gst-inspect-1.0", "--exists", "faad").Run() == nil {
		t.Setenv("GST_PLUGIN_FEATURE_RANK", "faad:MAX")
		stdout, _, _ = runAvwatch(t, 30*time.Second, "doctor")
		if !strings.Contains(stdout, "AAC   faad: A/V offsets and audio windows on AAC streams read ~21 ms early") {
			t.Errorf("doctor with faad first:\n%s", stdout)
		}
	}
}

// TestCheckBackgroundSameReport: analysing at idle priority in the
// decoders' waits reports exactly what analysing at normal priority on the
// decoder's own thread does.
func TestCheckBackgroundSameReport(t *testing.T) {
	clip := testsource.Make(t, testsource.Clip{Video: true, Audio: true, Seconds: 4, Pattern: "black", Silent: true})
	bg, stderr, code := runAvwatch(t, 30*time.Second, "check", "--progress=none", "--json", "--background=on", clip)
	if code != 1 {
		t.Fatalf("background: exit %d, want 1 (black and silent)\n%s%s", code, bg, stderr)
	}
	fg, stderr, code := runAvwatch(t, 30*time.Second, "check", "--progress=none", "--json", "--background=off", clip)
	if code != 1 {
		t.Fatalf("--background=off: exit %d, want 1\n%s%s", code, fg, stderr)
	}
	// The defects, not the stats: av-ts-skew-ms is the last tick's
	// reading, a few ms either way with the threads' timing.
	var b, f checkReport
	if err := json.Unmarshal([]byte(bg), &b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(fg), &f); err != nil {
		t.Fatal(err)
	}
	if len(b.Defects) != 2 || !reflect.DeepEqual(b.Defects, f.Defects) || b.DurationS != f.DurationS {
		t.Errorf("reports differ (want black and silence in both):\nbackground: %s\nforeground: %s", bg, fg)
	}
}

// TestCheckWarnsWhenHardwareUnusable: asking for a hardware profile this box
// cannot use still checks the file (in software) and says so, in the JSON,
// on stderr and in the table; a clean run has no warnings. (CI boxes have
// no Rockchip decoder; a box that has one skips.)
func TestCheckWarnsWhenHardwareUnusable(t *testing.T) {
	if exec.Command("gst-inspect-1.0", "--exists", "mppvideodec").Run() == nil {
		t.Skip("this box has mppvideodec")
	}
	clip := testsource.Make(t, testsource.Clip{Video: true, Seconds: 2})
	stdout, stderr, code := runAvwatch(t, 30*time.Second, "check", "--json", "--progress=none", "--hwaccel=rockchip", clip)
	var rep checkReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s%s", code, err, stdout, stderr)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "hwaccel rockchip") || !strings.Contains(rep.Warnings[0], "decoding in software") {
		t.Errorf("warnings %q, want the one saying rockchip is unusable and software decodes", rep.Warnings)
	}
	if !strings.Contains(stderr, "warning: hwaccel rockchip") {
		t.Errorf("stderr lacks the warning: %q", stderr)
	}
	stdout, _, _ = runAvwatch(t, 30*time.Second, "check", "--progress=none", "--hwaccel=rockchip", clip)
	if !strings.Contains(stdout, "  warning: hwaccel rockchip") {
		t.Errorf("table lacks the warning:\n%s", stdout)
	}
	stdout, _, _ = runAvwatch(t, 30*time.Second, "check", "--json", "--progress=none", clip)
	if strings.Contains(stdout, "warnings") {
		t.Errorf("clean software run warns: %s", stdout)
	}
}

func TestReportWarnCaps(t *testing.T) {
	var r checkReport
	for i := 0; i < maxWarnings+5; i++ {
		r.warn(fmt.Sprintf("w%d", i))
		r.warn("w0") // repeats count once
	}
	if len(r.Warnings) != maxWarnings+1 || r.Warnings[maxWarnings] != "5 more warnings" {
		t.Errorf("warnings %q", r.Warnings)
	}
}

// TestEdgeTime: an edge the runner stamped before the video had started
// (its MediaTime from the audio's first sample alone) is dated again from
// the origin the run settled on; the fallbacks keep their order.
func TestEdgeTime(t *testing.T) {
	s := func(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }
	early := event.Event{Defect: defect.Event{StreamTime: s(3.5), PTS: s(13.5)}, MediaTime: s(2.4), HasMediaTime: true}
	loss := event.Event{Defect: defect.Event{StreamTime: -1, PTS: s(15)}}
	for _, c := range []struct {
		name              string
		ev                event.Event
		firstST, firstPTS float64
		want              float64
	}{
		{"stream time from the settled origin, not the early stamp", early, 1.0, 11.0, 2.5},
		{"PTS where the origin's stream time is unknown", early, -1, 11.0, 2.5},
		{"the runner's stamp without origins", early, -1, -1, 2.4},
		{"signal_loss by PTS", loss, 1.0, 11.0, 4.0},
		{"never before zero", loss, 1.0, 16.0, 0},
	} {
		if got := edgeTime(c.ev, c.firstST, c.firstPTS); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
