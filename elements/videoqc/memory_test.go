package videoqc

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
)

// runToEOS plays launch to EOS, calling each(message) for videoqc's
// messages, and fails on error.
func runToEOS(t *testing.T, launch string, each func(*gst.Message)) {
	t.Helper()
	p, err := gst.NewPipelineFromString(launch)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	bus := p.GetPipelineBus()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		msg := bus.TimedPopFiltered(gst.ClockTime(500*time.Millisecond), gst.MessageElement|gst.MessageEOS|gst.MessageError)
		if msg == nil {
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			return
		case gst.MessageError:
			t.Fatal(msg.ParseError())
		default:
			if each != nil {
				each(msg)
			}
		}
	}
	t.Fatal("no EOS")
}

// goMallocs counts Go heap allocations made while f runs.
func goMallocs(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.Mallocs - a.Mallocs
}

// TestNoAllocationPerFrame: the element's per-frame path allocates nothing
// on the Go heap. Two runs that differ only in their number of frames cost
// the same fixed allocations (pipeline, state changes, first-frame buffers,
// bus polling); the difference divided by the extra frames is what each
// frame costs. Everything else in the pipeline is C.
func TestNoAllocationPerFrame(t *testing.T) {
	launch := func(n int) string {
		return fmt.Sprintf("videotestsrc num-buffers=%d ! video/x-raw,format=NV12,width=640,height=360,framerate=25/1 ! videoqc stats-interval=3600 ! fakesink", n)
	}
	short := goMallocs(func() { runToEOS(t, launch(200), nil) })
	long := goMallocs(func() { runToEOS(t, launch(2200), nil) })
	perFrame := (float64(long) - float64(short)) / 2000
	t.Logf("Go allocations: %d for 200 frames, %d for 2200: %.4f per frame", short, long, perFrame)
	if perFrame > 0.05 {
		t.Fatalf("videoqc allocates %.3f times per frame, want 0", perFrame)
	}
}

// rssBytes reads this process's resident set size.
func rssBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestRSSFlat100kFrames pushes 100,000 frames through videoqc with a stats
// message every 0.1 s of media (40,000 bus messages) and samples RSS as it
// goes: after warm-up it must stay flat (no leaked buffers, mappings or
// messages).
func TestRSSFlat100kFrames(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const frames = 100000
	var samples []int64
	var at []float64
	runToEOS(t, fmt.Sprintf("videotestsrc num-buffers=%d ! video/x-raw,width=160,height=120,framerate=25/1 ! videoqc stats-interval=0.1 ! fakesink", frames), func(msg *gst.Message) {
		pm := parse(msg)
		if pm == nil || pm.Kind != "stats" {
			return
		}
		n := pm.Stats["frames"]
		if len(at) == 0 || n-at[len(at)-1] >= frames/20 {
			runtime.GC()
			samples = append(samples, rssBytes(t))
			at = append(at, n)
		}
	})
	if len(samples) < 15 {
		t.Fatalf("only %d RSS samples", len(samples))
	}
	var b strings.Builder
	for i := range samples {
		fmt.Fprintf(&b, " %.0fk:%.1fMB", at[i]/1000, float64(samples[i])/(1<<20))
	}
	t.Logf("RSS by frames:%s", b.String())
	// From a quarter of the run on, RSS may not grow by more than 4 MB.
	q := len(samples) / 4
	lo, hi := samples[q], samples[q]
	for _, s := range samples[q:] {
		lo, hi = min(lo, s), max(hi, s)
	}
	if grow := samples[len(samples)-1] - samples[q]; grow > 4<<20 || hi-lo > 6<<20 {
		t.Fatalf("RSS not flat over %d frames: %s", frames, b.String())
	}
}
