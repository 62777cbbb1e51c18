package main

import (
	"os/exec"
	"runtime"
	"testing"
	"time"
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

// A busy process next to the check shows as at least half a core, which
// is what turns --background=auto off.
func TestOthersCoresSeesBusyLoop(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc only")
	}
	busy := exec.Command("sh", "-c", "while :; do :; done")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	defer busy.Process.Kill()
	a := sampleCPU()
	time.Sleep(300 * time.Millisecond) // the measuring window, not a wait for an event
	c, ok := othersCores(a, sampleCPU())
	if !ok || c < busyOthers {
		t.Errorf("a busy loop next to us: %v cores (ok %v), want >= %v", c, ok, busyOthers)
	}
}
