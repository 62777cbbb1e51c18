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

// TestNoDecoderForCodec: a stream that no decoder on the box takes is
// named, with the packages to install. Before, decodebin3 left the stream
// unlinked and tsdemux stopped with "Internal data stream error …
// not-negotiated" (an AV1 file on a GPU box without an AV1 decoder). Each
// case runs in a child process that sees the codec's decoders at rank none
// (GST_PLUGIN_FEATURE_RANK), so decodebin3 has none. Video is caught
// before the pipeline starts (decodable) and fails the stream. Audio shows
// when the demuxer stops (undecodable): beside video the stream goes on
// with the audio undecoded and a warning; alone it fails.
func TestNoDecoderForCodec(t *testing.T) {
	if c := os.Getenv("AVW_NODEC_CHILD"); c != "" {
		caps, clip, _ := strings.Cut(c, "|")
		noDecoderChild(t, caps, clip, os.Getenv("AVW_NODEC_WANT"), os.Getenv("AVW_NODEC_GOES_ON") != "")
		return
	}
	const ac3 = "no decoder on this box takes the stream's audio (audio/x-ac3): install gstreamer1.0-libav (avdec_ac3)"
	for _, tc := range []struct {
		name, caps string
		clip       testsource.Clip
		want       string
		goesOn     bool // a warning and the video analysed, not an error
	}{
		{"video h264", "video/x-h264", testsource.Clip{Video: true, Seconds: 1, Format: "I420"},
			"no decoder on this box takes the stream's H264 video (video/x-h264): install gstreamer1.0-libav (avdec_h264)", false},
		{"audio ac3 beside video", "audio/x-ac3", testsource.Clip{Video: true, Audio: true, AudioCodec: "ac3", Seconds: 1, Format: "I420"},
			ac3 + " or gstreamer1.0-plugins-ugly (a52dec); the video is analysed without it", true},
		{"audio ac3 alone", "audio/x-ac3", testsource.Clip{Audio: true, AudioCodec: "ac3", Seconds: 1}, ac3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			decs := Decoders(tc.caps, klassOfCaps(tc.caps))
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
			if tc.goesOn {
				child.Env = append(child.Env, "AVW_NODEC_GOES_ON=1")
			}
			out, err := child.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS") {
				t.Fatalf("child (ranks %v): %v\n%s", ranks, err, out)
			}
		})
	}
}

func noDecoderChild(t *testing.T, caps, clip, want string, goesOn bool) {
	if d := Decoders(caps, klassOfCaps(caps)); len(d) != 0 {
		t.Fatalf("%s decoders still visible: %v", caps, d)
	}
	s, err := StartWith(context.Background(), event.Spec{Name: "nodec", Source: clip, HWAccel: "auto"}, Options{StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, s, 20*time.Second)
	s.Stop()
	var errs, warns, decoders []string
	eos := false
	for _, e := range evs {
		switch e.Kind {
		case event.KindError:
			errs = append(errs, e.Message)
		case event.KindWarning:
			warns = append(warns, e.Message)
		case event.KindDecoder:
			decoders = append(decoders, e.Decoder)
		case event.KindEOS:
			eos = true
		}
	}
	last := evs[len(evs)-1]
	if !goesOn {
		if len(errs) != 1 || !strings.Contains(errs[0], want) {
			t.Errorf("errors %q, want one containing %q", errs, want)
		}
		// A file that cannot play is down, as after any other failure.
		if last.State != event.Down {
			t.Errorf("ended %v, want down", kinds(evs))
		}
		return
	}
	// GStreamer 1.20 also warns "capsfilter1: not negotiated" on the
	// first attempt, before its error; 1.22 does not.
	ours := 0
	for _, w := range warns {
		switch {
		case strings.Contains(w, want):
			ours++
		case !strings.Contains(w, "not negotiated"):
			t.Errorf("warning %q", w)
		}
	}
	if len(errs) != 0 || ours != 1 {
		t.Errorf("errors %q, warnings %q: want no error and one warning containing %q", errs, warns, want)
	}
	// The video was decoded and analysed to its end.
	if len(decoders) == 0 || !eos || last.State != event.Stopped {
		t.Errorf("decoders %v, eos %v, ended %v: want the video decoded to its end", decoders, eos, kinds(evs))
	}
}

// klassOfCaps is klassOf for a media type ("audio/x-ac3" -> "Audio").
func klassOfCaps(caps string) string {
	kind, _, _ := strings.Cut(caps, "/")
	return klassOf(kind)
}
