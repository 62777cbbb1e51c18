package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
	"github.com/avwatch/avwatch/pipeline/launch"
)

// collect reads a stream's events until it closes or the deadline passes.
func collect(t *testing.T, s event.Stream, deadline time.Duration) []event.Event {
	t.Helper()
	var out []event.Event
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return out
			}
			out = append(out, ev)
		case <-timer.C:
			t.Fatalf("stream did not end within %s; events so far: %v", deadline, kinds(out))
		}
	}
}

func kinds(evs []event.Event) []string {
	var out []string
	for _, e := range evs {
		s := e.Kind.String()
		switch e.Kind {
		case event.KindState:
			s += ":" + string(e.State)
		case event.KindDecoder:
			s += ":" + e.Decoder
		case event.KindError, event.KindWarning:
			s += ":" + e.Message
		case event.KindDefect:
			s += ":" + string(e.Defect.Type) + "/" + string(e.Defect.Edge)
		}
		out = append(out, s)
	}
	return out
}

func TestFileRunsToEOS(t *testing.T) {
	clip := testsource.Make(t, testsource.Clip{Video: true, Audio: true, Seconds: 2})
	s, err := StartWith(context.Background(), event.Spec{Name: "t", Source: clip}, Options{StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, s, 20*time.Second)
	s.Stop()
	t.Log(kinds(evs))
	if n := LivePipelines(); n != 0 {
		t.Errorf("%d pipelines left", n)
	}
}

func TestProbeFiles(t *testing.T) {
	cases := []struct {
		clip testsource.Clip
		want launch.Media
	}{
		{testsource.Clip{Video: true, Audio: true}, launch.Media{Video: true, Audio: true, Codec: launch.H264}},
		{testsource.Clip{Container: "mp4", Video: true, Audio: true}, launch.Media{Video: true, Audio: true, Codec: launch.H264}},
		{testsource.Clip{Container: "mp4", Video: true}, launch.Media{Video: true, Codec: launch.H264}},
		{testsource.Clip{Container: "mp4", Audio: true}, launch.Media{Audio: true}},
		{testsource.Clip{Video: true, Codec: "h265"}, launch.Media{Video: true, Codec: launch.H265}},
		{testsource.Clip{Container: "mkv", Video: true, Audio: true}, launch.Media{Video: true, Audio: true, Codec: launch.H264}},
	}
	for _, c := range cases {
		src, err := launch.ParseSource(testsource.Make(t, c.clip))
		if err != nil {
			t.Fatal(err)
		}
		m, err := probeMedia(context.Background(), src, 5*time.Second, 50*time.Millisecond, nil)
		if err != nil || m != c.want {
			t.Errorf("%+v: got %+v, %v; want %+v", c.clip, m, err, c.want)
		}
	}
}

// TestCorruptInputs: every damaged input ends with a clear error, within a
// deadline, and leaks nothing. Three rounds: GStreamer's failures on damaged
// input are racy (lost errors, teardown deadlocks), a single pass proves
// little.
func TestCorruptInputs(t *testing.T) {
	for round := 0; round < 3; round++ {
		corruptRound(t, round == 0)
	}
	if n := LivePipelines(); n != 0 || AbandonedPipelines() != 0 {
		t.Errorf("%d pipelines left, %d abandoned", n, AbandonedPipelines())
	}
}

func corruptRound(t *testing.T, log bool) {
	for _, kind := range testsource.Corruptions {
		path := testsource.Corrupt(t, kind)
		s, err := StartWith(context.Background(), event.Spec{Name: kind, Source: path}, Options{Once: true, StatsInterval: -1})
		if err != nil {
			if log {
				t.Logf("%-24s start: %v", kind, err)
			}
			continue
		}
		evs := collect(t, s, 15*time.Second)
		s.Stop()
		var errs []string
		for _, e := range evs {
			if e.Kind == event.KindError {
				errs = append(errs, e.Message)
			}
		}
		last := evs[len(evs)-1]
		if len(errs) == 0 || last.Kind != event.KindState || last.State != event.Down {
			t.Errorf("%s: want an error and state down, got %v", kind, kinds(evs))
		}
		if log {
			t.Logf("%-24s %q", kind, errs)
		}
	}
}

// TestLoopRestartsFile: a looping file plays again at EOS until stopped.
func TestLoopRestartsFile(t *testing.T) {
	clip := testsource.Make(t, testsource.Clip{Video: true, Audio: true, Seconds: 1})
	s, err := StartWith(context.Background(), event.Spec{Name: "loop", Source: clip, Loop: true}, Options{StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		waitFor(t, s, "playing", 10*time.Second, isState(event.Playing))
	}
	s.Stop()
	if n := LivePipelines(); n != 0 {
		t.Errorf("%d pipelines left", n)
	}
}
