package main

import (
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/procs"
)

func TestOthersCores(t *testing.T) {
	a := cpuSample{busy: 100, total: 200, self: 10, ncpu: 2, ok: true}
	b := cpuSample{busy: 160, total: 300, self: 30, ncpu: 2, ok: true}
	// 50 ticks of wall time; 60 busy, 20 of them ours: 40 others = 0.8 cores.
	if c, ok := othersCores(a, b); !ok || c != 0.8 {
		t.Errorf("othersCores = %v, %v; want 0.8, true", c, ok)
	}
	if _, ok := othersCores(a, a); ok {
		t.Error("no time passed: want ok false (cannot tell)")
	}
	if c, _ := othersCores(a, cpuSample{busy: 110, total: 300, self: 30, ncpu: 2, ok: true}); c != 0 {
		t.Errorf("more of ours than the box's busy time: %v, want 0", c)
	}
}

// startBusyLoop starts a shell spinning on one core, killed when the test
// ends (Linux only: the tests read /proc).
func startBusyLoop(t *testing.T) *exec.Cmd {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("/proc only")
	}
	busy := exec.Command("sh", "-c", "while :; do :; done")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Process.Kill(); busy.Wait() })
	return busy
}

// A busy process next to the check shows as at least half a core, which
// is what turns --background=auto off.
func TestOthersCoresSeesBusyLoop(t *testing.T) {
	startBusyLoop(t)
	a := sampleCPU()
	time.Sleep(300 * time.Millisecond) // the measuring window, not a wait for an event
	c, ok := othersCores(a, sampleCPU())
	if !ok || c < busyOthers {
		t.Errorf("a busy loop next to us: %v cores (ok %v), want >= %v", c, ok, busyOthers)
	}
}

func TestBackgroundAllowed(t *testing.T) {
	start := cpuSample{busy: 100, total: 200, self: 10, ncpu: 2, ok: true}
	long := func(othersBusy uint64) cpuSample { // 10 ticks per core later
		return cpuSample{busy: 100 + 5 + othersBusy, total: 220, self: 15, ncpu: 2, ok: true}
	}
	short := cpuSample{busy: 102, total: 202, self: 11, ncpu: 2, ok: true} // 1 tick per core
	none := func() (int, bool) { return 0, true }
	one := func() (int, bool) { return 1, true }
	unknown := func() (int, bool) { return 0, false }
	for _, c := range []struct {
		name       string
		now        cpuSample
		others     func() (int, bool)
		background bool
	}{
		{"long window, others idle", long(0), one, true}, // the window decides, not the moment
		{"long window, others a core busy", long(10), none, false},
		{"short window, nobody else runnable", short, none, true},
		{"short window, another thread runnable", short, one, false},
		{"short window, cannot tell", short, unknown, true},
		{"no second sample", cpuSample{}, none, true},
	} {
		if got := backgroundAllowed(start, c.now, c.others); got != c.background {
			t.Errorf("%s: background %v, want %v", c.name, got, c.background)
		}
	}
}

// A busy process is runnable at every moment: a check that starts next to
// it sees it however short its window.
func TestOthersRunnableSeesBusyLoop(t *testing.T) {
	busy := startBusyLoop(t)
	stat := "/proc/" + strconv.Itoa(busy.Process.Pid) + "/stat"
	deadline := time.Now().Add(10 * time.Second)
	for { // until the loop has run: sh has exec'd and spent CPU
		f, err := procs.StatFields(stat)
		if err == nil && len(f) > 11 && f[0] == "R" && f[11] != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the busy loop never ran: %v %v", f, err)
		}
		runtime.Gosched()
	}
	// What --background=auto asks, 50 times; in make test other packages'
	// tests and this package's GStreamer threads run at the same time.
	for i := 0; i < 50; i++ {
		if n, ok := othersRunnableNow(); !ok || n < 1 {
			t.Fatalf("sample %d: %d other runnable threads (ok %v) next to a busy loop", i, n, ok)
		}
	}
}
