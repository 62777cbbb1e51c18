package avsync

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// arrival is one buffer as the skew detector sees it.
type arrival struct {
	when  float64 // arrival order key (s)
	video bool
	end   time.Duration // running time of the buffer's end, as stamped
	dur   time.Duration
}

// skewFeed builds 25 fps video and 1024-sample 48 kHz audio buffers over
// dur. stamp(video, rt) gives the running time a buffer is stamped with
// (faults go here); delay(video, rt) its arrival delay (latency, queue
// jitter).
func skewFeed(dur time.Duration, stamp func(bool, time.Duration) time.Duration, delay func(bool, time.Duration) float64) []arrival {
	var a []arrival
	// A stream's buffers leave a queue in order: one is never handed out
	// before the one ahead of it.
	fd := 40 * time.Millisecond
	last := math.Inf(-1)
	for rt := time.Duration(0); rt < dur; rt += fd {
		last = math.Max(last, rt.Seconds()+delay(true, rt))
		a = append(a, arrival{last, true, stamp(true, rt) + fd, fd})
	}
	bd := time.Duration(1024 * int64(time.Second) / 48000)
	last = math.Inf(-1)
	for rt := time.Duration(0); rt < dur; rt += bd {
		last = math.Max(last, rt.Seconds()+delay(false, rt))
		a = append(a, arrival{last, false, stamp(false, rt) + bd, bd})
	}
	sort.SliceStable(a, func(i, j int) bool { return a[i].when < a[j].when })
	return a
}

func runSkew(a []arrival, s Settings) ([]defect.Event, *Skew) {
	k := NewSkew(s)
	var evs []defect.Event
	for _, x := range a {
		if x.video {
			evs = k.AddVideo(x.end, x.dur, evs)
		} else {
			evs = k.AddAudio(x.end, x.dur, evs)
		}
	}
	return k.Finish(evs), k
}

func within(t *testing.T, what string, got time.Duration, want, tol float64) {
	t.Helper()
	if math.Abs(got.Seconds()-want) > tol {
		t.Errorf("%s at %.2f s, want %.2f ± %.2f", what, got.Seconds(), want, tol)
	}
}

func live(bool, time.Duration) float64             { return 0.05 } // steady latency
func clean(_ bool, rt time.Duration) time.Duration { return rt }

// videoAhead is file QC's delay pattern: video buffers leave the queue
// v seconds after their media time, audio ones with live's latency.
func videoAhead(v float64) func(bool, time.Duration) float64 {
	return func(video bool, _ time.Duration) float64 {
		if video {
			return v
		}
		return 0.05
	}
}

// TestSkewLive: a live pipeline whose audio timestamps jump +500 ms for
// 4 s, and whose video timestamps stall for 2 s, then recover.
func TestSkewLive(t *testing.T) {
	jump := func(video bool, rt time.Duration) time.Duration {
		if !video && rt >= 10*time.Second && rt < 14*time.Second {
			return rt + 500*time.Millisecond
		}
		return rt
	}
	evs, _ := runSkew(skewFeed(30*time.Second, jump, live), DefaultSettings())
	if len(evs) != 2 {
		t.Fatalf("audio jump: events %v", evs)
	}
	within(t, "jump start", evs[0].PTS, 10, 0.3)
	within(t, "jump end", evs[1].PTS, 14, 0.3)
	if math.Abs(evs[0].OffsetMs-500) > 30 {
		t.Errorf("jump measured %.0f ms, want +500 (audio late)", evs[0].OffsetMs)
	}

	stall := func(video bool, rt time.Duration) time.Duration {
		if video && rt >= 20*time.Second && rt < 22*time.Second {
			return 20 * time.Second // frames keep coming, stamped with a frozen time
		}
		return rt
	}
	evs, _ = runSkew(skewFeed(30*time.Second, stall, live), DefaultSettings())
	if len(evs) != 2 {
		t.Fatalf("video stall: events %v", evs)
	}
	within(t, "stall start", evs[0].PTS, 20.2, 0.3)
	within(t, "stall end", evs[1].PTS, 22, 0.3)
	if evs[0].OffsetMs <= 0 {
		t.Errorf("video stall reported as %.0f ms, want positive (audio ahead)", evs[0].OffsetMs)
	}
}

// TestSkewAudioStops: audio buffers stop arriving for 3 s while video
// flows: negative skew, ended when audio comes back.
func TestSkewAudioStops(t *testing.T) {
	a := skewFeed(30*time.Second, clean, live)
	var kept []arrival
	for _, x := range a {
		if !x.video && x.end > 12*time.Second && x.end <= 15*time.Second {
			continue
		}
		kept = append(kept, x)
	}
	evs, _ := runSkew(kept, DefaultSettings())
	if len(evs) != 2 || evs[0].OffsetMs >= 0 {
		t.Fatalf("events %v", evs)
	}
	within(t, "start", evs[0].PTS, 12.2, 0.4)
	within(t, "end", evs[1].PTS, 15, 0.4)
}

// TestSkewFileJitter: as-fast-as-possible file QC, where the queues let one
// stream run up to 0.4 s ahead of the other in a slow random walk. Jitter
// alone must not alert; a 1.5 s timestamp jump must.
func TestSkewFileJitter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	walk := make([]float64, 400) // per 100 ms, for each stream
	for i := 1; i < len(walk); i++ {
		walk[i] = math.Max(0, math.Min(0.4, walk[i-1]+0.05*r.NormFloat64()))
	}
	jitter := func(video bool, rt time.Duration) float64 {
		i := int(rt / (100 * time.Millisecond))
		if video {
			return walk[i%len(walk)]
		}
		return walk[(i+200)%len(walk)]
	}
	evs, k := runSkew(skewFeed(40*time.Second, clean, jitter), DefaultSettings())
	if len(evs) != 0 {
		t.Fatalf("queue jitter raised %v (margin %.0f ms)", evs, k.Estimate().MarginMs)
	}
	jump := func(video bool, rt time.Duration) time.Duration {
		if !video && rt >= 15*time.Second && rt < 25*time.Second {
			return rt + 1500*time.Millisecond
		}
		return rt
	}
	evs, k = runSkew(skewFeed(40*time.Second, jump, jitter), DefaultSettings())
	t.Logf("jitter margin %.0f ms, events %v", k.Estimate().MarginMs, evs)
	if len(evs) != 2 {
		t.Fatalf("1.5 s jump under jitter: events %v", evs)
	}
	within(t, "start", evs[0].PTS, 15, 0.8)
	within(t, "end", evs[1].PTS, 25, 0.8)
}

// TestSkewConstantOffsetIsBaseline: an offset present from the start is not
// a timestamp skew (documented limitation: content detectors see it).
func TestSkewConstantOffsetIsBaseline(t *testing.T) {
	late := func(video bool, rt time.Duration) time.Duration {
		if !video {
			return rt + 400*time.Millisecond
		}
		return rt
	}
	if evs, _ := runSkew(skewFeed(20*time.Second, late, live), DefaultSettings()); len(evs) != 0 {
		t.Fatalf("events %v", evs)
	}
}

// TestSkewDatesFaultsInTheirStream: audio handed out 0.5 s of media ahead
// of video (file QC through a demuxer's queues). A fault in the audio
// timestamps is dated where it is in the audio, not where video was when
// it arrived; a fault in the video timestamps where it is in the video.
func TestSkewDatesFaultsInTheirStream(t *testing.T) {
	lead := videoAhead(0.55)
	jump := func(video bool, rt time.Duration) time.Duration {
		if !video && rt >= 10*time.Second && rt < 14*time.Second {
			return rt - 400*time.Millisecond
		}
		return rt
	}
	evs, _ := runSkew(skewFeed(30*time.Second, jump, lead), DefaultSettings())
	if len(evs) != 2 || evs[0].OffsetMs > -350 {
		t.Fatalf("audio jump: events %v", evs)
	}
	within(t, "audio jump start", evs[0].PTS, 10, 0.3)
	within(t, "audio jump end", evs[1].PTS, 14, 0.3)

	stall := func(video bool, rt time.Duration) time.Duration {
		if video && rt >= 20*time.Second && rt < 22*time.Second {
			return 20 * time.Second
		}
		return rt
	}
	evs, _ = runSkew(skewFeed(30*time.Second, stall, lead), DefaultSettings())
	if len(evs) != 2 || evs[0].OffsetMs <= 0 {
		t.Fatalf("video stall: events %v", evs)
	}
	within(t, "video stall start", evs[0].PTS, 20.2, 0.3)
	within(t, "video stall end", evs[1].PTS, 22, 0.3)
}

// starved is file QC on a loaded machine: the audio branch leads by 0.3 s,
// and now and then one branch's thread waits for the CPU while the other
// runs on into its queue (up to 0.6 s of media, for up to a second).
func starved(seed uint64) func(bool, time.Duration) float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	extra := map[bool][]float64{}
	for _, video := range []bool{true, false} {
		x := make([]float64, 400) // per 100 ms
		for i := 0; i < len(x); {
			if r.Float64() < 0.1 {
				d, n := 0.6*r.Float64(), 1+r.IntN(10)
				for j := i; j < min(i+n, len(x)); j++ {
					x[j] = d
				}
				i += n
				continue
			}
			i++
		}
		extra[video] = x
	}
	return func(video bool, rt time.Duration) float64 {
		d := extra[video][int(rt/(100*time.Millisecond))%400]
		if video {
			return 0.3 + d
		}
		return d
	}
}

// TestSkewArrivalIndependent: the same buffers handed out live, with audio
// 0.5 s ahead, or by a starved machine's threads give the same events: a
// timestamp fault is judged in each stream's own media, and arrival only
// decides what timestamps cannot (data missing, a stream stopped).
func TestSkewArrivalIndependent(t *testing.T) {
	lead := videoAhead(0.55)
	fault := func(video bool, rt time.Duration) time.Duration {
		switch {
		case !video && rt >= 5*time.Second && rt < 10*time.Second:
			return rt + 500*time.Millisecond
		case !video && rt >= 14*time.Second && rt < 18*time.Second:
			return rt - 300*time.Millisecond
		case video && rt >= 22*time.Second && rt < 24*time.Second:
			return 22 * time.Second
		}
		return rt
	}
	want, _ := runSkew(skewFeed(30*time.Second, fault, live), DefaultSettings())
	if len(want) != 6 {
		t.Fatalf("live: events %v", want)
	}
	for _, w := range []struct {
		name  string
		delay func(bool, time.Duration) float64
	}{{"audio 0.5 s ahead", lead}, {"starved 1", starved(1)}, {"starved 2", starved(2)}, {"starved 3", starved(3)}} {
		got, k := runSkew(skewFeed(30*time.Second, fault, w.delay), DefaultSettings())
		if len(got) != len(want) {
			t.Fatalf("%s: events %v, live gave %v", w.name, got, want)
		}
		for i := range got {
			if got[i].Edge != want[i].Edge || got[i].PTS != want[i].PTS || math.Abs(got[i].OffsetMs-want[i].OffsetMs) > 1 {
				t.Errorf("%s: event %d %v, live gave %v", w.name, i, got[i], want[i])
			}
		}
		if k.Estimate().MarginMs > 1 {
			t.Errorf("%s: margin %.0f ms: the baseline saw arrival jitter", w.name, k.Estimate().MarginMs)
		}
	}
}

// TestSkewGapIsNotSkew: 300 ms of audio lost (the stamps after the gap are
// right) is no skew, live or in file QC: the audio data fell behind the
// video's by as much as its stamps moved on.
func TestSkewGapIsNotSkew(t *testing.T) {
	lead := videoAhead(0.35)
	for name, delay := range map[string]func(bool, time.Duration) float64{"live": live, "file": lead} {
		var kept []arrival
		for _, x := range skewFeed(30*time.Second, clean, delay) {
			if !x.video && x.end > 10*time.Second && x.end <= 10300*time.Millisecond {
				continue
			}
			kept = append(kept, x)
		}
		if evs, k := runSkew(kept, DefaultSettings()); len(evs) != 0 || math.Abs(k.Estimate().SkewMs) > 25 {
			t.Errorf("%s: events %v, skew %.0f ms", name, evs, k.Estimate().SkewMs)
		}
	}
}
