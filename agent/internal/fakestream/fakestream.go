// Package fakestream provides Streams for agent tests that need no
// GStreamer: a scripted one (a Source URL says what defects to emit at what
// rate) and a manual one the test drives event by event.
package fakestream

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/pipeline/event"
)

// Stream is a fake event.Stream.
type Stream struct {
	Spec   event.Spec
	events chan event.Event
	stop   chan struct{}
	once   sync.Once
	closed chan struct{}

	mu    sync.Mutex
	props map[string]string
	sets  []map[string]string
}

// New returns a manual stream: the test calls Emit and End.
func New(spec event.Spec) *Stream {
	return &Stream{Spec: spec, events: make(chan event.Event, 1024), stop: make(chan struct{}), closed: make(chan struct{}), props: maps.Clone(spec.Properties)}
}

func (s *Stream) Events() <-chan event.Event { return s.events }

// Emit sends ev (Wall set if zero); false once the stream ended.
func (s *Stream) Emit(ev event.Event) bool {
	if ev.Wall.IsZero() {
		ev.Wall = time.Now()
	}
	select {
	case <-s.closed:
		return false
	default:
	}
	select {
	case s.events <- ev:
		return true
	case <-s.stop:
		return false
	}
}

// End closes Events as a pipeline that died (or reached EOS) would.
func (s *Stream) End() {
	s.once.Do(func() {
		close(s.closed)
		close(s.events)
	})
}

func (s *Stream) SetProperties(p map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range p {
		s.props[k] = v
	}
	s.sets = append(s.sets, maps.Clone(p))
	return nil
}

// Sets returns every SetProperties call so far.
func (s *Stream) Sets() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.sets...)
}

func (s *Stream) Stop() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.End()
}

// Stopped reports whether Stop was called.
func (s *Stream) Stopped() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// Starter is a recording Starter of manual streams.
type Starter struct {
	mu      sync.Mutex
	started []*Stream
	wake    chan struct{}
	// Fail, if set, is returned by the next start (then cleared).
	Fail error
}

func NewStarter() *Starter { return &Starter{wake: make(chan struct{})} }

func (f *Starter) Start(ctx context.Context, spec event.Spec) (event.Stream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Fail != nil {
		err := f.Fail
		f.Fail = nil
		close(f.wake)
		f.wake = make(chan struct{})
		return nil, err
	}
	s := New(spec)
	f.started = append(f.started, s)
	close(f.wake)
	f.wake = make(chan struct{})
	return s, nil
}

// Streams returns every stream started so far, oldest first.
func (f *Starter) Streams() []*Stream {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Stream(nil), f.started...)
}

// Await returns the n-th (1-based) started stream of name, waiting for it.
func (f *Starter) Await(name string, n int, timeout time.Duration) (*Stream, error) {
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		k := 0
		for _, s := range f.started {
			if s.Spec.Name == name {
				k++
				if k == n {
					f.mu.Unlock()
					return s, nil
				}
			}
		}
		wake := f.wake
		f.mu.Unlock()
		select {
		case <-wake:
		case <-deadline:
			return nil, fmt.Errorf("stream %q start #%d did not happen within %v", name, n, timeout)
		}
	}
}

// Scripted starts streams whose Source is
//
//	fake://defects?every=100ms&hold=40ms&types=black,silence&count=0&snapshot=1
//
// emitting, every `every`, a start of the next type at the current media
// time and its end `hold` later (count 0: forever). Media time runs at wall
// speed from the stream's start; it resumes where it was after a restart
// only within one process. Other schemes are refused, like a bad URI.
func Scripted(ctx context.Context, spec event.Spec) (event.Stream, error) {
	u, err := url.Parse(spec.Source)
	if err != nil || u.Scheme != "fake" {
		return nil, fmt.Errorf("fakestream: source %q: only fake:// sources", spec.Source)
	}
	q := u.Query()
	every := dur(q.Get("every"), 100*time.Millisecond)
	hold := dur(q.Get("hold"), every/2)
	count, _ := strconv.Atoi(q.Get("count"))
	types := []defect.Type{defect.Black}
	if t := q.Get("types"); t != "" {
		types = nil
		for _, s := range strings.Split(t, ",") {
			types = append(types, defect.Type(s))
		}
	}
	snapshot := q.Get("snapshot") == "1"
	s := New(spec)
	go func() {
		t0 := time.Now()
		pts := func() time.Duration { return time.Since(t0) }
		s.Emit(event.Event{Kind: event.KindDecoder, Decoder: "fakedec"})
		s.Emit(event.Event{Kind: event.KindState, State: event.Playing})
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; count == 0 || i < count; i++ {
			select {
			case <-tick.C:
			case <-s.stop:
				return
			}
			ty := types[i%len(types)]
			start := pts()
			if !s.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: ty, Edge: defect.Start, PTS: start, Value: 1, Threshold: 0.5, Channel: -1}}) {
				return
			}
			if snapshot {
				s.Emit(event.Event{Kind: event.KindSnapshot, Defect: defect.Event{Type: ty, PTS: start}, Snapshot: TinyJPEG})
			}
			s.Emit(event.Event{Kind: event.KindStats, Element: "videoqc", Stats: map[string]float64{"fps": 25, "frames": float64(i)}})
			select {
			case <-time.After(hold):
			case <-s.stop:
				return
			}
			end := pts()
			if !s.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: ty, Edge: defect.End, PTS: end, Duration: end - start, Value: 0, Threshold: 0.5, Channel: -1}}) {
				return
			}
		}
		s.Emit(event.Event{Kind: event.KindEOS})
		s.End()
	}()
	return s, nil
}

func dur(s string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d
	}
	return def
}

// TinyJPEG is a valid 16×16 grey JPEG, standing in for a snapshot.
var TinyJPEG = func() []byte {
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}()
