package videoqc

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/videodetect/testpic"
)

// TestRangeFromCaps: the black threshold follows the range the caps state,
// also when they state nothing else. "1:0:0:0" (full range, matrix
// unknown) is what avdec_h264 reports for an H.264 stream with
// video_full_range_flag set and no colour description (ffmpeg's yuvj420p);
// GstVideoInfo replaces such a colorimetry with the limited-range default.
// Luma 30 is 11.8 % of 0…255 (not black) but 6.4 % of 16…235 (black).
func TestRangeFromCaps(t *testing.T) {
	for _, c := range []struct {
		colorimetry string
		start       time.Duration // of the one black window
	}{
		{"1:0:0:0", 3 * time.Second}, // full: only the luma-0 part is black
		{"bt709", 0},                 // limited: all of it
	} {
		t.Run(c.colorimetry, func(t *testing.T) {
			t.Parallel()
			const w, h = 320, 240
			caps := fmt.Sprintf("video/x-raw,format=I420,width=%d,height=%d,framerate=25/1,colorimetry=%s", w, h, c.colorimetry)
			launch := fmt.Sprintf("appsrc name=src format=time caps=%s ! videoqc black-min-duration=1 freeze=false snapshot=false ! fakesink", caps)
			feed := func(src *app.Source) {
				defer src.EndStream()
				off, stride, size, planes, err := testLayout(caps)
				if err != nil {
					t.Error(err)
					return
				}
				l := testpic.Layout{Format: "I420", Offset: off, Stride: stride, Size: size, W: w, H: h, NPlanes: planes}
				p := testpic.New(w, h)
				buf := make([]byte, size)
				for i := 0; i < 150; i++ {
					y := uint8(30)
					if i >= 75 {
						y = 0
					}
					p.Fill(y, 128, 128)
					if err := p.Write(buf, l); err != nil {
						t.Error(err)
						return
					}
					b := testBuffer(buf, time.Duration(i)*frameDur, frameDur, false, "I420", w, h, planes, off, stride)
					if ret := src.PushBuffer(gst.FromGstBufferUnsafeFull(b)); ret != gst.FlowOK {
						t.Errorf("push frame %d: %v", i, ret)
						return
					}
				}
			}
			evs := play(t, launch, feed).of(defect.Black)
			if len(evs) != 2 || evs[0].PTS != c.start || evs[1].PTS != 150*frameDur {
				t.Fatalf("want one black window %v..%v, got %v", c.start, 150*frameDur, evs)
			}
		})
	}
}
