package procs

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The runtime's first thread (the monitor) ends up at nice 19, and only it.
func TestQuietMonitor(t *testing.T) {
	if os.Getenv("AVWATCH_SYSMON") == "normal" {
		t.Skip("AVWATCH_SYSMON=normal")
	}
	if !QuietMonitor() {
		t.Fatal("QuietMonitor changed nothing")
	}
	tids := otherThreads()
	if len(tids) == 0 {
		t.Fatal("no threads besides the main one in /proc/self/task")
	}
	pid := os.Getpid()
	first := slices.Min(tids)
	base, ok := niceOf(pid) // the process's own (nice make test)
	if !ok {
		t.Fatal("cannot read the main thread's nice value")
	}
	for _, tid := range tids {
		nice, ok := niceOf(tid)
		if !ok {
			continue // the thread exited
		}
		want := base
		if tid == first {
			want = 19
		}
		if nice != want {
			t.Errorf("thread %d (first: %v): nice %d, want %d", tid, tid == first, nice, want)
		}
	}
	// The slack is set where the process may set another thread's: as
	// root (the capability is what the kernel checks).
	if os.Geteuid() == 0 {
		if got := slackOf(first); got != monitorSlack.Nanoseconds() {
			t.Errorf("monitor thread %d: timer slack %d ns, want %d", first, got, monitorSlack.Nanoseconds())
		}
		if other := slices.Max(tids); other != first {
			if got := slackOf(other); got == monitorSlack.Nanoseconds() {
				t.Errorf("thread %d (not the monitor) got the monitor's slack too", other)
			}
		}
	}
}

// slackOf reads a thread's timer slack in ns (-1: unreadable).
func slackOf(tid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/timerslack_ns")
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// niceOf reads a thread's nice value from /proc.
func niceOf(tid int) (int, bool) {
	f, err := StatFields("/proc/self/task/" + strconv.Itoa(tid) + "/stat")
	if err != nil || len(f) < 17 {
		return 0, false
	}
	n, err := strconv.Atoi(f[19-3]) // nice
	return n, err == nil
}
