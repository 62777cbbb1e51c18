package procs

import "runtime"

// Thread keeps the Go runtime from starting its own threads from a
// GStreamer streaming thread; an element calls Enter from its streaming
// thread before any other Go work there.
//
// Why: when Go code needs one more OS thread, the runtime clones the
// thread it is running on, unless that thread is locked to its goroutine
// or in C; then a thread of the runtime's own makes it. A callback from a
// streaming thread is neither, so the clone inherits the streaming
// thread's scheduling: SCHED_IDLE for the audio thread of avwatch check
// (pipeline.Options.Background), a real-time priority in
// applications that raise their audio threads. The clone then runs any
// goroutine at that priority, forever. Locking the thread (it only ever
// runs its callbacks anyway) sends those clones to the runtime's own
// thread: measured, a pipeline test saw a SCHED_IDLE Go thread in 4 of
// 60 runs before and none in 60 after.
//
// A streaming thread can change (a task restarted on a new thread), so
// Enter locks each new one once: LockOSThread counts its calls.
type Thread struct {
	tid  int
	seen bool
}

// Enter locks the calling thread the first time it is seen.
func (t *Thread) Enter() {
	tid := threadID() // 0 where unknown: the first thread only
	if t.seen && tid == t.tid {
		return
	}
	runtime.LockOSThread()
	t.tid, t.seen = tid, true
}
