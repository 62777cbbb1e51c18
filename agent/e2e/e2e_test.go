// Package e2e tests the real avwatch binary (GStreamer pipelines, the
// videoqc/audioqc elements, the agent) on generated clips with known
// defects, against a real Mosquitto.
package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/payload"
	"github.com/avwatch/avwatch/agent/schema"
	"github.com/avwatch/avwatch/internal/testbroker"
	"github.com/avwatch/avwatch/internal/testlog"
	"github.com/avwatch/avwatch/testvideos"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// avwatch builds cmd/avwatch once per test process, with the flags `make
// build` uses so the Go build cache is shared.
func avwatch(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "avwatch-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "avwatch")
		out, err := exec.Command("go", "build", "-trimpath", "-o", binary, "github.com/avwatch/avwatch/cmd/avwatch").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/avwatch: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// The bar: the real agent on test clips — every injected defect arrives on
// <stream>/alerts as a start and an end with the right type and media
// times, the retained defects/<type> reflects the state, the snapshot is a
// JPEG; killing the agent makes the broker publish its Last Will.
//
// The broker is down while the clips play (they decode faster than real
// time), so every alert goes through the outbox and arrives only once the
// broker is back: real pipelines, real binary, an outage.
func TestAgentOnClips(t *testing.T) {
	clips := testvideos.Dir(t)
	truth, err := testvideos.Load(clips)
	if err != nil {
		t.Fatal(err)
	}
	bin := avwatch(t)
	b := testbroker.Start(t, testbroker.Options{Persistence: true})
	url := b.URL()
	dev := fmt.Sprintf("e2e%d", time.Now().UnixNano()%1e9)
	sub := testbroker.Subscribe(t, url, "avwatch/"+dev+"/#")
	b.Stop()

	streams := map[string]string{"black": "black.ts", "freeze": "freeze.mp4", "silence": "silence.ts"}
	dir := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "device: %s\nmqtt:\n  broker: %s\n  reconnect_max: 500ms\noutbox:\n  dir: %s/outbox\nstreams:\n", dev, url, dir)
	for name, clip := range streams {
		fmt.Fprintf(&cfg, "  - name: %s\n    source: %s\n    sync: false\n", name, filepath.Join(clips, clip))
	}
	path := filepath.Join(dir, "avwatch.yaml")
	os.WriteFile(path, []byte(cfg.String()), 0o600)

	cmd := exec.Command(bin, "run", "-c", path)
	log := &testlog.Buf{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })

	// Each file plays to its end (the stream then stops: restart on-failure)
	// while the agent cannot reach the broker.
	log.Exited = exited
	log.Await(t, `msg="end of stream"`, len(streams), 3*time.Minute)
	log.Await(t, "mqtt: cannot connect; retrying", 1, 3*time.Minute)
	if countAlerts(sub.Messages()) != 0 {
		t.Fatal("alerts arrived while the broker was down?")
	}
	b.Restart()
	// The retained status is the latest value, published at once; the
	// alerts come from the outbox in order behind it, so the wait is for
	// both: every stream stopped and as many end alerts as the truth has
	// windows (which ones, and when, is checked below).
	wantEnds := map[string]int{}
	for name, clip := range streams {
		for _, ev := range truth.Events {
			if ev.Clip == clip && !ev.Decoy && !ev.Optional {
				wantEnds[name]++
			}
		}
	}
	sub.WaitFor("every stream to reach the end of its file and its alerts to arrive", 3*time.Minute, func(m []testbroker.Message) bool {
		select {
		case <-exited:
			t.Fatalf("agent exited:\n%s", log.String())
		default:
		}
		for name := range streams {
			var st payload.StreamStatus
			l, ok := sub.Last("avwatch/" + dev + "/" + name + "/status")
			if !ok || json.Unmarshal(l.Payload, &st) != nil || st.State != "stopped" {
				return false
			}
		}
		ends := map[string]int{}
		for _, msg := range m {
			var a payload.Alert
			if strings.HasSuffix(msg.Topic, "/alerts") && json.Unmarshal(msg.Payload, &a) == nil && a.Event == "end" {
				ends[a.Stream]++
			}
		}
		for name, n := range wantEnds {
			if ends[name] < n {
				return false
			}
		}
		return true
	})

	var alerts []payload.Alert
	for _, m := range sub.Messages() {
		if strings.HasSuffix(m.Topic, "/alerts") {
			var a payload.Alert
			if err := json.Unmarshal(m.Payload, &a); err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(schema.Alert, m.Payload); err != nil {
				t.Error(err)
			}
			alerts = append(alerts, a)
		}
	}
	byID := map[string]payload.Alert{}
	for _, a := range alerts {
		byID[a.ID] = a
	}
	const tol = 0.25 // s; detector timing is judged by the accuracy tests
	for name, clip := range streams {
		for _, ev := range truth.Events {
			if ev.Clip != clip || ev.Decoy || ev.Optional {
				continue
			}
			var start, end *payload.Alert
			for i, a := range alerts {
				if a.Stream == name && a.Type == ev.Type && a.Event == "start" && math.Abs(a.MediaTimeS-ev.StartS) <= tol {
					start = &alerts[i]
				}
			}
			if start == nil {
				t.Errorf("%s: no %s start near %.2f s; alerts: %s", clip, ev.Type, ev.StartS, summary(alerts, name))
				continue
			}
			for i, a := range alerts {
				if a.Event == "end" && a.StartID == start.ID {
					end = &alerts[i]
				}
			}
			if end == nil || math.Abs(end.MediaTimeS-ev.EndS) > tol+ev.EndToleranceS || end.DurationS == nil || end.ClosedBy != "" {
				t.Errorf("%s: %s %.2f-%.2f s: start %.3f s but end %+v", clip, ev.Type, ev.StartS, ev.EndS, start.MediaTimeS, end)
				continue
			}
			// Retained: a dashboard connecting now sees the window closed.
			late := testbroker.Subscribe(t, url, "avwatch/"+dev+"/"+name+"/defects/"+string(ev.Type))
			got := late.WaitFor("retained "+string(ev.Type)+" state", 5*time.Second, func(m []testbroker.Message) bool { return len(m) > 0 })
			var st payload.DefectState
			json.Unmarshal(got[0].Payload, &st)
			if !got[0].Retained || st.Active || st.Type != ev.Type {
				t.Errorf("%s: retained defects/%s = %s (retained %v), want inactive", name, ev.Type, got[0].Payload, got[0].Retained)
			}
			t.Logf("%-8s %-8s truth %5.2f-%5.2f s  alert %6.3f-%6.3f s", name, ev.Type, ev.StartS, ev.EndS, start.MediaTimeS, end.MediaTimeS)
		}
	}
	// Nothing reported inside a decoy window of its type.
	for name, clip := range streams {
		for _, ev := range truth.Events {
			if ev.Clip != clip || !ev.Decoy {
				continue
			}
			for _, a := range alerts {
				if a.Stream == name && a.Type == ev.Type && a.Event == "start" && a.MediaTimeS >= ev.StartS && a.MediaTimeS < ev.EndS {
					t.Errorf("%s: %s alert at %.2f s inside the decoy window %.2f-%.2f s", clip, ev.Type, a.MediaTimeS, ev.StartS, ev.EndS)
				}
			}
		}
	}
	for _, name := range []string{"black", "freeze"} {
		m, ok := sub.Last("avwatch/" + dev + "/" + name + "/snapshot")
		if !ok {
			t.Errorf("%s: no snapshot", name)
			continue
		}
		img, err := jpeg.Decode(bytes.NewReader(m.Payload))
		if err != nil {
			t.Errorf("%s: snapshot is not a JPEG: %v", name, err)
			continue
		}
		t.Logf("%s snapshot: %v JPEG, %d bytes", name, img.Bounds().Size(), len(m.Payload))
	}

	// kill -9: the broker tells everyone with the Last Will.
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	sub.WaitFor("Last Will offline", 10*time.Second, func([]testbroker.Message) bool {
		l, _ := sub.Last("avwatch/" + dev + "/status")
		return string(l.Payload) == "offline"
	})
}

func countAlerts(msgs []testbroker.Message) int {
	n := 0
	for _, m := range msgs {
		if strings.HasSuffix(m.Topic, "/alerts") {
			n++
		}
	}
	return n
}

func summary(alerts []payload.Alert, stream string) string {
	var b strings.Builder
	for _, a := range alerts {
		if a.Stream == stream {
			fmt.Fprintf(&b, "\n  %s %s %.3f", a.Type, a.Event, a.MediaTimeS)
		}
	}
	return b.String()
}

// avwatch run --validate: the example config is valid; a bad one exits 78
// with the line, the key path and the fix; a pipeline error is placed at
// the stream's line.
func TestRunValidate(t *testing.T) {
	bin := avwatch(t)
	out, err := exec.Command(bin, "run", "--validate", "-c", "../../systemd/avwatch.yaml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "avwatch.yaml: valid; device ") {
		t.Fatalf("example config: %v\n%s", err, out)
	}
	dir := t.TempDir()
	for _, tc := range []struct{ cfg, want string }{
		{"streams:\n  - name: a\n    source: rtsp://cam/1\n    hwaccel: cuda\n",
			`config line 4: stream "a": hwaccel: "cuda" is not supported; use one of auto, nvidia, jetson, vaapi, v4l2, rockchip, software`},
		{"streams:\n  - name: a\n    pipeline: videotestsrc ! fakesink\n",
			`config line 3: stream "a": pipeline: `},
	} {
		path := filepath.Join(dir, "c.yaml")
		os.WriteFile(path, []byte(tc.cfg), 0o600)
		out, err := exec.Command(bin, "run", "--validate", "-c", path).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 78 || !strings.Contains(string(out), path+": "+tc.want) {
			t.Errorf("%q: exit %v\n%s", tc.cfg, err, out)
		}
		t.Logf("%s", strings.TrimSpace(string(out)))
	}
}
