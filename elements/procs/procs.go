// Package procs sizes the Go scheduler for the GStreamer threads that call
// into the analysers.
//
// A GStreamer streaming thread that runs videoqc or audioqc enters Go once
// per buffer and goes back to C in between. Go books such a thread as "in
// a system call" that still holds its P (a slot for running Go code), so
// that the next callback can take it back at once. With the default
// GOMAXPROCS (one P per core) a two-core box running one audio and one
// video analyser has no P to spare, and the runtime's monitor takes a P
// back from a C thread as soon as one of its ticks (20 µs or more) has
// passed; the next callback then has to find a P again, and the monitor
// keeps polling at its fastest. Measured on `avwatch check` of a 20 s
// 720p clip on 2 cores (perf stat -r 8): 16,800 context switches with
// GOMAXPROCS=2 against 12,400 with 4, and 4–8% less wall time in
// interleaved runs. So each analyser element adds a P for its streaming
// thread while it runs. Idle Ps cost nothing; Go code still runs only on
// the threads that exist. (The monitor still takes a P back from a thread
// whose callbacks have held it for 10 ms; no setting changes that, but
// QuietMonitor keeps the monitor's polling from preempting the decoders.)
package procs

import (
	"os"
	"runtime"
	"sync"
)

var (
	mu     sync.Mutex
	active int
	// A GOMAXPROCS the user set wins.
	userSet = os.Getenv("GOMAXPROCS") != ""
	// base is the runtime's own choice, taken before Enter changes it: one
	// P per core, or fewer under a cgroup CPU limit (Go 1.25+).
	base = runtime.GOMAXPROCS(0)
)

// Enter is called when an element starts streaming: it makes sure there
// is a P for its thread on top of the runtime's default. It never lowers
// GOMAXPROCS.
func Enter() {
	mu.Lock()
	defer mu.Unlock()
	active++
	if userSet {
		return
	}
	if want := base + active; want > runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(want)
	}
}

// Leave is called when the element stops. The Ps stay: lowering
// GOMAXPROCS stops the world, and the next pipeline (a restarted live
// stream) needs them again.
func Leave() {
	mu.Lock()
	defer mu.Unlock()
	if active > 0 {
		active--
	}
}
