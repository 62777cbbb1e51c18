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
	fd := 40 * time.Millisecond
	for rt := time.Duration(0); rt < dur; rt += fd {
		a = append(a, arrival{rt.Seconds() + delay(true, rt), true, stamp(true, rt) + fd, fd})
	}
	bd := time.Duration(1024 * int64(time.Second) / 48000)
	for rt := time.Duration(0); rt < dur; rt += bd {
		a = append(a, arrival{rt.Seconds() + delay(false, rt), false, stamp(false, rt) + bd, bd})
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
	lead := func(video bool, _ time.Duration) float64 {
		if video {
			return 0.55
		}
		return 0.05
	}
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
