package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
)

func TestValidate(t *testing.T) {
	clip := testsource.Make(t, testsource.Clip{Video: true, Audio: true})
	aq := map[string]string{"audioqc.silence-threshold-db": "-50"}
	cases := []struct {
		name string
		spec event.Spec
		want string // "" valid
	}{
		{"file", event.Spec{Source: clip}, ""},
		{"file with properties", event.Spec{Source: clip, Properties: aq}, ""},
		{"rtsp", event.Spec{Source: "rtsp://cam/1"}, ""},
		{"srt", event.Spec{Source: "srt://10.0.0.1:9000"}, ""},
		{"udp", event.Spec{Source: "udp://239.1.1.1:5000"}, ""},
		{"rtp", event.Spec{Source: "rtp://:5004"}, ""},
		{"hls", event.Spec{Source: "https://cdn/live.m3u8"}, ""},
		{"test", event.Spec{Source: "test://"}, ""},
		{"software", event.Spec{Source: clip, HWAccel: "software"}, ""},
		{"user pipeline", event.Spec{Pipeline: "audiotestsrc ! audioqc ! fakesink", Properties: aq}, ""},
		{"template", event.Spec{Source: clip, Pipeline: "{source} ! {decode} {audio} ! audioqc silence-min-duration=1 ! {sink}"}, ""},

		{"nothing", event.Spec{}, "no source and no pipeline"},
		{"both", event.Spec{Source: clip, Pipeline: "audiotestsrc ! audioqc ! fakesink"}, "both a source and a pipeline"},
		{"template without source", event.Spec{Pipeline: "{source} ! audioqc ! fakesink"}, "no source"},
		{"bad hwaccel", event.Spec{Source: clip, HWAccel: "cuda"}, `unknown hwaccel "cuda"`},
		{"absent hwaccel", event.Spec{Source: clip, HWAccel: "nvidia"}, "hwaccel nvidia: no nvidia decoder on this box (looked for nvh264dec, nvh265dec): install"},
		{"bad scheme", event.Spec{Source: "ftp://x/y.ts"}, `unsupported scheme "ftp"`},
		{"missing file", event.Spec{Source: "/nonexistent/clip.ts"}, "no such file or directory"},
		{"unknown element", event.Spec{Pipeline: "audiotestsrc ! audiqc ! fakesink"}, `no element "audiqc" on this box: check the spelling (gst-inspect-1.0 audiqc)`},
		{"no analyser", event.Spec{Pipeline: "audiotestsrc ! fakesink"}, "pipeline has no videoqc or audioqc element"},
		{"syntax", event.Spec{Pipeline: "audiotestsrc ! ! audioqc"}, "pipeline does not parse"},
		{"bad link", event.Spec{Pipeline: "videotestsrc ! audioqc ! fakesink"}, "could not link"},
		{"bad inline property", event.Spec{Pipeline: "audiotestsrc ! audioqc silence-db=3 ! fakesink"}, `no property "silence-db" in element "audioqc" (gst-inspect-1.0 audioqc lists`},
		{"bad inline value", event.Spec{Pipeline: "audiotestsrc ! audioqc silence-threshold-db=loud ! fakesink"}, `could not set property "silence-threshold-db" in element "audioqc" to "loud" (gst-inspect-1.0 audioqc lists`},
		{"property of unknown element", event.Spec{Source: clip, Properties: map[string]string{"vqc.black": "true"}}, `no element named or made by "vqc"`},
		{"unknown property", event.Spec{Source: clip, Properties: map[string]string{"audioqc.silence-db": "-50"}}, `has no property "silence-db" (gst-inspect-1.0 audioqc lists them)`},
		{"bad value", event.Spec{Source: clip, Properties: map[string]string{"audioqc.silence-threshold-db": "loud"}}, `"silence-threshold-db": loud is not a valid gdouble`},
		{"out of range", event.Spec{Source: clip, Properties: map[string]string{"audioqc.silence-threshold-db": "5"}}, "5 is out of range"},
		{"key without dot", event.Spec{Source: clip, Properties: map[string]string{"audioqc": "5"}}, "write element.property"},
		{"{audio} on test source", event.Spec{Source: "test://?audio=0", Pipeline: "{source} ! audioqc ! fakesink"}, "{source}"},
	}
	for _, c := range cases {
		err := Validate(c.spec)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v\n  want it to contain %q", c.name, err, c.want)
		}
	}
	if n := LivePipelines(); n != 0 {
		t.Errorf("validation left %d pipelines", n)
	}
}

// TestParseErrorNamesFactory: GStreamer 1.20's parser names the element
// instance in property errors (1.22 names the factory); the message the
// user gets names what they wrote either way. The messages are 1.20's
// (gst/parse/grammar.y, gst_parse_element_set).
func TestParseErrorNamesFactory(t *testing.T) {
	if err := Init(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		code      int
		msg, want string
	}{
		{parseErrNoSuchProp, `no property "silence-db" in element "audioqc30"`, `pipeline: no property "silence-db" in element "audioqc" (gst-inspect-1.0 audioqc lists its properties)`},
		{parseErrNoSuchProp, `no property "silence-db" in element "audioqc"`, `pipeline: no property "silence-db" in element "audioqc" (gst-inspect-1.0 audioqc lists its properties)`},
		{parseErrNoSuchProp, `no property "foo" in element "decodebin3-2"`, `in element "decodebin3" (gst-inspect-1.0 decodebin3 lists`},
		{parseErrCouldNotSetProp, `could not set property "silence-threshold-db" in element "audioqc0" to "loud"`, `pipeline: could not set property "silence-threshold-db" in element "audioqc" to "loud" (gst-inspect-1.0 audioqc lists`},
		// A name= the user gave is what they wrote: kept.
		{parseErrNoSuchProp, `no property "silence-db" in element "aqc1"`, `in element "aqc1" (gst-inspect-1.0 ELEMENT lists`},
		{parseErrNoSuchProp, `no property "x" in element "h264parse"`, `in element "h264parse" (`},
	} {
		got := describeParseError(&parseError{code: c.code, msg: c.msg})
		if !strings.Contains(got, c.want) {
			t.Errorf("%s\n  gave %s\n  want it to contain %s", c.msg, got, c.want)
		}
	}
}

func TestStartRejectsBadSpecs(t *testing.T) {
	for _, spec := range []event.Spec{
		{Source: "ftp://x"},
		{Pipeline: "audiotestsrc ! fakesink"},
		{Pipeline: "audiotestsrc ! nosuchelement ! audioqc ! fakesink"},
		{Source: "/nonexistent.ts"},
		{HWAccel: "gpu", Source: "test://"},
	} {
		if s, err := Start(context.Background(), spec); err == nil {
			s.Stop()
			t.Errorf("%+v: started", spec)
		}
	}
}

// TestSetPropertiesLive changes a property while playing and reads it back.
func TestSetPropertiesLive(t *testing.T) {
	s, err := StartWith(context.Background(), event.Spec{Name: "props", Source: "test://?video=0", Sync: true,
		Properties: map[string]string{"audioqc.silence-threshold-db": "-50"}}, Options{StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	waitFor(t, s, "playing", 10*time.Second, isState(event.Playing))
	r := s.(*stream)
	if v, err := r.property("audioqc.silence-threshold-db"); err != nil || v != "-50" {
		t.Errorf("initial: %q %v", v, err)
	}
	if err := s.SetProperties(map[string]string{"audioqc.silence-threshold-db": "-42.5"}); err != nil {
		t.Fatal(err)
	}
	if v, err := r.property("audioqc.silence-threshold-db"); err != nil || v != "-42.5" {
		t.Errorf("after SetProperties: %q %v", v, err)
	}
	if err := s.SetProperties(map[string]string{"audioqc.no-such": "1"}); err == nil || !strings.Contains(err.Error(), "no-such") {
		t.Errorf("bad property: %v", err)
	}
	if err := s.SetProperties(map[string]string{"nodot": "1"}); err == nil {
		t.Error("key without a dot accepted")
	}
}

// TestPropertiesOfAbsentAnalyser: settings for videoqc on an audio-only
// source (the agent sends both) are kept, not applied, and not an error.
func TestPropertiesOfAbsentAnalyser(t *testing.T) {
	props := map[string]string{"videoqc.black-min-duration": "1", "audioqc.silence-threshold-db": "-50"}
	s, err := StartWith(context.Background(), event.Spec{Name: "a", Source: "test://?video=0", Sync: true, Properties: props}, Options{StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ev := waitFor(t, s, "playing", 10*time.Second, func(e event.Event) bool {
		return e.Kind == event.KindWarning || e.Kind == event.KindState && e.State == event.Playing
	})
	if ev.Kind == event.KindWarning {
		t.Errorf("warning: %s", ev.Message)
	}
	if err := s.SetProperties(map[string]string{"videoqc.black-min-duration": "3"}); err != nil {
		t.Errorf("SetProperties: %v", err)
	}
}

// TestStopWhilePlaying stops live streams mid-run, several at once, and
// counts what is left.
func TestStopWhilePlaying(t *testing.T) {
	g := runtimeGoroutines()
	var streams []event.Stream
	for i := 0; i < 3; i++ {
		s, err := StartWith(context.Background(), event.Spec{Name: "stop", Source: "test://?width=160&height=120", Sync: true}, Options{StatsInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, s)
	}
	for _, s := range streams {
		waitFor(t, s, "playing", 10*time.Second, isState(event.Playing))
	}
	// Nobody reads the events any more: Stop must not deadlock on them.
	time.Sleep(300 * time.Millisecond)
	for _, s := range streams {
		s.Stop()
		for range s.Events() { // closed after Stop
		}
	}
	checkNoLeaks(t, g)
}
