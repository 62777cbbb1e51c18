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

// TestNoDecoderForCodec: a stream that no decoder on the box takes fails
// with an error that names the stream and the packages to install. Before,
// decodebin3 left the stream unlinked and tsdemux stopped with "Internal
// data stream error … not-negotiated" (an AV1 file on a GPU box without an
// AV1 decoder). Each case runs in a child process that sees the codec's
// decoders at rank none (GST_PLUGIN_FEATURE_RANK), so decodebin3 has none:
// video is caught before the pipeline starts (decodable), audio when the
// demuxer stops (undecodable).
func TestNoDecoderForCodec(t *testing.T) {
	if c := os.Getenv("AVW_NODEC_CHILD"); c != "" {
		caps, clip, _ := strings.Cut(c, "|")
		noDecoderChild(t, caps, clip, os.Getenv("AVW_NODEC_WANT"))
		return
	}
	for _, tc := range []struct {
		name, caps, media string
		clip              testsource.Clip
		want              string
	}{
		{"video h264", "video/x-h264", "Video", testsource.Clip{Video: true, Seconds: 1, Format: "I420"},
			"no decoder on this box takes the stream's H264 video (video/x-h264): install gstreamer1.0-libav (avdec_h264)"},
		{"audio ac3", "audio/x-ac3", "Audio", testsource.Clip{Video: true, Audio: true, AudioCodec: "ac3", Seconds: 1, Format: "I420"},
			"no decoder on this box takes the stream's audio (audio/x-ac3): install gstreamer1.0-libav (avdec_ac3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			decs := Decoders(tc.caps, tc.media)
			if len(decs) == 0 {
				t.Skipf("no %s decoder on this box to hide", tc.caps)
			}
			var ranks []string
			for _, d := range decs {
				ranks = append(ranks, d+":NONE")
			}
			clip := testsource.Make(t, tc.clip)
			child := exec.Command(os.Args[0], "-test.run=^TestNoDecoderForCodec$", "-test.v")
			child.Env = append(os.Environ(), "AVW_NODEC_CHILD="+tc.caps+"|"+clip, "AVW_NODEC_WANT="+tc.want,
				"GST_PLUGIN_FEATURE_RANK="+strings.Join(ranks, ","))
			out, err := child.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS") {
				t.Fatalf("child (ranks %v): %v\n%s", ranks, err, out)
			}
		})
	}
}

func noDecoderChild(t *testing.T, caps, clip, want string) {
	media := "Video"
	if strings.HasPrefix(caps, "audio/") {
		media = "Audio"
	}
	if d := Decoders(caps, media); len(d) != 0 {
		t.Fatalf("%s decoders still visible: %v", caps, d)
	}
	s, err := StartWith(context.Background(), event.Spec{Name: "nodec", Source: clip, HWAccel: "auto"}, Options{StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, s, 20*time.Second)
	s.Stop()
	var errs []string
	for _, e := range evs {
		if e.Kind == event.KindError {
			errs = append(errs, e.Message)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Errorf("errors %q, want one containing %q", errs, want)
	}
	// A file that cannot play is down, as after any other failure.
	if last := evs[len(evs)-1]; last.State != event.Down {
		t.Errorf("ended %v, want down", kinds(evs))
	}
}
