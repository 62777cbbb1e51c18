// Package testlog collects a child process's or a component's log in a
// test and lets the test await a line: every Write wakes the waiters, so
// there is no polling and no sleep.
package testlog

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// Buf is an io.Writer for a log. The zero value is ready to use.
type Buf struct {
	// Exited, if set, ends a wait at once: the writer is gone and the line
	// will never come.
	Exited <-chan struct{}

	mu   sync.Mutex
	sb   strings.Builder
	wake chan struct{}
}

func (l *Buf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sb.Write(p)
	if l.wake != nil {
		close(l.wake)
		l.wake = nil
	}
	return len(p), nil
}

// String is everything written so far.
func (l *Buf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.String()
}

// Await waits until substr occurs count times in the log and returns the
// log; it fails the test after timeout or when Exited closes first.
func (l *Buf) Await(t testing.TB, substr string, count int, timeout time.Duration) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		text := l.sb.String()
		if l.wake == nil {
			l.wake = make(chan struct{})
		}
		wake := l.wake
		l.mu.Unlock()
		if strings.Count(text, substr) >= count {
			return text
		}
		select {
		case <-wake:
		case <-l.Exited:
			t.Fatalf("the log's writer exited while waiting for %d × %q:\n%s", count, substr, text)
		case <-deadline.C:
			t.Fatalf("waited %v for %d × %q in the log:\n%s", timeout, count, substr, text)
		}
	}
}
