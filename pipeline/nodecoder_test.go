package pipeline

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
)

// TestNoDecoderForCodec: a stream whose codec no decoder on the box takes
// fails at once with an error that names the codec and the packages to
// install. Before, decodebin3 left the stream unlinked and qtdemux/tsdemux
// stopped with "Internal data stream error … not-negotiated" (an AV1 file on
// a GPU box without an AV1 decoder). The child process sees every H.264
// decoder at rank none (GST_PLUGIN_FEATURE_RANK), so decodebin3 has none.
func TestNoDecoderForCodec(t *testing.T) {
	if os.Getenv("AVW_NODEC_CHILD") != "" {
		noDecoderChild(t)
		return
	}
	decs := Decoders("video/x-h264", "Video")
	if len(decs) == 0 {
		t.Skip("no H.264 decoder on this box to hide")
	}
	var ranks []string
	for _, d := range decs {
		ranks = append(ranks, d+":NONE")
	}
	clip := testsource.Make(t, testsource.Clip{Video: true, Seconds: 1, Format: "I420"})
	child := exec.Command(os.Args[0], "-test.run=^TestNoDecoderForCodec$", "-test.v")
	child.Env = append(os.Environ(), "AVW_NODEC_CHILD="+clip, "GST_PLUGIN_FEATURE_RANK="+strings.Join(ranks, ","))
	out, err := child.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child (ranks %v): %v\n%s", ranks, err, out)
	}
}

func noDecoderChild(t *testing.T) {
	if d := Decoders("video/x-h264", "Video"); len(d) != 0 {
		t.Fatalf("H.264 decoders still visible: %v", d)
	}
	clip := os.Getenv("AVW_NODEC_CHILD")
	s, err := StartWith(context.Background(), event.Spec{Name: "nodec", Source: clip, HWAccel: "auto"}, Options{StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, s, 20*time.Second)
	s.Stop()
	var errs []string
	for _, e := range evs {
		switch e.Kind {
		case event.KindError:
			errs = append(errs, e.Message)
		case event.KindDecoder:
			t.Errorf("decoder event %q with no decoder", e.Decoder)
		}
	}
	want := "no decoder on this box takes the stream's H264 video (video/x-h264): install gstreamer1.0-libav (avdec_h264)"
	if len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Errorf("errors %q, want one containing %q", errs, want)
	}
	// A file that cannot play is down, as after any other failure.
	if last := evs[len(evs)-1]; last.State != event.Down {
		t.Errorf("ended %v, want down", kinds(evs))
	}
}
