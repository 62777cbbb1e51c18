package procs

import (
	"os"
	"slices"
	"strconv"
	"syscall"
)

// QuietMonitor lowers the Go runtime's monitor thread (sysmon) to nice 19.
//
// Why: a GStreamer thread that has called into Go keeps its P "in a
// system call" while it is back in C. The monitor takes such a P back
// after 10 ms and then polls every 20 µs for a millisecond and more; with
// two streaming threads it wakes ~3,000 times a second, and on a small box
// each wake-up preempts a decoder thread. At nice 19 it still runs (a low
// weight, not starvation) but preempts the decoders less: measured with
// `avwatch check` on 2 cores (perf sched_switch), its context switches
// drop by a third and the process's from ~9,600 to ~7,400 (decode-only
// ~5,700); paired runs gained 0.6–9 points of decode-only speed on each
// of seven clips.
//
// Which thread: the runtime starts the monitor as its first thread, before
// any package init, so it is the lowest thread id after the main thread's
// when nothing else has started threads yet (call it from main, first).
// AVWATCH_SYSMON=normal leaves it alone. It reports whether it changed a
// thread.
func QuietMonitor() bool {
	if os.Getenv("AVWATCH_SYSMON") == "normal" {
		return false
	}
	tids := otherThreads()
	if len(tids) == 0 {
		return false
	}
	return syscall.Setpriority(syscall.PRIO_PROCESS, slices.Min(tids), 19) == nil
}

// otherThreads lists this process's thread ids other than the main one's.
func otherThreads() []int {
	ents, _ := os.ReadDir("/proc/self/task")
	pid := os.Getpid()
	var tids []int
	for _, e := range ents {
		if t, err := strconv.Atoi(e.Name()); err == nil && t != pid {
			tids = append(tids, t)
		}
	}
	return tids
}
