package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
)

// TestNVIDIADecode is the nvidia profile on real hardware. nvcodec
// registers its decoders only where CUDA and the driver's libnvcuvid work,
// so on CI (no GPU) the nvidia cases skip and only the software control
// runs, which holds the same assertions to avdec; scripts/device/nvidia.sh
// runs the test on a GPU box. Per codec: the GPU decoder is the one in use
// (not a silent software decode, not a fallback), cudadownload hands
// videoqc frames it can map, every frame reaches it, and what it reports
// matches the content: a black clip is one black window over the whole
// clip, a moving test pattern is clean.
func TestNVIDIADecode(t *testing.T) {
	const seconds, fps = 4, 25
	for _, c := range []struct{ hwaccel, codec, decoder string }{
		{"software", "h264", "avdec_h264"}, {"software", "h265", "avdec_h265"},
		{"nvidia", "h264", "nvh264dec"}, {"nvidia", "h265", "nvh265dec"},
	} {
		c := c
		t.Run(c.hwaccel+"/"+c.codec, func(t *testing.T) {
			if !(Registry{}).Has(c.decoder) {
				t.Skipf("no %s on this box (nvidia: needs an NVIDIA GPU, its driver and gstreamer1.0-plugins-bad)", c.decoder)
			}
			for _, pattern := range []string{"black", "smpte"} {
				clip := testsource.Make(t, testsource.Clip{Video: true, Seconds: seconds, Codec: c.codec, Pattern: pattern, Width: 640, Height: 360, Format: "I420"})
				s, err := StartWith(context.Background(), event.Spec{Name: "nv", Source: clip, HWAccel: c.hwaccel}, Options{StatsInterval: time.Hour})
				if err != nil {
					t.Fatalf("%s: %v", pattern, err)
				}
				evs := collect(t, s, 60*time.Second)
				s.Stop()
				var decoders []string
				var frames float64
				var windows []event.Event
				for _, e := range evs {
					switch {
					case e.Kind == event.KindDecoder:
						decoders = append(decoders, e.Decoder)
						if e.Fallback {
							t.Errorf("%s: fell back to software: %v", pattern, kinds(evs))
						}
					case e.Kind == event.KindStats && e.Element == "pipeline":
						frames = e.Stats["video_frames"]
					case e.Kind == event.KindDefect:
						windows = append(windows, e)
					case e.Kind == event.KindError:
						t.Errorf("%s: %s", pattern, e.Message)
					}
				}
				if len(decoders) != 1 || decoders[0] != c.decoder {
					t.Errorf("%s: decoders in use %v, want [%s]", pattern, decoders, c.decoder)
				}
				if frames != seconds*fps {
					t.Errorf("%s: videoqc saw %v frames, want %d", pattern, frames, seconds*fps)
				}
				if pattern == "black" {
					if len(windows) != 2 || windows[0].Defect.Type != defect.Black || windows[0].Defect.Edge != defect.Start || windows[1].Defect.Edge != defect.End ||
						windows[0].MediaTime != 0 || windows[1].MediaTime < (seconds-1)*time.Second {
						t.Errorf("black clip: defects %v, want one black window from 0 to the end", kinds(windows))
					}
				} else if len(windows) != 0 {
					t.Errorf("%s clip: defects %v, want none", pattern, kinds(windows))
				}
				if last := evs[len(evs)-1]; last.State != event.Stopped {
					t.Errorf("%s: ended %v", pattern, kinds(evs))
				}
			}
		})
	}
}
