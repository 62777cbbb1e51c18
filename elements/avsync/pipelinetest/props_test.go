package pipelinetest

import (
	"strconv"
	"testing"

	"github.com/go-gst/go-gst/gst"

	"github.com/avwatch/avwatch/elements/avsync"
)

// TestProperties: videoqc carries every A/V sync setting as a property with
// its default (avsync.Settings.Props is what the agent sets), accepts valid
// changes, refuses invalid ones (keeping the old value); both elements
// carry sync-group.
func TestProperties(t *testing.T) {
	v, err := gst.NewElement("videoqc")
	if err != nil {
		t.Fatal(err)
	}
	a, err := gst.NewElement("audioqc")
	if err != nil {
		t.Fatal(err)
	}
	def := avsync.DefaultSettings()
	for name, want := range def.Props() {
		got, err := v.GetProperty(name)
		if err != nil {
			t.Fatalf("videoqc has no property %s: %v", name, err)
		}
		var s string
		switch x := got.(type) {
		case bool:
			s = map[bool]string{true: "true", false: "false"}[x]
		case float64:
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
		if s != want {
			t.Errorf("videoqc %s default %v, settings default %s", name, got, want)
		}
	}
	for _, e := range []*gst.Element{v, a} {
		if g, err := e.GetProperty(avsync.PropSyncGroup); err != nil || g != "" {
			t.Fatalf("sync-group default %q, %v", g, err)
		}
		if err := e.SetProperty(avsync.PropSyncGroup, "prog2"); err != nil {
			t.Fatal(err)
		}
		if g, _ := e.GetProperty(avsync.PropSyncGroup); g != "prog2" {
			t.Fatalf("sync-group reads back %q", g)
		}
	}
	if err := v.SetProperty(avsync.PropLateMs, 150.0); err != nil {
		t.Fatal(err)
	}
	if x, _ := v.GetProperty(avsync.PropLateMs); x != 150.0 {
		t.Fatalf("av-late-ms reads back %v", x)
	}
	// Not inside the ±1000 ms search range: refused, the old value stays.
	if err := v.SetProperty(avsync.PropLateMs, 1000.0); err != nil {
		t.Fatal(err)
	}
	if x, _ := v.GetProperty(avsync.PropLateMs); x != 150.0 {
		t.Fatalf("invalid av-late-ms accepted: reads back %v", x)
	}
	if err := v.SetProperty(avsync.PropCorrelation, false); err != nil {
		t.Fatal(err)
	}
	if x, _ := v.GetProperty(avsync.PropCorrelation); x != false {
		t.Fatalf("av-correlation reads back %v", x)
	}
}

// TestSyncGroups: sync-group=none keeps videoqc out of A/V sync (no av
// stats); a second videoqc in one pipeline's group is refused with a
// warning naming the fix, and the first pair still works.
func TestSyncGroups(t *testing.T) {
	src := "videotestsrc num-buffers=50 ! video/x-raw,width=320,height=240,framerate=25/1 ! tee name=t " +
		"audiotestsrc num-buffers=50 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! audioqc ! fakesink sync=false async=false "
	r := play(t, src+"t. ! queue ! videoqc name=vqc stats-interval=0.1 sync-group=none ! fakesink sync=false async=false")
	if len(r.stats) != 0 {
		t.Fatalf("sync-group=none still reports A/V stats: %v", r.stats[0])
	}
	r = play(t, src+"t. ! queue ! videoqc name=vqc stats-interval=0.1 ! fakesink sync=false async=false "+
		"t. ! queue ! videoqc name=second ! fakesink sync=false async=false")
	if !hasWarning(r, "distinct sync-group") {
		t.Fatalf("no warning about the second videoqc: %v", r.warn)
	}
	if len(r.stats) == 0 {
		t.Fatal("the first pair reports no A/V stats")
	}
}
