package videoqc

import (
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/avwatch/avwatch/elements/avsync"
	"github.com/avwatch/avwatch/elements/defect"
	vd "github.com/avwatch/avwatch/elements/videodetect"
	"github.com/avwatch/avwatch/testvideos"
)

// decodedFrames decodes frames 50..50+n of the control clip (1080p H.264,
// programme content) with GStreamer, scaled to w×h I420 when that differs,
// and returns copies of them: real decoded pictures for the benchmarks.
func decodedFrames(b *testing.B, w, h, n int) []*vd.Frame {
	b.Helper()
	dir := testvideos.Dir(b)
	launch := fmt.Sprintf("filesrc location=%q ! decodebin3 ! videoconvert ! videoscale ! video/x-raw,format=I420,width=%d,height=%d ! appsink name=sink sync=false",
		filepath.Join(dir, "control.mp4"), w, h)
	p, err := gst.NewPipelineFromString(launch)
	if err != nil {
		b.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	el, err := p.GetElementByName("sink")
	if err != nil {
		b.Fatal(err)
	}
	sink := app.SinkFromElement(el)
	if err := p.SetState(gst.StatePlaying); err != nil {
		b.Fatal(err)
	}
	off, stride, size, _, err := testLayout(fmt.Sprintf("video/x-raw,format=I420,width=%d,height=%d", w, h))
	if err != nil {
		b.Fatal(err)
	}
	var frames []*vd.Frame
	for i := 0; len(frames) < n; i++ {
		s := sink.PullSample()
		if s == nil {
			b.Fatalf("clip ended after %d frames", i)
		}
		if i < 50 {
			continue
		}
		data := s.GetBuffer().Bytes() // a copy, once, at set-up
		if len(data) < size {
			b.Fatalf("decoded frame is %d bytes, want %d", len(data), size)
		}
		frames = append(frames, &vd.Frame{Width: w, Height: h, Layout: vd.Planar420,
			Y: vd.Plane{Data: data[off[0]:], Stride: stride[0]},
			U: vd.Plane{Data: data[off[1]:], Stride: stride[1]},
			V: vd.Plane{Data: data[off[2]:], Stride: stride[2]}})
	}
	return frames
}

// benchDecoded runs the analyser (all three detectors, snapshots on) over
// real decoded frames in display order, reporting CPU time per frame
// (cpu-ns/op) beside wall time: on a shared machine the wall clock also
// counts waiting for a core.
func benchDecoded(b *testing.B, w, h int) { benchDecodedAV(b, w, h, false) }

// benchDecodedAV is benchDecoded, with av adding what the element does for
// A/V sync per frame: the running time and a push of the frame's features
// (from the analysis, no second pass) into a sync group that has an audio
// member (fed no audio here: avsync's own benchmarks cost the audio side).
func benchDecodedAV(b *testing.B, w, h int, av bool) {
	frames := decodedFrames(b, w, h, 24)
	var m *avsync.Member
	if av {
		var err error
		key := fmt.Sprintf("bench-%p", b)
		if m, err = avsync.Join(key, avsync.Video, func(defect.Event) {}); err != nil {
			b.Fatal(err)
		}
		defer m.Leave()
		am, err := avsync.Join(key, avsync.Audio, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer am.Leave()
	}
	a := vd.NewAnalyzer(vd.DefaultSettings())
	a.Analyze(frames[0])
	b.ReportAllocs()
	b.SetBytes(int64(w * h))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	c0 := threadCPU()
	for i := 0; i < b.N; i++ {
		// Ping-pong through the decoded run: motion reverses, never jumps.
		k := i % (2*len(frames) - 2)
		if k >= len(frames) {
			k = 2*len(frames) - 2 - k
		}
		f := frames[k]
		f.PTS = time.Duration(i+1) * frameDur
		if _, err := a.Analyze(f); err != nil {
			b.Fatal(err)
		}
		if m != nil {
			ft := a.Features()
			m.Video(avsync.VideoFrame{PTS: f.PTS, RT: f.PTS, Duration: frameDur, Luma: ft.Luma, Diff: max(ft.Diff, 0), Bright: ft.Bright})
		}
	}
	b.ReportMetric(float64(threadCPU()-c0)/float64(b.N), "cpu-ns/op")
}

func BenchmarkDecoded1080p(b *testing.B) { benchDecoded(b, 1920, 1080) }
func BenchmarkDecoded2160p(b *testing.B) { benchDecoded(b, 3840, 2160) }

// BenchmarkDecoded1080pAV is the 1080p benchmark with the A/V sync push:
// the difference is A/V sync's per-frame cost on the video thread.
func BenchmarkDecoded1080pAV(b *testing.B) { benchDecodedAV(b, 1920, 1080, true) }

// threadCPU is the calling OS thread's CPU time (Linux RUSAGE_THREAD).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
