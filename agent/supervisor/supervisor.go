// Package supervisor runs one runner per stream: it starts the stream with
// the pipeline package's Starter, forwards its events, restarts it by
// policy with exponential backoff, and reconciles the set of runners with a
// new configuration: streams whose definition changed restart, threshold
// (property) changes are applied to the running pipeline.
package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/avwatch/avwatch/pipeline/event"
)

// Restart policies (as in the config).
const (
	Always    = "always"
	OnFailure = "on-failure"
	Never     = "never"
)

// Desired is one stream as the configuration wants it.
type Desired struct {
	Spec    event.Spec
	Restart string
}

// Handler receives what runners report. Calls for one stream come from one
// goroutine, in order; calls for different streams are concurrent.
type Handler interface {
	// Event is an event of the stream, or a state the runner synthesises
	// (starting, down with the reason, stopped).
	Event(stream string, ev event.Event)
	// Ended says a stream instance is gone (its Events closed or it never
	// started): windows it left open will never see their end.
	// restarting tells whether another instance follows.
	Ended(stream string, restarting bool)
}

// Options tunes restart backoff.
type Options struct {
	BackoffMin time.Duration // default 1s
	BackoffMax time.Duration // default 60s
	// HealthyAfter resets the backoff once an instance ran this long.
	HealthyAfter time.Duration // default 60s
	Logger       *slog.Logger
}

// Supervisor is safe for concurrent use.
type Supervisor struct {
	start   event.Starter
	h       Handler
	o       Options
	log     *slog.Logger
	mu      sync.Mutex
	runners map[string]*runner
}

// New returns a Supervisor with no streams.
func New(start event.Starter, h Handler, o Options) *Supervisor {
	if o.BackoffMin <= 0 {
		o.BackoffMin = time.Second
	}
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = max(60*time.Second, o.BackoffMin)
	}
	if o.HealthyAfter <= 0 {
		o.HealthyAfter = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Supervisor{start: start, h: h, o: o, log: o.Logger, runners: map[string]*runner{}}
}

// Change says what Apply did to one stream.
type Change struct {
	Stream string
	Action string // "started", "restarted", "updated", "stopped", "unchanged"
	Props  map[string]string
}

// Apply makes the running set match want. It returns once every stream is
// started (its Starter returned) or stopped, so a caller can report
// readiness. Streams not in want are stopped.
func (s *Supervisor) Apply(want []Desired) []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	wanted := map[string]Desired{}
	for _, d := range want {
		wanted[d.Spec.Name] = d
	}
	var changes []Change
	var toStop []*runner
	var toStart []Desired
	for name, r := range s.runners {
		d, ok := wanted[name]
		switch {
		case !ok:
			toStop = append(toStop, r)
			delete(s.runners, name)
			changes = append(changes, Change{Stream: name, Action: "stopped"})
		case !sameDefinition(r.desired(), d):
			toStop = append(toStop, r)
			delete(s.runners, name)
			toStart = append(toStart, d)
			changes = append(changes, Change{Stream: name, Action: "restarted"})
		default:
			diff := propDiff(r.desired().Spec.Properties, d.Spec.Properties)
			if diff == nil {
				changes = append(changes, Change{Stream: name, Action: "unchanged"})
				continue
			}
			if err := r.setProperties(d, diff); err != nil {
				s.log.Warn("supervisor: live property change failed; restarting the stream", "stream", name, "error", err)
				toStop = append(toStop, r)
				delete(s.runners, name)
				toStart = append(toStart, d)
				changes = append(changes, Change{Stream: name, Action: "restarted"})
				continue
			}
			changes = append(changes, Change{Stream: name, Action: "updated", Props: diff})
		}
	}
	for name, d := range wanted {
		if _, ok := s.runners[name]; !ok && !containsDesired(toStart, name) {
			toStart = append(toStart, d)
			changes = append(changes, Change{Stream: name, Action: "started"})
		}
	}
	stopAll(toStop)
	var wg sync.WaitGroup
	for _, d := range toStart {
		r := newRunner(d)
		s.runners[d.Spec.Name] = r
		wg.Add(1)
		go r.run(s, wg.Done)
	}
	wg.Wait()
	sort.Slice(changes, func(i, j int) bool { return changes[i].Stream < changes[j].Stream })
	return changes
}

func containsDesired(ds []Desired, name string) bool {
	for _, d := range ds {
		if d.Spec.Name == name {
			return true
		}
	}
	return false
}

// Stop stops every stream and waits until all are released.
func (s *Supervisor) Stop() {
	s.mu.Lock()
	rs := make([]*runner, 0, len(s.runners))
	for _, r := range s.runners {
		rs = append(rs, r)
	}
	s.runners = map[string]*runner{}
	s.mu.Unlock()
	stopAll(rs)
}

// Running lists the supervised stream names.
func (s *Supervisor) Running() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.runners))
	for n := range s.runners {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func stopAll(rs []*runner) {
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Add(1)
		go func() { defer wg.Done(); r.stop() }()
	}
	wg.Wait()
}

// sameDefinition compares everything but element properties: a change
// there needs a new pipeline.
func sameDefinition(a, b Desired) bool {
	if a.Restart != b.Restart {
		return false
	}
	sa, sb := a.Spec, b.Spec
	sa.Properties, sb.Properties = nil, nil
	return reflect.DeepEqual(sa, sb)
}

// propDiff returns the properties to set to go from old to new, nil if
// none. A property that disappears cannot be "unset" live, so that counts
// as a definition change (reported as a non-nil diff containing it and
// handled by the runner refusing it).
func propDiff(old, new map[string]string) map[string]string {
	var d map[string]string
	for k, v := range new {
		if ov, ok := old[k]; !ok || ov != v {
			if d == nil {
				d = map[string]string{}
			}
			d[k] = v
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok {
			if d == nil {
				d = map[string]string{}
			}
			d[k] = "" // refused by setProperties
		}
	}
	return d
}

// runner owns one stream across its restarts.
type runner struct {
	name   string
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	want     Desired
	stream   event.Stream
	stopping bool
}

func newRunner(d Desired) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	d.Spec.Properties = maps.Clone(d.Spec.Properties)
	return &runner{name: d.Spec.Name, ctx: ctx, cancel: cancel, done: make(chan struct{}), want: d}
}

func (r *runner) desired() Desired {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.want
}

func (r *runner) setProperties(d Desired, diff map[string]string) error {
	for k, v := range diff {
		if v == "" {
			return fmt.Errorf("property %s was removed", k)
		}
	}
	r.mu.Lock()
	st := r.stream
	r.mu.Unlock()
	if st != nil {
		if err := st.SetProperties(diff); err != nil {
			return err
		}
	}
	r.mu.Lock()
	// Also for the next restart of this runner.
	r.want = Desired{Spec: d.Spec, Restart: d.Restart}
	r.want.Spec.Properties = maps.Clone(d.Spec.Properties)
	r.mu.Unlock()
	return nil
}

func (r *runner) stop() {
	r.mu.Lock()
	r.stopping = true
	st := r.stream
	r.mu.Unlock()
	r.cancel()
	if st != nil {
		st.Stop()
	}
	<-r.done
}

// run starts the stream and keeps it running per the restart policy.
// started is called once the first start attempt returned.
func (r *runner) run(s *Supervisor, started func()) {
	defer close(r.done)
	once := sync.OnceFunc(started)
	defer once()
	delay := s.o.BackoffMin
	for {
		d := r.desired()
		s.h.Event(r.name, event.Event{Kind: event.KindState, Wall: time.Now(), State: event.Starting})
		st, err := s.start(r.ctx, d.Spec)
		once()
		restart := false
		var why string
		if err != nil {
			why = "start failed: " + err.Error()
			s.log.Error("stream: start failed", "stream", r.name, "error", err)
			s.h.Ended(r.name, d.Restart != Never)
			restart = d.Restart != Never
		} else {
			r.mu.Lock()
			r.stream = st
			stopping := r.stopping
			r.mu.Unlock()
			if stopping { // stop() ran before it could see the stream
				st.Stop()
			}
			began := time.Now()
			eos := false
			lastErr := ""
			for ev := range st.Events() {
				switch ev.Kind {
				case event.KindEOS:
					eos = true
				case event.KindError:
					lastErr = ev.Message
				}
				s.h.Event(r.name, ev)
			}
			r.mu.Lock()
			r.stream = nil
			stopping = r.stopping
			r.mu.Unlock()
			if time.Since(began) >= s.o.HealthyAfter {
				delay = s.o.BackoffMin
			}
			switch {
			case stopping:
			case eos:
				why = "end of stream"
				restart = d.Restart == Always
			default:
				why = "pipeline ended"
				if lastErr != "" {
					why += ": " + lastErr
				}
				restart = d.Restart != Never
			}
			s.h.Ended(r.name, restart && !stopping)
		}
		if r.ctx.Err() != nil {
			s.h.Event(r.name, event.Event{Kind: event.KindState, Wall: time.Now(), State: event.Stopped, Message: "stopped"})
			return
		}
		if !restart {
			s.h.Event(r.name, event.Event{Kind: event.KindState, Wall: time.Now(), State: event.Stopped, Message: why})
			return
		}
		s.h.Event(r.name, event.Event{Kind: event.KindState, Wall: time.Now(), State: event.Down,
			Message: fmt.Sprintf("%s; restarting in %v", why, delay)})
		s.log.Warn("stream: restarting", "stream", r.name, "reason", why, "in", delay.String())
		select {
		case <-time.After(delay):
		case <-r.ctx.Done():
			s.h.Event(r.name, event.Event{Kind: event.KindState, Wall: time.Now(), State: event.Stopped, Message: "stopped"})
			return
		}
		delay = min(delay*2, s.o.BackoffMax)
	}
}
