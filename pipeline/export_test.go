package pipeline

import (
	"fmt"
	"runtime"
)

// property reads a property of the running pipeline (tests).
func (r *stream) property(key string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inst == nil {
		return "", fmt.Errorf("not running")
	}
	return getProp(r.inst.pipeline, key)
}

func runtimeGoroutines() int { return runtime.NumGoroutine() }
