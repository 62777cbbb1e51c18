package audioqc

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/avwatch/avwatch/elements/audiodetect"
	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/elements/message"
)

func TestMain(m *testing.M) {
	gst.Init(nil)
	if err := Register(nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// result is what a pipeline run posted.
type result struct {
	defects []defect.Event
	stats   []message.Parsed
}

func (r result) of(t defect.Type) []defect.Event {
	var out []defect.Event
	for _, e := range r.defects {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// play runs a launch line to EOS and collects audioqc's messages. push, if
// set, feeds the appsrc named "src" from another goroutine.
func play(t *testing.T, launch string, push func(*app.Source)) result {
	t.Helper()
	p, err := gst.NewPipelineFromString(launch)
	if err != nil {
		t.Fatalf("%s: %v", launch, err)
	}
	return playPipeline(t, p, push)
}

// playPipeline plays p to EOS; push feeds appsrc "src", and the starts run
// once the pipeline is starting (appsrc refuses buffers before that, and
// appsink returns nothing).
func playPipeline(t *testing.T, p *gst.Pipeline, push func(*app.Source), starts ...func()) result {
	t.Helper()
	defer p.SetState(gst.StateNull)
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	for _, f := range starts {
		go f()
	}
	if push != nil {
		el, err := p.GetElementByName("src")
		if err != nil {
			t.Fatal(err)
		}
		go push(app.SrcFromElement(el))
	}
	var r result
	bus := p.GetPipelineBus()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		msg := bus.TimedPopFiltered(gst.ClockTime(time.Second), gst.MessageElement|gst.MessageEOS|gst.MessageError)
		if msg == nil {
			continue
		}
		switch msg.Type() {
		case gst.MessageEOS:
			return r
		case gst.MessageError:
			t.Fatalf("pipeline error: %v", msg.ParseError())
		case gst.MessageElement:
			pm, ok := message.Parse(unsafe.Pointer(msg.Instance()))
			runtime.KeepAlive(msg) // its finalizer unrefs the message
			if ok && pm.Element == Name {
				switch pm.Kind {
				case message.KindDefect:
					r.defects = append(r.defects, pm.Defect)
				case message.KindStats:
					r.stats = append(r.stats, pm)
				}
			}
		}
	}
	t.Fatal("no EOS within 60 s")
	return r
}

// segment of a test signal: a 1 kHz sine at level dBFS (peak), or digital
// zero when zero is set.
type segment struct {
	zero  bool
	level float64
	dur   float64
}

// pushF64 feeds ch identical channels of segs as F64LE interleaved buffers
// of 1024 samples with timestamps, then EOS.
func pushF64(rate, ch int, segs []segment) func(*app.Source) {
	return func(src *app.Source) {
		var x []float64
		for _, s := range segs {
			n := int(s.dur * float64(rate))
			a := math.Pow(10, s.level/20)
			for i := 0; i < n; i++ {
				v := 0.0
				if !s.zero {
					v = a * math.Sin(2*math.Pi*1000*float64(len(x))/float64(rate))
				}
				x = append(x, v)
			}
		}
		const chunk = 1024
		for off := 0; off < len(x); off += chunk {
			end := min(off+chunk, len(x))
			b := make([]byte, (end-off)*ch*8)
			for i := off; i < end; i++ {
				for c := 0; c < ch; c++ {
					binary.LittleEndian.PutUint64(b[((i-off)*ch+c)*8:], math.Float64bits(x[i]))
				}
			}
			buf := gst.NewBufferFromBytes(b)
			buf.SetPresentationTimestamp(gst.ClockTime(time.Duration(off) * time.Second / time.Duration(rate)))
			buf.SetDuration(gst.ClockTime(time.Duration(end-off) * time.Second / time.Duration(rate)))
			if src.PushBuffer(buf) != gst.FlowOK {
				break
			}
		}
		src.EndStream()
	}
}

var masks = map[int]string{1: "", 2: ",channel-mask=(bitmask)0x3", 6: ",channel-mask=(bitmask)0x3f", 8: ",channel-mask=(bitmask)0xc3f"}

func expectWindow(t *testing.T, evs []defect.Event, start, end float64, tol time.Duration) {
	t.Helper()
	if len(evs) != 2 || evs[0].Edge != defect.Start || evs[1].Edge != defect.End {
		t.Fatalf("got %v, want one window %.3f-%.3f", evs, start, end)
	}
	ws, we := time.Duration(start*1e9), time.Duration(end*1e9)
	if d := evs[0].PTS - ws; d < -tol || d > tol {
		t.Errorf("start %v, want %v ± %v", evs[0].PTS, ws, tol)
	}
	if d := evs[1].PTS - we; d < -tol || d > tol {
		t.Errorf("end %v, want %v ± %v", evs[1].PTS, we, tol)
	}
	if evs[0].RunningTime != evs[0].PTS || evs[0].StreamTime != evs[0].PTS {
		t.Errorf("running/stream time %v/%v for pts %v in a zero-based segment", evs[0].RunningTime, evs[0].StreamTime, evs[0].PTS)
	}
}

// Every sample format and layout at 1, 2, 6 and 8 channels finds a silence
// window to the sample, through a real pipeline (audioconvert makes the
// planar buffers, with a GstAudioMeta, as decoders do).
func TestFormatsLayoutsChannels(t *testing.T) {
	const rate = 48000
	segs := []segment{{false, -20, 1}, {true, 0, 2.5}, {false, -20, 1}}
	for _, format := range []string{"S16LE", "S32LE", "F32LE", "F64LE"} {
		for _, layout := range []string{"interleaved", "non-interleaved"} {
			for _, ch := range []int{1, 2, 6, 8} {
				name := fmt.Sprintf("%s/%s/%dch", format, layout, ch)
				t.Run(name, func(t *testing.T) {
					in := fmt.Sprintf("audio/x-raw,format=F64LE,layout=interleaved,rate=%d,channels=%d%s", rate, ch, masks[ch])
					out := fmt.Sprintf("audio/x-raw,format=%s,layout=%s,rate=%d,channels=%d", format, layout, rate, ch)
					r := play(t, fmt.Sprintf("appsrc name=src format=time caps=%q ! audioconvert dithering=none noise-shaping=none ! %s ! audioqc ! fakesink sync=false", in, out),
						pushF64(rate, ch, segs))
					ev := r.of(defect.Silence)
					expectWindow(t, ev, 1, 3.5, time.Millisecond)
					if !ev[0].DigitalZero || !ev[1].DigitalZero {
						t.Errorf("digital zero not reported: %v", ev)
					}
					if len(r.defects) != 2 {
						t.Errorf("other defects: %v", r.defects)
					}
					if len(r.stats) == 0 {
						t.Fatal("no stats")
					}
					st := r.stats[0].Stats
					for c := 0; c < ch; c++ {
						if _, ok := st[fmt.Sprintf("peak-dbfs-%d", c)]; !ok {
							t.Fatalf("stats lack channel %d: %v", c, st)
						}
					}
				})
			}
		}
	}
}

// Stats: one per second of audio, with loudness and peaks that match the
// signal (a 1 kHz stereo sine at -23 dBFS is -23 LUFS).
func TestStats(t *testing.T) {
	r := play(t, "audiotestsrc wave=sine freq=1000 volume=0.0707946 num-buffers=250 samplesperbuffer=960 ! audio/x-raw,format=F32LE,rate=48000,channels=2 ! audioqc ! fakesink sync=false", nil)
	// 250 × 20 ms = 5 s: 5 interval stats + the final partial one.
	if len(r.stats) < 5 || len(r.stats) > 6 {
		t.Fatalf("%d stats messages for 5 s of audio", len(r.stats))
	}
	last := r.stats[4].Stats
	for k, want := range map[string]float64{
		audiodetect.StatMomentary: -23, audiodetect.StatShortTerm: -23, audiodetect.StatIntegrated: -23,
		audiodetect.StatTruePeak: -23, "peak-dbfs-0": -23, "rms-dbfs-1": -26.01,
	} {
		if v, ok := last[k]; !ok || math.Abs(v-want) > 0.1 {
			t.Errorf("%s = %v, want %v", k, v, want)
		}
	}
	if last[audiodetect.StatSamples] != 48000 || last[audiodetect.StatBuffers] != 50 {
		t.Errorf("interval covers %v samples in %v buffers", last[audiodetect.StatSamples], last[audiodetect.StatBuffers])
	}
	t.Logf("analysis cost: %.3f %% of one core (%v µs per second of stereo audio)", last[audiodetect.StatCostPercent], last[audiodetect.StatCostUs])
	if len(r.defects) != 0 {
		t.Errorf("defects on a clean tone: %v", r.defects)
	}
}

// audiotestsrc silence runs to EOS: the window is closed before EOS.
func TestSilenceClosedAtEOS(t *testing.T) {
	r := play(t, "audiotestsrc wave=silence num-buffers=150 samplesperbuffer=1000 ! audio/x-raw,format=S16LE,rate=50000,channels=2 ! audioqc ! fakesink sync=false", nil)
	expectWindow(t, r.of(defect.Silence), 0, 3, time.Millisecond)
}

// The agent passes Settings.Props as launch-line properties: they parse,
// and they take effect.
func TestPropsOnLaunchLine(t *testing.T) {
	s := audiodetect.DefaultSettings()
	s.Silence.ThresholdDB = -10 // a -20 dBFS tone is now "silent"
	s.Silence.MinDuration = time.Second
	var kv []string
	for k, v := range s.Props() {
		kv = append(kv, k+"="+v)
	}
	r := play(t, "audiotestsrc wave=sine volume=0.1 num-buffers=100 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! audioqc "+
		strings.Join(kv, " ")+" ! fakesink sync=false", nil)
	expectWindow(t, r.of(defect.Silence), 0, 2, time.Millisecond)
}

// Properties change while PLAYING and read back.
func TestPropertiesWhilePlaying(t *testing.T) {
	p, err := gst.NewPipelineFromString("audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! audio/x-raw,rate=48000,channels=2 ! audioqc name=qc silence-min-duration=0.2 ! fakesink")
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(gst.StateNull)
	qc, _ := p.GetElementByName("qc")
	if err := p.SetState(gst.StatePlaying); err != nil {
		t.Fatal(err)
	}
	bus := p.GetPipelineBus()
	wait := func(want defect.Edge) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			msg := bus.TimedPopFiltered(gst.ClockTime(time.Second), gst.MessageElement|gst.MessageError)
			if msg == nil {
				continue
			}
			if msg.Type() == gst.MessageError {
				t.Fatal(msg.ParseError())
			}
			pm, ok := message.Parse(unsafe.Pointer(msg.Instance()))
			runtime.KeepAlive(msg)
			if ok && pm.Kind == message.KindDefect && pm.Defect.Edge == want {
				return
			}
		}
		t.Fatalf("no silence %s", want)
	}
	wait(defect.Start)
	// Turning silence off while a window is open closes it.
	if err := qc.SetProperty("silence", false); err != nil {
		t.Fatal(err)
	}
	wait(defect.End)
	for name, v := range map[string]any{"loudness-target-lufs": -24.0, "clipping-min-run": uint(5), "silence": false, "stats-interval": 0.5} {
		if err := qc.SetProperty(name, v); err != nil {
			t.Fatal(err)
		}
		got, err := qc.GetProperty(name)
		if err != nil || got != v {
			t.Errorf("%s = %v (%v), want %v", name, got, err, v)
		}
	}
}
