package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/avwatch/avwatch/elements/procs"
)

// cpuSample is the box's CPU time and this process's, in clock ticks.
type cpuSample struct {
	busy, total, self uint64
	ncpu              int
	ok                bool
}

// sampleCPU reads /proc/stat's cpu line and /proc/self/stat.
func sampleCPU() cpuSample {
	var s cpuSample
	st, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	lines := strings.Split(string(st), "\n")
	for _, l := range lines[1:] { // cpu0, cpu1, …
		if len(l) > 3 && strings.HasPrefix(l, "cpu") && l[3] >= '0' && l[3] <= '9' {
			s.ncpu++
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
	if !a.ok || !b.ok || b.total <= a.total || b.ncpu < 1 {
		return 0, false
	}
	wall := float64(b.total-a.total) / float64(b.ncpu)
	others := float64(b.busy-a.busy) - float64(b.self-a.self)
	return max(others, 0) / wall, true
}
