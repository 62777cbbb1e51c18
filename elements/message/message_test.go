package message

import (
	"testing"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/avwatch/avwatch/elements/defect"
)

// roundTrip posts through a real element inside a real pipeline and reads the
// message back from the bus, as the pipeline runner does.
func roundTrip(t *testing.T, post func(p *Poster)) Parsed {
	t.Helper()
	gst.Init(nil)
	pl, err := gst.NewPipeline("")
	if err != nil {
		t.Fatal(err)
	}
	id, err := gst.NewElement("identity")
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.Add(id); err != nil {
		t.Fatal(err)
	}
	post(NewPoster(id.Unsafe(), "videoqc"))
	msg := pl.GetPipelineBus().TimedPopFiltered(gst.ClockTime(time.Second), gst.MessageElement)
	if msg == nil {
		t.Fatal("no element message on the bus")
	}
	p, ok := Parse(unsafe.Pointer(msg.Instance()))
	if !ok {
		t.Fatalf("Parse refused %s", msg.GetStructure().String())
	}
	if p.Element != "videoqc" {
		t.Fatalf("element %q", p.Element)
	}
	return p
}

func TestDefectRoundTrip(t *testing.T) {
	in := defect.Event{Type: defect.Silence, Edge: defect.End, PTS: 4 * time.Second, RunningTime: -1,
		StreamTime: 3 * time.Second, Duration: 2500 * time.Millisecond, Value: -92.5, Threshold: -60,
		Channel: 1, DigitalZero: true}
	p := roundTrip(t, func(p *Poster) { p.Defect(in) })
	if p.Kind != KindDefect || p.Defect != in {
		t.Fatalf("got %+v\nwant %+v", p.Defect, in)
	}
}

func TestSnapshotAndStats(t *testing.T) {
	jpeg := []byte{0xff, 0xd8, 1, 2, 3, 0xff, 0xd9}
	p := roundTrip(t, func(p *Poster) { p.Snapshot(defect.Black, time.Second, jpeg) })
	if p.Kind != KindSnapshot || string(p.JPEG) != string(jpeg) || p.Defect.Type != defect.Black || p.Defect.PTS != time.Second {
		t.Fatalf("snapshot: %+v", p)
	}
	p = roundTrip(t, func(p *Poster) { p.Stats(2*time.Second, []string{"frames", "luma-mean"}, []float64{50, 16.5}) })
	if p.Kind != KindStats || p.PTS != 2*time.Second || len(p.Stats) != 2 || p.Stats["frames"] != 50 || p.Stats["luma-mean"] != 16.5 {
		t.Fatalf("stats: %+v", p)
	}
}

func TestForeignMessageIgnored(t *testing.T) {
	gst.Init(nil)
	pl, _ := gst.NewPipeline("")
	st := gst.NewStructure("level")
	st.SetValue("rms", 1.0)
	pl.PostMessage(gst.NewElementMessage(pl, st))
	msg := pl.GetPipelineBus().TimedPopFiltered(gst.ClockTime(time.Second), gst.MessageElement)
	if msg == nil {
		t.Fatal("no message")
	}
	if _, ok := Parse(unsafe.Pointer(msg.Instance())); ok {
		t.Fatal("Parse accepted a message without kind")
	}
}
