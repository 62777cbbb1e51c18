package media

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/avwatch/avwatch/testvideos/internal/synth"
)

// Decoded describes what decodebin3 made of a file.
type Decoded struct {
	Width, Height int
	FPSN, FPSD    int
	Frames        int
	VideoStart    time.Duration // PTS of the first frame
	VideoEnd      time.Duration // PTS+duration of the last frame
	Rate, Chans   int
	Samples       int // per channel
	AudioStart    time.Duration
	AudioEnd      time.Duration
	// Segment of the video (or, without video, the audio) stream: stream
	// time = PTS - SegStart + SegTime.
	SegStart, SegTime time.Duration
}

// Decode opens path with filesrc ! decodebin3 and hands every decoded
// frame (I420, valid only during the call) and audio buffer (interleaved
// float32, likewise) to the callbacks. A nil callback leaves that stream
// undecoded (decodebin3 stops at the parsed caps), which saves the time.
func Decode(path string, video func(pts time.Duration, f *synth.Frame), audio func(pts time.Duration, s []float32)) (Decoded, error) {
	Init()
	var d Decoded
	caps := "video/x-raw(ANY);audio/x-raw(ANY)"
	vbranch := "d.video_0 ! queue ! videoconvert ! video/x-raw,format=I420 ! appsink name=vs sync=false"
	abranch := "d.audio_0 ! queue ! audioconvert ! audio/x-raw,format=F32LE,layout=interleaved ! appsink name=as sync=false"
	if video == nil {
		caps = "audio/x-raw(ANY);video/x-h264"
		vbranch = "d.video_0 ! fakesink sync=false"
	}
	if audio == nil {
		caps = "video/x-raw(ANY);audio/mpeg"
		abranch = "d.audio_0 ! fakesink sync=false"
	}
	desc := fmt.Sprintf(`filesrc location="%s" ! decodebin3 name=d caps="%s" %s %s`, path, caps, vbranch, abranch)
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		return d, fmt.Errorf("decode pipeline: %w", err)
	}
	var workers []func() error
	if video != nil {
		el, _ := p.GetElementByName("vs")
		sink := app.SinkFromElement(el)
		workers = append(workers, func() error {
			for {
				s := sink.PullSample()
				if s == nil {
					return nil
				}
				if d.Frames == 0 {
					c := s.GetCaps().String()
					d.Width, d.Height = capsInt(c, "width"), capsInt(c, "height")
					d.FPSN, d.FPSD = capsFraction(c, "framerate")
				}
				b := s.GetBuffer()
				pts := time.Duration(b.PresentationTimestamp())
				if d.Frames == 0 {
					d.VideoStart = pts
					seg := s.GetSegment()
					d.SegStart, d.SegTime = time.Duration(seg.GetStart()), time.Duration(seg.GetTime())
				}
				d.VideoEnd = pts + time.Duration(b.Duration())
				d.Frames++
				mi := b.Map(gst.MapRead)
				n := synth.FrameSize(d.Width, d.Height)
				if int(mi.Size()) >= n {
					video(pts, synth.FrameOver(unsafe.Slice((*byte)(mi.Data()), n), d.Width, d.Height))
				}
				b.Unmap()
				releaseBuffer(b)
				releaseSample(s)
			}
		})
	}
	if audio != nil {
		el, _ := p.GetElementByName("as")
		sink := app.SinkFromElement(el)
		workers = append(workers, func() error {
			first := true
			for {
				s := sink.PullSample()
				if s == nil {
					return nil
				}
				if first {
					c := s.GetCaps().String()
					d.Rate, d.Chans = capsInt(c, "rate"), capsInt(c, "channels")
				}
				b := s.GetBuffer()
				pts := time.Duration(b.PresentationTimestamp())
				if first {
					d.AudioStart = pts
					first = false
				}
				d.AudioEnd = pts + time.Duration(b.Duration())
				mi := b.Map(gst.MapRead)
				n := int(mi.Size()) / 4
				if n > 0 {
					audio(pts, unsafe.Slice((*float32)(mi.Data()), n))
				}
				if d.Chans > 0 {
					d.Samples += n / d.Chans
				}
				b.Unmap()
				releaseBuffer(b)
				releaseSample(s)
			}
		})
	}
	if err := run(p, 5*time.Minute, workers...); err != nil {
		return d, fmt.Errorf("decode %s: %w", path, err)
	}
	return d, nil
}

// capsRe is read-only after init: Decode may run in parallel tests.
var capsRe = func() map[string]*regexp.Regexp {
	m := map[string]*regexp.Regexp{}
	for _, f := range []string{"width", "height", "framerate", "rate", "channels"} {
		m[f] = regexp.MustCompile(`\b` + f + `=\([a-z]+\)([0-9/]+)`)
	}
	return m
}()

func capsField(c, name string) string {
	m := capsRe[name].FindStringSubmatch(c)
	if m == nil {
		return ""
	}
	return m[1]
}

func capsInt(c, name string) int {
	v, _ := strconv.Atoi(capsField(c, name))
	return v
}

func capsFraction(c, name string) (int, int) {
	var n, d int
	fmt.Sscanf(capsField(c, name), "%d/%d", &n, &d)
	return n, d
}
