package pipeline

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/procs"
	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
)

// schedPolicy reads a thread's scheduling policy from /proc (field 41 of
// stat); ok false once the thread is gone.
func schedPolicy(t *testing.T, tid int) (policy int, ok bool) {
	t.Helper()
	f, err := procs.StatFields("/proc/self/task/" + strconv.Itoa(tid) + "/stat")
	if err != nil {
		return 0, false
	}
	p, err := strconv.Atoi(f[41-3])
	if err != nil {
		t.Fatalf("stat of thread %d: %v", tid, err)
	}
	return p, true
}

// await polls cond (a state of another thread, no event to wait on) until
// it holds or the deadline passes.
func await(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: not within %s", what, d)
		}
	}
}

const schedIdle = 5

func TestBackgroundLowersAnalyserThreads(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc")
	}
	s, err := StartWith(context.Background(), event.Spec{Name: "bg", Source: "test://", Sync: true},
		Options{StatsInterval: -1, Background: true})
	if err != nil {
		t.Fatal(err)
	}
	r := s.(*stream)
	var tids [2]int
	await(t, "analyser threads lowered", 10*time.Second, func() bool {
		tids = r.backgroundTIDs()
		return tids[0] != 0 && tids[1] != 0
	})
	if tids[0] == tids[1] {
		t.Fatalf("video and audio analysis on one thread (%d)", tids[0])
	}
	for k, tid := range tids {
		if p, ok := schedPolicy(t, tid); !ok || p != schedIdle {
			t.Errorf("analyser thread %d (kind %d): policy %d (present %v), want SCHED_IDLE (%d)", tid, k, p, ok, schedIdle)
		}
	}
	// Every other thread keeps its policy (the decoders', Go's own).
	ents, _ := os.ReadDir("/proc/self/task")
	for _, e := range ents {
		other, _ := strconv.Atoi(e.Name())
		if p, ok := schedPolicy(t, other); ok && other != tids[0] && other != tids[1] && p == schedIdle {
			c, _ := os.ReadFile("/proc/self/task/" + e.Name() + "/comm")
			t.Errorf("thread %d (%s) is SCHED_IDLE too (lowered: %v)", other, strings.TrimSpace(string(c)), tids)
		}
	}
	s.Stop()
	// The lowered threads were their tasks' own and ended with them: no
	// later task can inherit their priority.
	for _, tid := range tids {
		await(t, "lowered thread ends with its pipeline", 5*time.Second, func() bool {
			_, ok := schedPolicy(t, tid)
			return !ok
		})
	}
}

// Only a thread that runs nothing but the analysis is lowered: videoqc
// on the thread that feeds it (no queue) keeps its priority, and so does
// audio where it is all the work.
func TestBackgroundLeavesWorkingThreadsAlone(t *testing.T) {
	for _, c := range []struct {
		name string
		spec event.Spec
	}{
		{"audio only", event.Spec{Source: testsource.Make(t, testsource.Clip{Audio: true, Seconds: 2})}},
		{"video without queue", event.Spec{Pipeline: "videotestsrc num-buffers=50 ! videoqc ! fakesink"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.spec.Name = "bg"
			s, err := StartWith(context.Background(), c.spec, Options{StatsInterval: -1, Background: true})
			if err != nil {
				t.Fatal(err)
			}
			evs := collect(t, s, 20*time.Second)
			s.Stop()
			if !slices.ContainsFunc(evs, func(e event.Event) bool { return e.Kind == event.KindEOS }) {
				t.Fatalf("no EOS: %v", kinds(evs))
			}
			if lowered := s.(*stream).backgroundTIDs(); lowered != [2]int{} {
				t.Errorf("threads lowered (video, audio): %v; they do the stream's work", lowered)
			}
		})
	}
}
