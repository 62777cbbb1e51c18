package avsync

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// groupRun drives a Group the way the two elements would, from one
// goroutine (arrival order given by synth.play).
type groupRun struct {
	v, a   *Member
	mu     sync.Mutex
	events []defect.Event
	ptsOff time.Duration
}

func newGroupRun(t testing.TB, s Settings) *groupRun {
	r := &groupRun{}
	key := fmt.Sprintf("test-%s-%d", t.Name(), rand.Uint64())
	var err error
	r.v, err = Join(key, Video, func(ev defect.Event) {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.a, err = Join(key, Audio, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.v.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.v.Leave(); r.a.Leave() })
	return r
}

func (r *groupRun) video(f VideoFrame) {
	f.PTS += r.ptsOff
	r.v.Video(f)
}
func (r *groupRun) audio(rt time.Duration, mono []float32, rate int) {
	r.a.AudioF32(rt, mono, 1, rate)
}
func (r *groupRun) eos() { r.v.EOS(); r.a.EOS() }

func (r *groupRun) edges() []defect.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]defect.Event(nil), r.events...)
}

// checkEdges asserts the merged window invariants: alternating start/end,
// ends after starts, durations consistent, closed at the end.
func checkEdges(t testing.TB, evs []defect.Event) {
	t.Helper()
	for i, e := range evs {
		if e.Type != defect.AVOffset {
			t.Fatalf("event %d: type %s", i, e.Type)
		}
		want := defect.Start
		if i%2 == 1 {
			want = defect.End
		}
		if e.Edge != want {
			t.Fatalf("event %d is %s, want %s: %v", i, e.Edge, want, evs)
		}
		if e.Edge == defect.End {
			s := evs[i-1]
			if e.RunningTime < s.RunningTime || e.Duration != e.RunningTime-s.RunningTime {
				t.Fatalf("end %v does not match start %v", e, s)
			}
		}
		if i > 0 && e.RunningTime < evs[i-1].RunningTime {
			t.Fatalf("event %d goes back in time: %v", i, evs)
		}
	}
	if len(evs)%2 != 0 {
		t.Fatalf("window left open: %v", evs)
	}
}

func TestGroupSmoke(t *testing.T) {
	r0 := rand.New(rand.NewPCG(1, 2))
	s := &synth{fps: 25, dur: 40 * time.Second, rate: 48000, seed: 5, offsetMs: constOffset(300), motion: 0.01, noiseDBFS: -50, music: true}
	s.events = irregular(r0, 0, s.dur, 0.6, 2.5)
	r := newGroupRun(t, DefaultSettings())
	r.ptsOff = 10 * time.Second
	s.play(r)
	st := r.v.Stats()
	r.eos()
	evs := r.edges()
	t.Logf("stats %+v", st)
	t.Logf("events %v", evs)
	checkEdges(t, evs)
	if len(evs) != 2 || evs[0].PTS != evs[0].RunningTime+10*time.Second {
		t.Fatalf("want one window dated in video PTS, got %v", evs)
	}
}
