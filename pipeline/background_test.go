package pipeline

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
)

// schedPolicy reads a thread's scheduling policy from /proc (field 41 of
// stat); ok false once the thread is gone.
func schedPolicy(t *testing.T, tid int) (policy int, ok bool) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
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

func TestBackgroundAudioLowersAudioThreadOnly(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc")
	}
	s, err := StartWith(context.Background(), event.Spec{Name: "bg", Source: "test://", Sync: true},
		Options{StatsInterval: -1, BackgroundAudio: true})
	if err != nil {
		t.Fatal(err)
	}
	r := s.(*stream)
	var tid int
	await(t, "audio thread lowered", 10*time.Second, func() bool { tid = r.backgroundTID(); return tid != 0 })
	if p, ok := schedPolicy(t, tid); !ok || p != schedIdle {
		t.Errorf("audio thread %d: policy %d (present %v), want SCHED_IDLE (%d)", tid, p, ok, schedIdle)
	}
	// Every other thread keeps its policy.
	ents, _ := os.ReadDir("/proc/self/task")
	for _, e := range ents {
		other, _ := strconv.Atoi(e.Name())
		if p, ok := schedPolicy(t, other); ok && other != tid && p == schedIdle {
			c, _ := os.ReadFile("/proc/self/task/" + e.Name() + "/comm")
			t.Errorf("thread %d (%s) is SCHED_IDLE too (lowered: %d, now %d)", other, strings.TrimSpace(string(c)), tid, r.backgroundTID())
		}
	}
	s.Stop()
	// The lowered thread was the task's own and ended with it: no later
	// task can inherit its priority.
	await(t, "lowered thread ends with its pipeline", 5*time.Second, func() bool {
		_, ok := schedPolicy(t, tid)
		return !ok
	})
}

func TestBackgroundAudioLeavesAudioOnlyAlone(t *testing.T) {
	clip := testsource.Make(t, testsource.Clip{Audio: true, Seconds: 2})
	s, err := StartWith(context.Background(), event.Spec{Name: "a", Source: clip},
		Options{StatsInterval: -1, BackgroundAudio: true})
	if err != nil {
		t.Fatal(err)
	}
	collect(t, s, 20*time.Second)
	s.Stop()
	if lowered := s.(*stream).backgroundTID(); lowered != 0 {
		t.Errorf("audio-only pipeline: thread %d lowered; audio is its only work", lowered)
	}
}
