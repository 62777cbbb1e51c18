package audioqc

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/testvideos"
)

// audioTypes are the defect types audioqc reports.
var audioTypes = map[defect.Type]bool{
	defect.Silence: true, defect.Clipping: true, defect.Loudness: true,
	defect.TruePeak: true, defect.ChannelLoss: true, defect.Phase: true,
}

// timingBar is the allowed start/end error for the types the bar names
// (silence, clipping, loudness, channel loss); true peak and phase are held
// to it too.
const timingBar = 50 * time.Millisecond

// window is one reported defect window, in running time: the truth counts
// from the clip's first sample, and MPEG-TS files timestamp that 125 ms
// (mpegtsmux's offset) while their segment starts there too.
type window struct {
	typ        defect.Type
	ch         int
	start, end time.Duration
	dz         bool
}

func windows(evs []defect.Event) (out []window) {
	type key struct {
		t defect.Type
		c int
	}
	open := map[key]defect.Event{}
	for _, e := range evs {
		k := key{e.Type, e.Channel}
		if e.Edge == defect.Start {
			open[k] = e
			continue
		}
		if s, ok := open[k]; ok {
			out = append(out, window{e.Type, e.Channel, s.RunningTime, e.RunningTime, s.DigitalZero})
			delete(open, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// TestAccuracyOnTestClips runs audioqc with default settings on every test
// clip that has audio and holds it to the truth: every injected audio
// event found with start and end within 50 ms (the truth's own wider
// tolerance is ignored), digital zero reported where the truth says so,
// nothing on a decoy window, and nothing else the truth does not list (an
// optional event may be reported). That includes the control clip and the
// clips made for the video and A/V detectors, whose ordinary programme
// audio must raise nothing either.
func TestAccuracyOnTestClips(t *testing.T) {
	dir := testvideos.Dir(t)
	truth, err := testvideos.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	type score struct{ found, total, fp int }
	scores := map[defect.Type]*score{}
	var errs []float64
	for _, clip := range truth.Clips {
		if clip.AudioCodec == "" {
			continue
		}
		want := truth.EventsFor(clip.Clip)
		t.Run(clip.Clip, func(t *testing.T) {
			// Video is left undecoded (decodebin3 caps): only audio is judged.
			launch := fmt.Sprintf("filesrc location=%q ! decodebin3 name=d caps=audio/x-raw d. ! audio/x-raw ! queue ! audioconvert ! audioqc ! fakesink sync=false "+
				"d. ! queue ! fakesink sync=false", filepath.Join(dir, clip.Clip))
			got := windows(play(t, launch, nil).defects)
			matched := make([]bool, len(got))
			for _, w := range want {
				if !audioTypes[w.Type] {
					continue
				}
				ws, we := time.Duration(w.StartS*1e9), time.Duration(w.EndS*1e9)
				var hit *window
				for i := range got {
					g := &got[i]
					if g.typ != w.Type || g.end <= ws || g.start >= we {
						continue
					}
					if w.Channel != nil && g.ch != *w.Channel {
						continue
					}
					matched[i] = true
					if hit == nil {
						hit = g
					}
				}
				switch {
				case w.Decoy:
					if hit != nil {
						t.Errorf("%s on the %s decoy %.1f-%.1f s (%s): reported %v-%v", w.Type, clip.Clip, w.StartS, w.EndS, w.Note, hit.start, hit.end)
					}
					continue
				case w.Optional:
					continue
				}
				sc := scores[w.Type]
				if sc == nil {
					sc = &score{}
					scores[w.Type] = sc
				}
				sc.total++
				if hit == nil {
					t.Errorf("missed %s %.2f-%.2f s (%s)", w.Type, w.StartS, w.EndS, w.Note)
					continue
				}
				sc.found++
				ds, de := hit.start-ws, hit.end-we
				errs = append(errs, math.Abs(float64(ds)), math.Abs(float64(de)))
				t.Logf("%s %.2f-%.2f s: start %+.1f ms, end %+.1f ms", w.Type, w.StartS, w.EndS, float64(ds)/1e6, float64(de)/1e6)
				if ds < -timingBar || ds > timingBar || de < -timingBar || de > timingBar {
					t.Errorf("%s %.2f-%.2f s reported %.3f-%.3f s: outside ±%v", w.Type, w.StartS, w.EndS, hit.start.Seconds(), hit.end.Seconds(), timingBar)
				}
				if w.Type == defect.Silence && hit.dz != w.DigitalZero {
					t.Errorf("silence %.1f-%.1f s: digital zero %v, truth %v", w.StartS, w.EndS, hit.dz, w.DigitalZero)
				}
			}
			for i, g := range got {
				if matched[i] {
					continue
				}
				sc := scores[g.typ]
				if sc == nil {
					sc = &score{}
					scores[g.typ] = sc
				}
				sc.fp++
				t.Errorf("unexpected %s %.3f-%.3f s (channel %d)", g.typ, g.start.Seconds(), g.end.Seconds(), g.ch)
			}
		})
	}
	for typ, sc := range scores {
		t.Logf("%-12s found %d of %d, %d unexpected", typ, sc.found, sc.total, sc.fp)
	}
	if len(errs) > 0 {
		sort.Float64s(errs)
		t.Logf("timing error over all edges: median %.1f ms, max %.1f ms", errs[len(errs)/2]/1e6, errs[len(errs)-1]/1e6)
	}
}
