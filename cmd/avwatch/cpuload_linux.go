package main

import (
	"os"
	"strconv"
	"strings"
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
	line, _, _ := strings.Cut(string(st), "\n")
	for _, l := range strings.Split(string(st), "\n") {
		if len(l) > 3 && strings.HasPrefix(l, "cpu") && l[3] >= '0' && l[3] <= '9' {
			s.ncpu++
		}
	}
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 8 || f[0] != "cpu" {
		return s
	}
	v := make([]uint64, 7)
	for i := range v {
		v[i], _ = strconv.ParseUint(f[i+1], 10, 64)
	}
	// Steal is the host's, not this box's: neither busy nor idle.
	s.busy = v[0] + v[1] + v[2] + v[5] + v[6]
	s.total = s.busy + v[3] + v[4]
	me, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return s
	}
	// Fields after the command (in parentheses, may hold spaces): utime
	// and stime are fields 14 and 15 of the whole line.
	rest := strings.Fields(string(me[strings.LastIndexByte(string(me), ')')+1:]))
	if len(rest) < 13 {
		return s
	}
	ut, _ := strconv.ParseUint(rest[11], 10, 64)
	sy, _ := strconv.ParseUint(rest[12], 10, 64)
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
