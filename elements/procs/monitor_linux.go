package procs

import (
	"os"
	"slices"
	"strconv"
	"syscall"
	"time"
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
// It also gives the monitor a timer slack of monitorSlack, where the
// process may (root, or CAP_SYS_NICE: the kernel lets a thread set only
// its own slack without it). The monitor's 20 µs sleeps then last up to a
// millisecond: measured on `avwatch check` of a 16 s clip, its context
// switches fall from ~1,100 to ~350, and on a 46 s clip the process's
// kernel time by a tenth (~1 % of its CPU). Nothing in avwatch needs the
// monitor sooner: it hands a P on from a blocked system call (avwatch has
// spare Ps) and preempts goroutines after 10 ms. The systemd service runs
// without capabilities, so there only the nice value applies.
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
	mon := slices.Min(tids)
	// Best effort: without the capability the write fails (EPERM) and
	// the monitor keeps the default 50 µs slack.
	_ = os.WriteFile("/proc/"+strconv.Itoa(mon)+"/timerslack_ns", []byte(strconv.FormatInt(monitorSlack.Nanoseconds(), 10)), 0)
	return syscall.Setpriority(syscall.PRIO_PROCESS, mon, 19) == nil
}

// monitorSlack is the monitor's timer slack (the kernel's default is
// 50 µs): far below the 10 ms of its own longest sleep.
const monitorSlack = time.Millisecond

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

func threadID() int { return syscall.Gettid() }
