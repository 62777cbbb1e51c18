package videoqc

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"math"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/videodetect/testpic"
)

const frameDur = 40 * time.Millisecond // 25 fps

// scenario is a synthetic stream: per frame, what to show.
type scenario []string

// defects is a stream with one window of each defect type (frame numbers
// in the comments): black 25–65, freeze 90–130, blockiness 155–180.
var defects = func() scenario {
	var s scenario
	add := func(kind string, n int) {
		for i := 0; i < n; i++ {
			s = append(s, kind)
		}
	}
	add("scene", 25)
	add("black", 40)
	add("scene", 25)
	add("freeze", 40)
	add("scene", 25)
	add("blocky", 25)
	add("scene", 30)
	return s
}()

// feeder pushes a scenario into appsrc in format, w×h. pad > 0 lays the
// frames out with rows padded by pad bytes and describes that with a
// GstVideoMeta (as hardware decoders do); pad == 0 uses GStreamer's own
// layout for the caps, without meta.
func feeder(t *testing.T, sc scenario, format string, w, h, pad int) func(*app.Source) {
	return func(src *app.Source) {
		defer src.EndStream()
		caps := fmt.Sprintf("video/x-raw,format=%s,width=%d,height=%d,framerate=25/1", format, w, h)
		var l testpic.Layout
		if pad > 0 {
			var err error
			if l, err = testpic.Padded(format, w, h, pad); err != nil {
				t.Error(err)
				return
			}
		} else {
			off, stride, size, planes, err := testLayout(caps)
			if err != nil {
				t.Error(err)
				return
			}
			l = testpic.Layout{Format: format, Offset: off, Stride: stride, Size: size, W: w, H: h, NPlanes: planes}
		}
		p := testpic.New(w, h)
		buf := make([]byte, l.Size)
		for i, kind := range sc {
			ts := float64(i) / 25
			switch kind {
			case "scene":
				p.Scene(ts, 1, uint64(i))
			case "black":
				p.Fill(16, 128, 128)
			case "freeze":
			case "blocky":
				p.Scene(ts, 1, uint64(i))
				p.Blockify(h/3, h)
			}
			if err := p.Write(buf, l); err != nil {
				t.Error(err)
				return
			}
			b := testBuffer(buf, time.Duration(i)*frameDur, frameDur, pad > 0, format, w, h, l.NPlanes, l.Offset, l.Stride)
			if ret := src.PushBuffer(gst.FromGstBufferUnsafeFull(b)); ret != gst.FlowOK {
				t.Errorf("push frame %d: %v", i, ret)
				return
			}
		}
	}
}

func appsrcLaunch(format string, w, h int, props string) string {
	return fmt.Sprintf("appsrc name=src format=time caps=video/x-raw,format=%s,width=%d,height=%d,framerate=25/1 ! videoqc %s ! fakesink", format, w, h, props)
}

// wantWindow checks one start/end pair of typ within ±tol frames.
func wantWindow(t *testing.T, r result, typ defect.Type, start, end, tol int) {
	t.Helper()
	evs := r.of(typ)
	if len(evs) != 2 || evs[0].Edge != defect.Start || evs[1].Edge != defect.End {
		t.Fatalf("%s: want one start/end pair, got %v", typ, evs)
	}
	s, e := int(evs[0].PTS/frameDur), int(evs[1].PTS/frameDur)
	if abs(s-start) > tol || abs(e-end) > tol {
		t.Fatalf("%s: frames %d..%d, want %d..%d ±%d", typ, s, e, start, end, tol)
	}
	if evs[0].RunningTime != evs[0].PTS || evs[0].StreamTime != evs[0].PTS {
		t.Fatalf("%s: running/stream time %v/%v, want the PTS %v (segment from 0)", typ, evs[0].RunningTime, evs[0].StreamTime, evs[0].PTS)
	}
	if evs[1].Duration != evs[1].PTS-evs[0].PTS {
		t.Fatalf("%s: end duration %v", typ, evs[1].Duration)
	}
	for _, sn := range r.snapshots {
		if sn.Defect.Type == typ {
			if sn.Defect.PTS != evs[0].PTS {
				t.Fatalf("%s: snapshot of %v, want the first bad frame %v", typ, sn.Defect.PTS, evs[0].PTS)
			}
			img, err := jpeg.Decode(bytes.NewReader(sn.JPEG))
			if err != nil {
				t.Fatalf("%s: snapshot: %v", typ, err)
			}
			if w := img.Bounds().Dx(); w > 640 || w < 2 {
				t.Fatalf("%s: snapshot %d px wide", typ, w)
			}
			return
		}
	}
	t.Fatalf("%s: no snapshot", typ)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

const detectProps = "black-min-duration=1 freeze-min-duration=1"

// TestEveryFormat runs the three defects through the element in each
// accepted format, in GStreamer's own layout for the caps.
func TestEveryFormat(t *testing.T) {
	for _, format := range []string{"I420", "YV12", "NV12", "Y42B", "Y444", "GRAY8"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			r := play(t, appsrcLaunch(format, 640, 360, detectProps), feeder(t, defects, format, 640, 360, 0))
			wantWindow(t, r, defect.Black, 25, 65, 0)
			wantWindow(t, r, defect.Freeze, 90, 130, 0)
			wantWindow(t, r, defect.Blockiness, 155, 180, 1)
			if len(r.defects) != 6 || len(r.warnings) != 0 {
				t.Fatalf("defects %v warnings %v", r.defects, r.warnings)
			}
		})
	}
}

// TestStridesFromVideoMeta: odd width 1917 (stride > width even in
// GStreamer's own layout) and frames whose rows carry padding described
// only by a GstVideoMeta, as hardware decoders hand them over.
func TestStridesFromVideoMeta(t *testing.T) {
	for _, c := range []struct {
		format string
		w, h   int
		pad    int
	}{{"I420", 1917, 1080, 0}, {"I420", 1917, 1080, 131}, {"NV12", 1280, 720, 256}, {"Y444", 638, 358, 66}} {
		t.Run(fmt.Sprintf("%s_%dx%d_pad%d", c.format, c.w, c.h, c.pad), func(t *testing.T) {
			r := play(t, appsrcLaunch(c.format, c.w, c.h, detectProps), feeder(t, defects, c.format, c.w, c.h, c.pad))
			wantWindow(t, r, defect.Black, 25, 65, 0)
			wantWindow(t, r, defect.Freeze, 90, 130, 0)
			wantWindow(t, r, defect.Blockiness, 155, 180, 1)
		})
	}
}

// TestBlackUntilEOS: a window still open at EOS is closed, with its
// snapshot, before EOS reaches the bus.
func TestBlackUntilEOS(t *testing.T) {
	r := play(t, "videotestsrc pattern=black num-buffers=75 ! video/x-raw,width=320,height=240,framerate=25/1 ! videoqc black-min-duration=1 ! fakesink", nil)
	evs := r.of(defect.Black)
	if len(evs) != 2 || evs[0].PTS != 0 || evs[1].PTS != 3*time.Second {
		t.Fatalf("want black 0..3s closed at EOS, got %v", evs)
	}
	if len(r.snapshots) != 1 {
		t.Fatalf("want the snapshot before EOS, got %d", len(r.snapshots))
	}
	if len(r.of(defect.Freeze)) != 0 {
		t.Fatalf("black stills are black, not frozen: %v", r.defects)
	}
}

// TestPropertiesWhilePlaying changes settings on a playing pipeline from
// another goroutine: disabling black closes the open window, a new stats
// interval takes effect, and the properties read back.
func TestPropertiesWhilePlaying(t *testing.T) {
	p, err := gst.NewPipelineFromString("videotestsrc pattern=black is-live=true num-buffers=100 ! video/x-raw,width=320,height=240,framerate=25/1 ! videoqc name=qc black-min-duration=0.5 snapshot=false ! fakesink")
	if err != nil {
		t.Fatal(err)
	}
	el, err := p.GetElementByName("qc")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Reads race with the streaming thread's use of the settings.
		for i := 0; i < 200; i++ {
			v, _ := el.GetProperty("black-ratio")
			_ = v
		}
	}()
	// Disable black once its start has been seen on the bus.
	var r result
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	bus := p.GetPipelineBus()
	deadline := time.Now().Add(30 * time.Second)
	disabled := false
	for !r.eos && time.Now().Before(deadline) {
		msg := bus.TimedPopFiltered(gst.ClockTime(200*time.Millisecond), gst.MessageElement|gst.MessageEOS|gst.MessageError)
		if msg == nil {
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			r.eos = true
		case gst.MessageError:
			t.Fatal(msg.ParseError())
		default:
			pm := parse(msg)
			if pm == nil || pm.Kind != "defect" {
				continue
			}
			r.defects = append(r.defects, pm.Defect)
			if pm.Defect.Edge == defect.Start && !disabled {
				disabled = true
				if err := el.SetProperty("black", false); err != nil {
					t.Fatal(err)
				}
				if err := el.SetProperty("stats-interval", 0.25); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	<-done
	evs := r.of(defect.Black)
	if len(evs) != 2 || evs[1].Edge != defect.End || evs[1].PTS <= evs[0].PTS || evs[1].PTS >= 4*time.Second {
		t.Fatalf("disabling black in PLAYING must close the window before EOS: %v", evs)
	}
	if v, _ := el.GetProperty("black"); v != false {
		t.Fatalf("black reads back %v", v)
	}
	if v, _ := el.GetProperty("stats-interval"); v != 0.25 {
		t.Fatalf("stats-interval reads back %v", v)
	}
	// An invalid value (blockiness-threshold 0) is refused, the old one kept.
	el.SetProperty("blockiness-threshold", 0.0)
	if v, _ := el.GetProperty("blockiness-threshold"); v != 1.0 {
		t.Fatalf("blockiness-threshold 0 accepted: %v", v)
	}
}

func TestStatsInterval(t *testing.T) {
	r := play(t, "videotestsrc num-buffers=100 ! video/x-raw,width=320,height=240,framerate=25/1 ! videoqc stats-interval=0.5 ! fakesink", nil)
	// 4 s of media, one message per 0.5 s after the first frame.
	if n := len(r.stats); n < 6 || n > 8 {
		t.Fatalf("got %d stats messages, want 7", n)
	}
	last := r.stats[len(r.stats)-1]
	for _, name := range StatNames {
		if _, ok := last.Stats[name]; !ok {
			t.Fatalf("stats lack %q: %v", name, last.Stats)
		}
	}
	if f := last.Stats["frames"]; f < 80 || f > 100 {
		t.Fatalf("frames = %v", f)
	}
	if c := last.Stats["analysis-us"]; c <= 0 || c > 5000 {
		t.Fatalf("analysis-us = %v", c)
	}
}

// TestFlushingSeekClosesWindow: a flushing seek ends the open window where
// the old timeline stopped, and the analysis starts afresh at the new
// position (nothing compared across the cut).
func TestFlushingSeekClosesWindow(t *testing.T) {
	p, err := gst.NewPipelineFromString("videotestsrc pattern=black ! video/x-raw,width=320,height=240,framerate=25/1 ! videoqc black-min-duration=0.5 snapshot=false ! fakesink sync=true")
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	bus := p.GetPipelineBus()
	var evs []defect.Event
	deadline := time.Now().Add(30 * time.Second)
	seeked := false
	for len(evs) < 3 && time.Now().Before(deadline) {
		msg := bus.TimedPopFiltered(gst.ClockTime(100*time.Millisecond), gst.MessageElement|gst.MessageError)
		if msg == nil {
			continue
		}
		if msg.Type() == gst.MessageError {
			t.Fatal(msg.ParseError())
		}
		pm := parse(msg)
		if pm == nil || pm.Kind != "defect" {
			continue
		}
		evs = append(evs, pm.Defect)
		if !seeked {
			seeked = true
			if !p.SeekSimple(int64(10*time.Second), gst.FormatTime, gst.SeekFlagFlush) {
				t.Fatal("seek refused")
			}
		}
	}
	if len(evs) != 3 || evs[0].Edge != defect.Start || evs[0].PTS != 0 ||
		evs[1].Edge != defect.End || evs[1].PTS < 500*time.Millisecond || evs[1].PTS > 5*time.Second ||
		evs[2].Edge != defect.Start || evs[2].PTS != 10*time.Second {
		t.Fatalf("want start 0, end where the old timeline stopped, start again at 10 s: %v", evs)
	}
}

// TestTenBit: 10-bit formats are analysed as they come (no videoconvert
// in these pipelines, so a format videoqc refused would fail to
// negotiate): black found with its snapshot, and the mean luma of a test
// pattern the same as its 8-bit twin's.
func TestTenBit(t *testing.T) {
	luma := func(r result) float64 {
		if len(r.stats) == 0 {
			t.Fatal("no stats")
		}
		v, ok := r.stats[0].Stats["luma"]
		if !ok {
			t.Fatalf("no luma in %v", r.stats[0].Stats)
		}
		return v
	}
	want := luma(play(t, "videotestsrc pattern=smpte num-buffers=30 ! video/x-raw,format=I420,width=320,height=240,framerate=25/1 ! videoqc stats-interval=0.5 ! fakesink", nil))
	for _, f := range []string{"I420_10LE", "I422_10LE", "Y444_10LE", "P010_10LE"} {
		r := play(t, "videotestsrc pattern=black num-buffers=75 ! video/x-raw,format="+f+",width=320,height=240,framerate=25/1 ! videoqc black-min-duration=1 ! fakesink", nil)
		if evs := r.of(defect.Black); len(evs) != 2 || evs[0].PTS != 0 || len(r.snapshots) != 1 || len(r.warnings) != 0 {
			t.Errorf("%s black: %v, %d snapshots, warnings %v", f, evs, len(r.snapshots), r.warnings)
		}
		r = play(t, "videotestsrc pattern=smpte num-buffers=30 ! video/x-raw,format="+f+",width=320,height=240,framerate=25/1 ! videoqc stats-interval=0.5 ! fakesink", nil)
		if got := luma(r); math.Abs(got-want) > 0.01 || len(r.defects) != 0 {
			t.Errorf("%s smpte: luma %.4f, 8-bit %.4f; defects %v", f, got, want, r.defects)
		}
	}
}
