package avsync

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
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
	return newGroupRunKey(t, fmt.Sprintf("test-%s-%d", t.Name(), rand.Uint64()), s)
}

func newGroupRunKey(t testing.TB, key string, s Settings) *groupRun {
	r := &groupRun{}
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

// TestGroupEndToEnd: markers and programme in one stream through the Group
// (the path the elements use), video PTS offset from running time by 10 s.
// The marker and correlation detectors both see the +300 ms offset; their
// windows are merged into one.
func TestGroupEndToEnd(t *testing.T) {
	s := programme(25, 40*time.Second, constOffset(300), 5)
	s.markers = periodic(time.Second+500*time.Millisecond, 2*time.Second, s.dur)
	r := newGroupRun(t, DefaultSettings())
	r.ptsOff = 10 * time.Second
	s.play(r)
	st := r.v.Stats()
	r.eos()
	evs := r.edges()
	checkEdges(t, evs)
	if len(evs) != 2 {
		t.Fatalf("want one merged window, got %v", evs)
	}
	if evs[0].PTS != evs[0].RunningTime+10*time.Second || evs[0].StreamTime != -1 {
		t.Fatalf("start not dated in video PTS: %+v", evs[0])
	}
	if math.Abs(evs[0].OffsetMs-300) > 1.5 || evs[0].Threshold != AcceptLateMs {
		t.Fatalf("start %+v", evs[0])
	}
	if st.Source != SourceMarker || math.Abs(st.OffsetMs-300) > 1.5 || !st.Alert || !st.Signal {
		t.Fatalf("stats %+v", st)
	}
	if c := st.Correlation; !c.Valid || math.Abs(c.OffsetMs-300) > 40 {
		t.Fatalf("correlation in stats %+v", c)
	}
	vals := st.Values(make([]float64, 0, len(StatNames)))
	if len(vals) != len(StatNames) || vals[0] != st.OffsetMs {
		t.Fatalf("stat values %v", vals)
	}
}

// TestGroupConcurrent pushes from two goroutines, as the two streaming
// threads do, with a settings change and stats reads in the middle (run
// with -race). Whatever the interleaving, the merged edges stay well formed.
func TestGroupConcurrent(t *testing.T) {
	s := programme(25, 30*time.Second, constOffset(-250), 6)
	s.snap()
	frames := s.video()
	samples := s.audio()
	r := newGroupRun(t, DefaultSettings())
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for _, f := range frames {
			r.v.Video(f)
		}
		r.v.EOS()
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < len(samples); i += 1024 {
			rt := time.Duration(int64(i) * int64(time.Second) / 48000)
			r.a.AudioF32(rt, samples[i:min(i+1024, len(samples))], 1, 48000)
		}
		r.a.EOS()
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			_ = r.v.Stats()
			set := DefaultSettings()
			set.LateMs = 150 + float64(i)
			if err := r.v.SetSettings(set); err != nil {
				t.Error(err)
			}
			time.Sleep(time.Millisecond) // spread the changes over the run; not a sync
		}
	}()
	wg.Wait()
	checkEdges(t, r.edges())
}

// TestGroupOnFinish: the final-stats hook runs once, after the last edge,
// when the second stream ends, with the estimate that includes the last
// correlation; Paired says whether both elements are in the group.
func TestGroupOnFinish(t *testing.T) {
	s := programme(25, 30*time.Second, constOffset(-250), 3)
	r := newGroupRun(t, DefaultSettings())
	if st := r.v.Stats(); !st.Paired {
		t.Fatal("video and audio joined but not paired")
	}
	var calls []Stats
	var edgesAtFinish int
	r.v.OnFinish(func(st Stats) {
		calls = append(calls, st)
		edgesAtFinish = len(r.edges())
	})
	s.play(r)
	r.v.EOS()
	if len(calls) != 0 {
		t.Fatal("finished with one stream still running")
	}
	r.a.EOS()
	r.a.EOS() // a second EOS does not finish twice
	if len(calls) != 1 {
		t.Fatalf("hook called %d times, want 1", len(calls))
	}
	st := calls[0]
	if !st.Paired || st.Source != SourceCorrelation || math.Abs(st.OffsetMs+250) > 40 || st.Confidence < 0.5 {
		t.Fatalf("final stats %+v", st)
	}
	// The estimate describes the middle of its window: half a window
	// (or of its recent half) before the end.
	if w := DefaultSettings().Correlation.Window.Seconds(); st.AgeS < w/4-1 || st.AgeS > w/2+1 {
		t.Fatalf("final estimate is %.1f s old, want the middle of a %.0f s window or of its recent half", st.AgeS, w)
	}
	if evs := r.edges(); edgesAtFinish != len(evs) || len(evs) == 0 || evs[len(evs)-1].Edge != defect.End {
		t.Fatalf("hook ran before the last edge: %d of %v", edgesAtFinish, evs)
	}
	// A video-only group is not paired.
	v, err := Join("video-only", Video, func(defect.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Leave()
	if v.Stats().Paired {
		t.Fatal("video alone is paired")
	}
}

func TestGroupMembership(t *testing.T) {
	key := "membership"
	v, err := Join(key, Video, func(defect.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Join(key, Video, nil); err == nil || !strings.Contains(err.Error(), "distinct sync-group") {
		t.Fatalf("second video member: %v", err)
	}
	a, err := Join(key, Audio, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Join("", Audio, nil); err == nil {
		t.Fatal("empty key accepted")
	}
	bad := DefaultSettings()
	bad.Correlation.Window = time.Hour
	if err := v.SetSettings(bad); err == nil || !strings.Contains(err.Error(), "correlation.window") {
		t.Fatalf("bad settings: %v", err)
	}
	v.Leave()
	a.Leave()
	registry.Lock()
	_, still := registry.groups[key]
	registry.Unlock()
	if still {
		t.Fatal("group kept after both left")
	}
	// A nil member (Join failed, or sync off) is a no-op everywhere.
	var m *Member
	m.Video(VideoFrame{})
	m.AudioF32(0, []float32{0}, 1, 48000)
	m.AudioS16(0, []int16{0}, 1, 48000)
	m.AudioPlanar(0, [][]float64{{0}}, 1, 48000)
	m.OnFinish(func(Stats) {})
	m.Reset()
	m.EOS()
	m.Leave()
	if m.Stats() != (Stats{}) || m.SetSettings(DefaultSettings()) != nil {
		t.Fatal("nil member")
	}
	if PipelineKey(0x1234) == PipelineKey(0x1235) {
		t.Fatal("pipeline keys collide")
	}
	if k, ok := GroupKey("", 0x1234); !ok || k != PipelineKey(0x1234) {
		t.Fatal("default sync-group is not the pipeline")
	}
	if _, ok := GroupKey(SyncGroupNone, 0x1234); ok {
		t.Fatal("sync-group none joins")
	}
	if k, ok := GroupKey("prog2", 0x1234); !ok || k != "prog2" {
		t.Fatal("explicit sync-group")
	}
}

// TestGroupRejoinAfterEOS: a finished run (EOS on both) leaves the group
// done; the next run (elements rejoin after READY) starts fresh.
func TestGroupRejoinAfterEOS(t *testing.T) {
	for run := 0; run < 2; run++ {
		s := programme(25, 30*time.Second, constOffset(-250), uint64(run))
		r := newGroupRunKey(t, "rejoin", DefaultSettings())
		s.play(r)
		r.eos()
		evs := r.edges()
		checkEdges(t, evs)
		if len(evs) == 0 {
			t.Fatalf("run %d: no events", run)
		}
		r.v.Leave()
		r.a.Leave()
	}
}

// TestGroupResetClosesWindow: a flush closes an open window and forgets the
// history, so running times before and after are never compared.
func TestGroupResetClosesWindow(t *testing.T) {
	s := &synth{fps: 25, dur: 12 * time.Second, rate: 48000, seed: 1, offsetMs: constOffset(400), noiseDBFS: -50}
	s.markers = periodic(time.Second, 2*time.Second, s.dur)
	r := newGroupRun(t, DefaultSettings())
	s.play(r)
	if evs := r.edges(); len(evs) != 1 {
		t.Fatalf("before reset: %v", evs)
	}
	r.v.Reset()
	r.a.Reset()
	evs := r.edges()
	checkEdges(t, evs)
	if st := r.v.Stats(); st.Marker.Pairs != 0 || st.Alert {
		t.Fatalf("stats after reset %+v", st)
	}
}

// TestGroupTimestampRestart: both streams restart at running time 0 without
// a flush (a live source restarting). The content detectors drop their
// history and go on measuring; edges stay well formed.
func TestGroupTimestampRestart(t *testing.T) {
	s := &synth{fps: 25, dur: 12 * time.Second, rate: 48000, seed: 2, offsetMs: constOffset(-250), noiseDBFS: -50}
	s.markers = periodic(time.Second, 2*time.Second, s.dur)
	r := newGroupRun(t, DefaultSettings())
	s.play(r)
	before := r.v.Stats().Marker.Pairs
	s.play(r) // the same media again, from running time 0
	st := r.v.Stats()
	r.eos()
	checkEdges(t, r.edges())
	if before < 4 || st.Marker.Pairs < 4 || math.Abs(st.Marker.OffsetMs+250) > 1.5 {
		t.Fatalf("pairs before %d, after restart %+v", before, st.Marker)
	}
}
