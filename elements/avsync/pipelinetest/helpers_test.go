package pipelinetest

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/avwatch/avwatch/elements"
	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/message"
)

func TestMain(m *testing.M) {
	gst.Init(nil)
	if err := elements.Register(nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// result is what videoqc posted about A/V sync in one run.
type result struct {
	edges []defect.Event       // av_offset edges, in bus order
	stats []map[string]float64 // videoqc stats messages carrying av-* fields
	pts   []time.Duration      // their PTS
	warn  []string             // warnings on the bus
	first time.Duration        // PTS of the first video frame (-1: none seen)
	last  map[string]float64   // the last of stats
}

// windows pairs the av_offset edges into [start, end) windows, dated in
// media time from the first frame (the truth's time base).
func (r result) windows(t *testing.T) []window {
	t.Helper()
	var out []window
	for i := 0; i < len(r.edges); i++ {
		s := r.edges[i]
		if s.Edge != defect.Start || i+1 >= len(r.edges) || r.edges[i+1].Edge != defect.End {
			t.Fatalf("av_offset edges do not alternate start/end: %+v", r.edges)
		}
		e := r.edges[i+1]
		i++
		out = append(out, window{start: r.media(s.PTS), end: r.media(e.PTS), startMs: s.OffsetMs, endMs: e.OffsetMs})
	}
	return out
}

func (r result) media(pts time.Duration) float64 { return (pts - r.first).Seconds() }

type window struct {
	start, end     float64 // s from the first frame
	startMs, endMs float64
}

// launch is the product's file-QC shape: decodebin3 with one analyser per
// branch, as fast as decoding allows (avwatch check).
func launch(path, videoProps string) string {
	return fmt.Sprintf("filesrc location=%q ! decodebin3 name=d "+
		"d.video_0 ! videoqc name=vqc stats-interval=0.1 snapshot=false %s ! fakesink sync=false async=false "+
		"d.audio_0 ! audioconvert ! audioqc name=aqc ! fakesink sync=false async=false", path, videoProps)
}

// play runs launch to EOS with faults installed and collects videoqc's
// A/V messages.
func play(t *testing.T, line string, faults ...Fault) result {
	t.Helper()
	p, err := gst.NewPipelineFromString(line)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	// The wrapper's finalizer could dispose the pipeline while SetState
	// runs in C: hold a reference until it is in NULL.
	p.Ref()
	defer func() {
		p.SetState(gst.StateNull)
		p.Unref()
		runtime.KeepAlive(p)
	}()
	first, err := FirstPTS(unsafe.Pointer(p.Instance()), "vqc")
	if err != nil {
		t.Fatal(err)
	}
	r := result{first: -1}
	for _, f := range faults {
		if err := AddFault(unsafe.Pointer(p.Instance()), f); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	bus := p.GetPipelineBus()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		msg := bus.TimedPopFiltered(gst.ClockTime(500*time.Millisecond), gst.MessageElement|gst.MessageEOS|gst.MessageError|gst.MessageWarning)
		if msg == nil {
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			r.first = first()
			if len(r.stats) > 0 {
				r.last = r.stats[len(r.stats)-1]
			}
			return r
		case gst.MessageError:
			t.Fatalf("pipeline error: %v", msg.ParseError())
		case gst.MessageWarning:
			r.warn = append(r.warn, msg.ParseWarning().Error())
		case gst.MessageElement:
			pm, ok := message.Parse(unsafe.Pointer(msg.Instance()))
			runtime.KeepAlive(msg) // its finalizer unrefs the message
			if !ok || pm.Element != "videoqc" {
				continue
			}
			switch pm.Kind {
			case message.KindDefect:
				if pm.Defect.Type == defect.AVOffset {
					r.edges = append(r.edges, pm.Defect)
				}
			case message.KindStats:
				if _, ok := pm.Stats["av-offset-ms"]; ok {
					r.stats = append(r.stats, pm.Stats)
					r.pts = append(r.pts, pm.PTS)
				}
			}
		}
	}
	t.Fatal("no EOS within 3 minutes")
	return r
}

func hasWarning(r result, s string) bool {
	for _, w := range r.warn {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}
