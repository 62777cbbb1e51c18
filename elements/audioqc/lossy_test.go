package audioqc

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
	"github.com/go-gst/go-gst/gst/app"

	"github.com/avwatch/avwatch/elements/defect"
)

// Through real lossy codecs (AAC, MP2 — what broadcast feeds carry) the
// detectors still find clipping, silence and channel loss within 50 ms.
// The codec's delay is measured by cross-correlating the decoded signal
// with the input, and the truth is shifted by it.
func TestThroughLossyCodecs(t *testing.T) {
	const rate = 48000
	l, r := lossyProgramme(rate)
	truth := []struct {
		typ        defect.Type
		start, end float64
		ch         int
	}{
		{defect.Clipping, 2, 4, -1},
		{defect.Silence, 5.5, 8, -1},
		{defect.ChannelLoss, 9, 11.5, 1},
	}
	// avenc_aac: GStreamer shows ffmpeg's "auto" M/S default as aac-ms=true,
	// which forces M/S coding; with intensity stereo that turns a dead
	// channel into half of the live one (both decode at the same level), so
	// no detector could see the loss. ffmpeg's own default (auto) does not.
	codecs := []struct{ enc, parse, dec string }{
		{"avenc_aac bitrate=128000 aac-ms=false", "aacparse", "avdec_aac"},
		{"voaacenc bitrate=128000", "aacparse", "avdec_aac"},
		{"avenc_mp2 bitrate=192000", "mpegaudioparse", "avdec_mp2float"},
		{"twolamemp2enc bitrate=192", "mpegaudioparse", "avdec_mp2float"},
	}
	for _, c := range codecs {
		name, _, _ := strings.Cut(c.enc, " ")
		t.Run(name, func(t *testing.T) {
			if gst.Find(name) == nil {
				t.Skipf("%s not installed", name)
			}
			caps := fmt.Sprintf("audio/x-raw,format=F32LE,layout=interleaved,rate=%d,channels=2,channel-mask=(bitmask)0x3", rate)
			launch := fmt.Sprintf("appsrc name=src format=time caps=%q ! audioconvert ! %s ! %s ! %s ! audioconvert ! "+
				"audio/x-raw,format=F32LE,layout=interleaved ! audioqc loudness=false true-peak=false phase=false ! appsink name=out sync=false",
				caps, c.enc, c.parse, c.dec)
			var decoded []float32
			res := playWithSink(t, launch, pushStereoF32(rate, l, r), &decoded)
			delay := codecDelay(l, decoded, rate)
			t.Logf("codec delay %.1f ms", delay.Seconds()*1000)
			got := res.defects
			for _, w := range truth {
				var evs []defect.Event
				for _, e := range got {
					if e.Type == w.typ {
						evs = append(evs, e)
					}
				}
				if len(evs) != 2 {
					t.Errorf("%s: got %v, want one window %.1f-%.1f s", w.typ, evs, w.start, w.end)
					continue
				}
				for i, want := range []float64{w.start, w.end} {
					want := time.Duration(want*1e9) + delay
					if d := evs[i].PTS - want; d < -50*time.Millisecond || d > 50*time.Millisecond {
						t.Errorf("%s %s at %v, want %v ± 50 ms", w.typ, evs[i].Edge, evs[i].PTS, want)
					} else {
						t.Logf("%s %s error %+.1f ms", w.typ, evs[i].Edge, float64(d)/1e6)
					}
				}
				if evs[0].Channel != w.ch {
					t.Errorf("%s channel %d, want %d", w.typ, evs[0].Channel, w.ch)
				}
				if w.typ == defect.Silence && !evs[0].DigitalZero {
					t.Errorf("silence of exact zeros not reported as digital zero after decoding")
				}
			}
			if len(got) != 2*len(truth) {
				t.Errorf("extra events: %v", got)
			}
		})
	}
}

// lossyProgramme is 12.5 s of stereo noise programme, low-passed like
// speech and music (most energy below 1 kHz; white noise has no runs of
// neighbouring samples near its peaks, programme does), -26 dBFS RMS, the
// channels partly correlated, with: 2-4 s driven +20 dB into hard clipping;
// 5.5-8 s digital zero; 9-11.5 s the right channel dead.
func lossyProgramme(rate int) (l, r []float64) {
	n := int(12.5 * float64(rate))
	l, r = make([]float64, n), make([]float64, n)
	seed := uint64(12345)
	g := func() float64 {
		// sum of uniforms: roughly Gaussian, cheap and deterministic
		var s float64
		for k := 0; k < 6; k++ {
			seed ^= seed << 13
			seed ^= seed >> 7
			seed ^= seed << 17
			s += float64(seed>>11)/(1<<53) - 0.5
		}
		return s
	}
	sec := func(s float64) int { return int(s * float64(rate)) }
	// Two one-pole low-passes at ~800 Hz.
	k := 1 - math.Exp(-2*math.Pi*800/float64(rate))
	var c1, c2, l1, l2, r1, r2 float64
	for i := 0; i < n; i++ {
		c1 += k * (g() - c1)
		c2 += k * (c1 - c2)
		l1 += k * (g() - l1)
		l2 += k * (l1 - l2)
		r1 += k * (g() - r1)
		r2 += k * (r1 - r2)
		l[i] = 0.8*c2 + 0.6*l2
		r[i] = 0.8*c2 + 0.6*r2
	}
	// Scale to -26 dBFS RMS.
	var ss float64
	for i := range l {
		ss += l[i] * l[i]
	}
	a := math.Pow(10, -26.0/20) / math.Sqrt(ss/float64(n))
	for i := 0; i < n; i++ {
		l[i] *= a
		r[i] *= a
		if i >= sec(2) && i < sec(4) {
			l[i] = math.Max(-1, math.Min(1, 10*l[i]))
			r[i] = math.Max(-1, math.Min(1, 10*r[i]))
		}
		if i >= sec(5.5) && i < sec(8) {
			l[i], r[i] = 0, 0
		}
		if i >= sec(9) && i < sec(11.5) {
			r[i] = 0
		}
	}
	return l, r
}

func pushStereoF32(rate int, l, r []float64) func(*app.Source) {
	return func(src *app.Source) {
		const chunk = 1024
		for off := 0; off < len(l); off += chunk {
			end := min(off+chunk, len(l))
			b := make([]byte, (end-off)*8)
			for i := off; i < end; i++ {
				binary.LittleEndian.PutUint32(b[(i-off)*8:], math.Float32bits(float32(l[i])))
				binary.LittleEndian.PutUint32(b[(i-off)*8+4:], math.Float32bits(float32(r[i])))
			}
			buf := gst.NewBufferFromBytes(b)
			buf.SetPresentationTimestamp(gst.ClockTime(time.Duration(off) * time.Second / time.Duration(rate)))
			if src.PushBuffer(buf) != gst.FlowOK {
				break
			}
		}
		src.EndStream()
	}
}

// playWithSink is play for a pipeline ending in appsink "out" (F32LE
// stereo interleaved): the decoded left channel is appended to decoded.
func playWithSink(t *testing.T, launch string, push func(*app.Source), decoded *[]float32) result {
	t.Helper()
	p, err := gst.NewPipelineFromString(launch)
	if err != nil {
		t.Fatalf("%s: %v", launch, err)
	}
	el, err := p.GetElementByName("out")
	if err != nil {
		t.Fatal(err)
	}
	sink := app.SinkFromElement(el)
	done := make(chan struct{})
	pull := func() {
		// appsink holds EOS until every buffer is pulled (wait-on-eos):
		// pull until it says EOS.
		defer close(done)
		for !sink.IsEOS() {
			s := sink.PullSample()
			if s == nil {
				continue
			}
			b := s.GetBuffer().Bytes()
			for i := 0; i+8 <= len(b); i += 8 {
				*decoded = append(*decoded, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
			}
		}
	}
	res := playPipeline(t, p, push, pull)
	<-done
	return res
}

// codecDelay finds the lag (0..150 ms) that best aligns decoded with in,
// over the first 1.5 s (programme, before any defect).
func codecDelay(in []float64, decoded []float32, rate int) time.Duration {
	span := rate * 3 / 2
	maxLag := rate * 15 / 100
	best, bestLag := math.Inf(-1), 0
	for lag := 0; lag <= maxLag && lag+span <= len(decoded); lag++ {
		var s float64
		for i := 0; i < span; i += 2 {
			s += in[i] * float64(decoded[i+lag])
		}
		if s > best {
			best, bestLag = s, lag
		}
	}
	return time.Duration(bestLag) * time.Second / time.Duration(rate)
}
