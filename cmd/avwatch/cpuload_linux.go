package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/avwatch/avwatch/elements/procs"
)

// cpuSample is the box's CPU time and this process's, in clock ticks, and
// how many threads the box had runnable at that moment.
type cpuSample struct {
	busy, total, self uint64
	ncpu              int
	running           int // procs_running; -1 unknown
	ok                bool
}

// sampleCPU reads /proc/stat's cpu and procs_running lines and
// /proc/self/stat.
func sampleCPU() cpuSample {
	s := cpuSample{running: -1}
	st, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	lines := strings.Split(string(st), "\n")
	for _, l := range lines[1:] { // cpu0, cpu1, …
		if len(l) > 3 && strings.HasPrefix(l, "cpu") && l[3] >= '0' && l[3] <= '9' {
			s.ncpu++
		}
		if n, ok := strings.CutPrefix(l, "procs_running "); ok {
			if v, err := strconv.Atoi(strings.TrimSpace(n)); err == nil {
				s.running = v
			}
		}
	}
	all := strings.Fields(lines[0]) // cpu user nice system idle iowait irq softirq steal …
	if len(all) < 8 || all[0] != "cpu" {
		return s
	}
	v := make([]uint64, 7)
	for i := range v {
		v[i], _ = strconv.ParseUint(all[i+1], 10, 64)
	}
	// Steal is the host's, not this box's: neither busy nor idle.
	s.busy = v[0] + v[1] + v[2] + v[5] + v[6]
	s.total = s.busy + v[3] + v[4]
	f, err := procs.StatFields("/proc/self/stat")
	if err != nil || len(f) < 13 {
		return s
	}
	ut, _ := strconv.ParseUint(f[14-3], 10, 64) // utime
	sy, _ := strconv.ParseUint(f[15-3], 10, 64) // stime
	s.self, s.ok = ut+sy, true
	return s
}

// othersCores is how many cores other processes kept busy, on average,
// between a and b; ok false where it cannot be told.
func othersCores(a, b cpuSample) (cores float64, ok bool) {
	wall := windowTicks(a, b)
	if wall == 0 {
		return 0, false
	}
	others := float64(b.busy-a.busy) - float64(b.self-a.self)
	return max(others, 0) / wall, true
}

// windowTicks is how many 10 ms ticks per core lie between a and b (0:
// cannot tell). A window of a tick or two reads a stray tick of other work
// as a busy core; backgroundAllowed wants minWindowTicks.
func windowTicks(a, b cpuSample) float64 {
	if !a.ok || !b.ok || b.ncpu < 1 || b.total <= a.total {
		return 0
	}
	return float64(b.total-a.total) / float64(b.ncpu)
}

// othersRunnable is how many threads of other processes were runnable a
// moment ago: the box's procs_running less this process's threads in state
// R, counted just before and just after it (the smaller count: a thread of
// ours that turns runnable in between must not hide another process's; the
// error left goes the safe way, towards normal priority). A busy process
// is runnable at every moment; the threads of an idle box's daemons only
// now and then.
func othersRunnable() (int, bool) {
	before, ok := ownRunnable()
	if !ok {
		return 0, false
	}
	running := sampleCPU().running
	after, ok := ownRunnable()
	if !ok || running < 0 {
		return 0, false
	}
	return max(running-min(before, after), 0), true
}

// ownRunnable counts this process's threads in state R.
func ownRunnable() (int, bool) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, false
	}
	n := 0
	for _, t := range tasks {
		f, err := procs.StatFields("/proc/self/task/" + t.Name() + "/stat")
		if err == nil && len(f) > 0 && f[0] == "R" {
			n++
		}
	}
	return n, true
}
