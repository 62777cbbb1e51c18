package videoqc

import (
	"fmt"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/message"
)

func TestMain(m *testing.M) {
	gst.Init(nil)
	if err := Register(nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// result is what one pipeline run posted on its bus.
type result struct {
	defects   []defect.Event
	snapshots []message.Parsed
	stats     []message.Parsed
	warnings  []string
	eos       bool
}

func (r result) of(t defect.Type) []defect.Event {
	var out []defect.Event
	for _, e := range r.defects {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// play runs a launch line to EOS and collects videoqc's messages. feed, if
// set, pushes buffers into the appsrc named "src" from another goroutine.
func play(t *testing.T, launch string, feed func(*app.Source)) result {
	t.Helper()
	p, err := gst.NewPipelineFromString(launch)
	if err != nil {
		t.Fatalf("%s: %v", launch, err)
	}
	return playPipeline(t, p, feed, 60*time.Second)
}

func playPipeline(t *testing.T, p *gst.Pipeline, feed func(*app.Source), timeout time.Duration) result {
	t.Helper()
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	if feed != nil {
		el, err := p.GetElementByName("src")
		if err != nil {
			t.Fatal(err)
		}
		go feed(app.SrcFromElement(el))
	}
	var r result
	bus := p.GetPipelineBus()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		msg := bus.TimedPopFiltered(gst.ClockTime(200*time.Millisecond),
			gst.MessageElement|gst.MessageEOS|gst.MessageError|gst.MessageWarning)
		if msg == nil {
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			r.eos = true
			return r
		case gst.MessageError:
			t.Fatalf("pipeline error: %v", msg.ParseError())
		case gst.MessageWarning:
			r.warnings = append(r.warnings, msg.ParseWarning().Error())
		case gst.MessageElement:
			pm, ok := message.Parse(unsafe.Pointer(msg.Instance()))
			if !ok || pm.Element != Name {
				continue
			}
			switch pm.Kind {
			case message.KindDefect:
				r.defects = append(r.defects, pm.Defect)
			case message.KindSnapshot:
				r.snapshots = append(r.snapshots, pm)
			case message.KindStats:
				r.stats = append(r.stats, pm)
			}
		}
	}
	t.Fatalf("no EOS within %v", timeout)
	return r
}

// parse reads a videoqc element message, nil for any other.
func parse(msg *gst.Message) *message.Parsed {
	pm, ok := message.Parse(unsafe.Pointer(msg.Instance()))
	if !ok || pm.Element != Name {
		return nil
	}
	return &pm
}
