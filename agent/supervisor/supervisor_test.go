package supervisor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/internal/fakestream"
	"github.com/avwatch/avwatch/pipeline/event"
)

type recorder struct {
	mu    sync.Mutex
	lines []string
	wake  chan struct{}
}

func newRecorder() *recorder { return &recorder{wake: make(chan struct{})} }

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.lines = append(r.lines, s)
	close(r.wake)
	r.wake = make(chan struct{})
	r.mu.Unlock()
}

func (r *recorder) Event(stream string, ev event.Event) {
	if ev.Kind == event.KindState {
		r.add(fmt.Sprintf("%s %s %s", stream, ev.State, ev.Message))
	}
}
func (r *recorder) Ended(stream string, restarting bool) {
	r.add(fmt.Sprintf("%s ended restarting=%v", stream, restarting))
}

// await waits until n lines were recorded.
func (r *recorder) await(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		lines := append([]string(nil), r.lines...)
		wake := r.wake
		r.mu.Unlock()
		if len(lines) >= n {
			return lines
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("waited for %d lines, got %q", n, lines)
		}
	}
}

func spec(name, src string, props map[string]string) Desired {
	return Desired{Spec: event.Spec{Name: name, Source: src, Properties: props}, Restart: OnFailure}
}

// Start failures are retried with a doubling delay; "never" gives up.
func TestBackoffAndNever(t *testing.T) {
	rec := newRecorder()
	fails := 0
	start := func(ctx context.Context, s event.Spec) (event.Stream, error) {
		fails++
		return nil, errors.New("camera unreachable")
	}
	s := New(start, rec, Options{BackoffMin: 10 * time.Millisecond, BackoffMax: 40 * time.Millisecond})
	s.Apply([]Desired{spec("cam", "rtsp://x", nil)})
	lines := rec.await(t, 12)
	want := []string{
		"cam starting ", "cam ended restarting=true", "cam down start failed: camera unreachable; restarting in 10ms",
		"cam starting ", "cam ended restarting=true", "cam down start failed: camera unreachable; restarting in 20ms",
		"cam starting ", "cam ended restarting=true", "cam down start failed: camera unreachable; restarting in 40ms",
		"cam starting ", "cam ended restarting=true", "cam down start failed: camera unreachable; restarting in 40ms",
	}
	for i, w := range want {
		if lines[i] != w {
			t.Fatalf("line %d: %q, want %q (all: %q)", i, lines[i], w, lines)
		}
	}
	s.Stop()

	rec = newRecorder()
	d := spec("once", "rtsp://x", nil)
	d.Restart = Never
	s = New(start, rec, Options{BackoffMin: time.Millisecond})
	s.Apply([]Desired{d})
	lines = rec.await(t, 3)
	if lines[2] != "once stopped start failed: camera unreachable" {
		t.Fatalf("%q", lines)
	}
	s.Stop()
}

// Apply: property-only changes go to SetProperties; a removed property or a
// changed source restarts; unchanged streams are left alone.
func TestApplyDiff(t *testing.T) {
	fs := fakestream.NewStarter()
	s := New(fs.Start, newRecorder(), Options{})
	defer s.Stop()
	s.Apply([]Desired{spec("a", "x://1", map[string]string{"videoqc.black-ratio": "0.98"}), spec("b", "x://2", nil)})
	a1, _ := fs.Await("a", 1, time.Second)
	b1, _ := fs.Await("b", 1, time.Second)

	ch := s.Apply([]Desired{spec("a", "x://1", map[string]string{"videoqc.black-ratio": "0.9"}), spec("b", "x://2", nil)})
	if fmt.Sprint(ch) != "[{a updated map[videoqc.black-ratio:0.9]} {b unchanged map[]}]" || a1.Stopped() || b1.Stopped() {
		t.Fatalf("%v", ch)
	}
	if sets := a1.Sets(); len(sets) != 1 || sets[0]["videoqc.black-ratio"] != "0.9" {
		t.Fatalf("%v", sets)
	}
	ch = s.Apply([]Desired{spec("a", "x://1", map[string]string{}), spec("b", "x://3", nil)})
	if fmt.Sprint(ch) != "[{a restarted map[]} {b restarted map[]}]" || !a1.Stopped() || !b1.Stopped() {
		t.Fatalf("%v", ch)
	}
	if _, err := fs.Await("b", 2, time.Second); err != nil {
		t.Fatal(err)
	}
	ch = s.Apply(nil)
	if fmt.Sprint(ch) != "[{a stopped map[]} {b stopped map[]}]" || len(s.Running()) != 0 {
		t.Fatalf("%v %v", ch, s.Running())
	}
}
