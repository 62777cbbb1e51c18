package pipeline

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
	"github.com/avwatch/avwatch/pipeline/launch"
)

// TestRankPrefersDecoder proves the auto mechanism on this machine: a
// family whose decoder is openh264dec (rank marginal, below avdec_h264's
// primary) gets its rank raised, the generated string still says only
// decodebin3, and decodebin3 picks openh264dec.
func TestRankPrefersDecoder(t *testing.T) {
	if !(Registry{}).Has("openh264dec") || !(Registry{}).Has("avdec_h264") {
		t.Skip("needs openh264dec and avdec_h264 (gstreamer1.0-plugins-bad, gstreamer1.0-libav)")
	}
	t.Cleanup(restoreRanks)
	fams := []launch.Family{{Profile: launch.NVIDIA, Name: "openh264 (test)", Decoders: map[launch.Codec]string{launch.H264: "openh264dec"}}}
	if got := BestDecoder("video/x-h264"); got != "avdec_h264" {
		t.Fatalf("before: decodebin3 would pick %q, want avdec_h264", got)
	}
	clip := testsource.Make(t, testsource.Clip{Video: true, Seconds: 1, Baseline: true})
	s, err := StartWith(context.Background(), event.Spec{Name: "rank", Source: clip}, Options{Families: fams, StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, s, 20*time.Second)
	s.Stop()
	if r := Rank("openh264dec"); r != launch.RankHardware {
		t.Errorf("openh264dec rank %d, want %d", r, launch.RankHardware)
	}
	if got := BestDecoder("video/x-h264"); got != "openh264dec" {
		t.Errorf("after: BestDecoder = %q", got)
	}
	var dec []string
	for _, e := range evs {
		if e.Kind == event.KindDecoder {
			dec = append(dec, e.Decoder)
		}
	}
	if len(dec) != 1 || dec[0] != "openh264dec" {
		t.Errorf("decoders in use %q, want [openh264dec]; events %v", dec, kinds(evs))
	}
	if last := evs[len(evs)-1]; last.State != event.Stopped {
		t.Errorf("ended %v", kinds(evs))
	}
	// The string names no decoder: the rank did it.
	p, err := launch.Build(Registry{}, launch.Input{Source: launch.Source{Kind: launch.File, Path: clip}, Media: launch.Media{Video: true, Codec: launch.H264}, Families: fams})
	if err != nil || strings.Contains(p.Launch, "openh264dec") || !strings.Contains(p.Launch, "decodebin3") {
		t.Errorf("launch %q, %v", p.Launch, err)
	}
}

// TestHardwareFallback: a "hardware" family whose conversion fails
// mid-stream (identity error-after stands in for a GPU that goes away) makes
// the stream fall back to software by itself, say so, and never try the
// broken decoder again.
func TestHardwareFallback(t *testing.T) {
	for _, after := range []int{1, 20} { // at start, mid-stream
		fams := []launch.Family{{Profile: launch.NVIDIA, Name: "flaky (test)",
			Decoders: map[launch.Codec]string{launch.H264: "openh264dec"},
			Convert:  "identity error-after=" + strconv.Itoa(after), ConvertNeeds: []string{"identity"}}}
		clip := testsource.Make(t, testsource.Clip{Video: true, Audio: true, Seconds: 2, Baseline: true})
		s, err := StartWith(context.Background(), event.Spec{Name: "fb", Source: clip, HWAccel: "nvidia"}, Options{Families: fams, StatsInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		evs := collect(t, s, 20*time.Second)
		s.Stop()
		var decs []string
		var fallbackWarn, fallbackState bool
		for _, e := range evs {
			switch {
			case e.Kind == event.KindDecoder:
				decs = append(decs, e.Decoder+map[bool]string{true: "(fallback)"}[e.Fallback])
			case e.Kind == event.KindWarning && strings.Contains(e.Message, "decodes in software from now on"):
				fallbackWarn = true
			case e.Kind == event.KindState && e.State == event.Reconnecting && e.Fallback:
				fallbackState = true
			}
		}
		last := evs[len(evs)-1]
		if !last.Fallback || last.Decoder != "avdec_h264" {
			t.Errorf("error-after=%d: final state %+v, want decoder avdec_h264 in fallback", after, last)
		}
		want := []string{"openh264dec", "avdec_h264(fallback)"}
		if after == 1 {
			want = want[1:] // failed before a frame reached the analyser
		}
		if strings.Join(decs, ",") != strings.Join(want, ",") || !fallbackWarn || !fallbackState {
			t.Errorf("error-after=%d: decoders %v (want %v), warning %v, state says fallback %v; events %v", after, decs, want, fallbackWarn, fallbackState, kinds(evs))
		}
		if last.State != event.Stopped {
			t.Errorf("error-after=%d: did not play to the end after falling back: %v", after, kinds(evs))
		}
	}
}
