package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
)

// waitFor reads events until one matches, failing after timeout.
func waitFor(t *testing.T, s event.Stream, what string, timeout time.Duration, match func(event.Event) bool) event.Event {
	t.Helper()
	deadline := time.After(timeout)
	var seen []event.Event
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("stream closed while waiting for %s; events: %v", what, kinds(seen))
			}
			seen = append(seen, ev)
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s within %s; events: %v", what, timeout, kinds(seen))
		}
	}
}

func isState(s event.State) func(event.Event) bool {
	return func(e event.Event) bool { return e.Kind == event.KindState && e.State == s }
}

func isLoss(edge defect.Edge) func(event.Event) bool {
	return func(e event.Event) bool {
		return e.Kind == event.KindDefect && e.Defect.Type == defect.SignalLoss && e.Defect.Edge == edge
	}
}

// liveOpts are short timings so a kill/restart cycle takes seconds.
var liveOpts = Options{BackoffMin: 250 * time.Millisecond, BackoffMax: time.Second, ProbeTimeout: 3 * time.Second, StatsInterval: 250 * time.Millisecond}

const liveStall = time.Second

// checkKillRestart kills the source, expects signal_loss to start within
// StallTimeout + 1 s, restarts it and expects signal_loss to end within the
// maximum backoff plus the time a fresh connection needs to deliver a
// decoded frame (probe, keyframe interval 1 s).
func checkKillRestart(t *testing.T, src *testsource.Proc, s event.Stream) {
	t.Helper()
	waitFor(t, s, "playing", 15*time.Second, isState(event.Playing))
	// Both branches carry data: the source has audio and video.
	waitFor(t, s, "video and audio flowing", 5*time.Second, func(e event.Event) bool {
		if e.Kind == event.KindStats {
			t.Log(e.Stats)
		}
		return e.Kind == event.KindStats && e.Element == "pipeline" && e.Stats["video_frames"] > 0 && e.Stats["audio_buffers"] > 0
	})
	killed := time.Now()
	src.Kill()
	ev := waitFor(t, s, "signal_loss start", liveStall+3*time.Second, isLoss(defect.Start))
	startAfter := ev.Wall.Sub(killed)
	if startAfter > liveStall+time.Second {
		t.Errorf("signal_loss started %s after the kill, want ≤ %s", startAfter, liveStall+time.Second)
	}
	// Let it try and fail to reconnect at least once.
	waitFor(t, s, "reconnecting", 10*time.Second, isState(event.Reconnecting))
	restarted := time.Now()
	src.Start()
	ev = waitFor(t, s, "signal_loss end", 15*time.Second, isLoss(defect.End))
	limit := liveOpts.BackoffMax + 3*time.Second
	if d := ev.Wall.Sub(restarted); d > limit {
		t.Errorf("signal_loss ended %s after the restart, want ≤ %s", d, limit)
	}
	if ev.Defect.Duration < liveStall {
		t.Errorf("signal_loss duration %s", ev.Defect.Duration)
	}
	t.Logf("signal_loss: start %s after the kill, end %s after the restart", startAfter.Round(time.Millisecond), ev.Wall.Sub(restarted).Round(time.Millisecond))
}

// checkNoLeaks waits for the package's goroutines (runner loops, teardown
// helpers) to be gone and no pipeline to be alive. Goroutines of the test
// helpers (a restarted sender's reader) do not count. goroutines is unused
// but kept for callers that count the total.
func checkNoLeaks(t *testing.T, goroutines int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for LivePipelines() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := LivePipelines(); n != 0 {
		t.Errorf("%d pipelines still alive after Stop", n)
	}
	var left []string
	for time.Now().Before(deadline) {
		if left = ownGoroutines(); len(left) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%d goroutines of the pipeline package left after Stop:\n%s", len(left), strings.Join(left, "\n\n"))
}

// ownGoroutines returns the stacks of goroutines running this package's
// non-test code.
func ownGoroutines() []string {
	buf := make([]byte, 1<<20)
	var out []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "avwatch/avwatch/pipeline.") && !strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	return out
}

func TestUDPSignalLossAndRestart(t *testing.T) {
	port := testsource.FreeUDPPort(t)
	src := testsource.UDPSender(t, port)
	g := runtime.NumGoroutine()
	s, err := StartWith(context.Background(), event.Spec{Name: "udp", Source: fmt.Sprintf("udp://127.0.0.1:%d", port), Sync: true, StallTimeout: liveStall}, liveOpts)
	if err != nil {
		t.Fatal(err)
	}
	checkKillRestart(t, src, s)
	s.Stop()
	checkNoLeaks(t, g)
}

func TestRTSPSignalLossAndRestart(t *testing.T) {
	port := testsource.FreeTCPPort(t)
	src := testsource.RTSPServer(t, port, true)
	g := runtime.NumGoroutine()
	s, err := StartWith(context.Background(), event.Spec{Name: "rtsp", Source: fmt.Sprintf("rtsp://127.0.0.1:%d/live", port), Sync: true, StallTimeout: liveStall}, liveOpts)
	if err != nil {
		t.Fatal(err)
	}
	checkKillRestart(t, src, s)
	s.Stop()
	checkNoLeaks(t, g)
}

// playsBoth runs a source with Once until its end or the deadline and
// checks both streams were decoded.
func playsBoth(t *testing.T, src string, minFrames float64, stopAfter time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stopAfter)
	defer cancel()
	s, err := StartWith(ctx, event.Spec{Name: "t", Source: src}, Options{Once: true, StatsInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, s, stopAfter+10*time.Second)
	s.Stop()
	var frames, audio float64
	for _, e := range evs {
		if e.Kind == event.KindError {
			t.Errorf("%s: error: %s", src, e.Message)
		}
		if e.Kind == event.KindStats && e.Element == "pipeline" {
			frames, audio = e.Stats["video_frames"], e.Stats["audio_buffers"]
		}
	}
	if frames < minFrames || audio == 0 {
		t.Errorf("%s: video frames %v (want ≥ %v), audio buffers %v, events %v", src, frames, minFrames, audio, kinds(evs))
	}
}

// TestHLS runs a VOD HLS playlist over HTTP: both streams, to the end.
func TestHLS(t *testing.T) {
	url := testsource.HLS(t, testsource.Make(t, testsource.Clip{Video: true, Audio: true, Seconds: 4}), 4)
	playsBoth(t, url, 90, 30*time.Second)
}

// TestHTTPProgressive plays an MP4 served over HTTP.
func TestHTTPProgressive(t *testing.T) {
	url := testsource.HTTP(t, testsource.Make(t, testsource.Clip{Container: "mp4", Video: true, Audio: true, Seconds: 2}))
	playsBoth(t, url, 50, 30*time.Second)
}

// TestSRT plays a live SRT feed (caller to a listener) for two seconds.
func TestSRT(t *testing.T) {
	port := testsource.FreeUDPPort(t)
	testsource.SRTListener(t, port)
	playsBoth(t, fmt.Sprintf("srt://127.0.0.1:%d?mode=caller", port), 10, 3*time.Second)
}
