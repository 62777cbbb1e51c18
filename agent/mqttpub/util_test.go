package mqttpub

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// syncWriter collects log output and lets a test await a line count.
type syncWriter struct {
	mu   sync.Mutex
	b    *strings.Builder
	wake chan struct{}
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if w.wake != nil {
		close(w.wake)
		w.wake = nil
	}
	return len(p), nil
}

func (w *syncWriter) waitFor(t *testing.T, substr string, count int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		w.mu.Lock()
		got := strings.Count(w.b.String(), substr)
		if w.wake == nil {
			w.wake = make(chan struct{})
		}
		wake := w.wake
		text := w.b.String()
		w.mu.Unlock()
		if got >= count {
			return
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("waited for %d × %q in log:\n%s", count, substr, text)
		}
	}
}
