package avsync

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// FuzzAudioMeter: any samples, channel count, rate and buffer split give
// finite, non-negative features and blocks in time order.
func FuzzAudioMeter(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(2), uint8(0), uint16(100))
	f.Add(make([]byte, 4000), uint8(1), uint8(3), uint16(7))
	f.Fuzz(func(t *testing.T, raw []byte, ch, rateSel uint8, split uint16) {
		channels := int(ch%8) + 1
		rate := []int{8000, 16000, 22050, 32000, 44100, 48000, 96000}[int(rateSel)%7]
		x := make([]int16, len(raw)/2)
		for i := range x {
			x[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		step := (int(split)%512 + 1) * channels
		var m AudioMeter
		var out []AudioBlock
		frames := 0
		for i := 0; i < len(x); i += step {
			buf := x[i:min(i+step, len(x))]
			rt := time.Duration(int64(frames) * int64(time.Second) / int64(rate))
			out = m.S16(rt, buf, channels, rate, 1000, out)
			frames += len(buf) / channels
		}
		for i, b := range out {
			for _, v := range []float64{b.Energy, b.HF, b.Tone} {
				if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("block %d: %+v", i, b)
				}
			}
			if i > 0 && b.RT <= out[i-1].RT {
				t.Fatalf("blocks out of order at %d: %v then %v", i, out[i-1].RT, b.RT)
			}
		}
	})
}

// FuzzGroup drives a group with arbitrary pushes — timestamps that jump,
// go backwards or are negative, NaN features, resets, EOS, settings changes
// — and checks that nothing panics and the merged edges stay well formed
// once the members leave.
func FuzzGroup(f *testing.F) {
	f.Add([]byte("vvvaaavvvaaavvvaaa"))
	f.Add([]byte{0x10, 0x81, 0x22, 0x93, 0xff, 0x00, 0x47, 0x58, 0x69, 0x7a, 0x8b, 0x9c})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var evs []defect.Event
		v, err := Join("fuzz", Video, func(e defect.Event) { evs = append(evs, e) })
		if err != nil {
			t.Fatal(err)
		}
		a, err := Join("fuzz", Audio, nil)
		if err != nil {
			t.Fatal(err)
		}
		vt, at := time.Duration(0), time.Duration(0)
		samples := make([]float32, 960)
		for i, op := range ops {
			arg := float64(op&0x0f) / 15
			switch op >> 4 {
			case 0, 1, 2, 3, 4: // video frame
				vt += 40 * time.Millisecond
				if op>>4 == 4 {
					vt += time.Duration(int8(op)) * 50 * time.Millisecond // jump
				}
				diff := arg
				if op == 0x0f {
					diff = math.NaN()
				}
				v.Video(VideoFrame{PTS: vt, RT: vt, Duration: 40 * time.Millisecond, Luma: arg, Diff: diff, Bright: 1 - arg})
			case 5, 6, 7, 8, 9, 10: // audio buffer: silence, noise, tone
				for k := range samples {
					switch op % 3 {
					case 0:
						samples[k] = 0
					case 1:
						samples[k] = float32(math.Sin(float64(k*i))) * float32(arg)
					case 2:
						samples[k] = float32(arg * math.Sin(2*math.Pi*1000*float64(k)/48000))
					}
				}
				a.AudioF32(at, samples, 2, 48000)
				at += 10 * time.Millisecond
				if op>>4 == 10 {
					at -= time.Duration(op&0x0f) * 100 * time.Millisecond
				}
			case 11:
				v.Reset()
			case 12:
				a.EOS()
			case 13:
				v.EOS()
			case 14:
				s := DefaultSettings()
				s.MaxOffset = time.Duration(200+int(op&0x0f)*100) * time.Millisecond
				s.Timestamp.MinDuration = time.Duration(op&3) * time.Second
				_ = v.SetSettings(s)
			default:
				_ = v.Stats().Values(nil)
			}
		}
		a.Leave()
		v.Leave()
		checkEdges(t, evs)
	})
}

// FuzzSettingsProps: Validate never panics, and valid settings round-trip
// into a full set of element properties.
func FuzzSettingsProps(f *testing.F) {
	f.Add(90.0, 185.0, int64(time.Second), int64(20*time.Second), 0.5)
	f.Fuzz(func(t *testing.T, early, late float64, maxOff, win int64, conf float64) {
		s := DefaultSettings()
		s.EarlyMs, s.LateMs, s.MaxOffset, s.Correlation.Window, s.Correlation.MinConfidence = early, late, time.Duration(maxOff), time.Duration(win), conf
		if s.Validate() == nil && len(s.Props()) != 12 {
			t.Fatalf("props %v", s.Props())
		}
	})
}

// FuzzSkew feeds the timestamp-skew detector buffers whose stamps jump,
// stall, go back or leap hours ahead, with durations from none to huge,
// resets and finishes: no panic, edges alternate and end closed, and a
// buffer costs bounded work (a huge duration skips ticks, never loops).
func FuzzSkew(f *testing.F) {
	f.Add([]byte("vavavavavavava"))
	f.Add([]byte{0x01, 0x92, 0x23, 0xb4, 0x45, 0xf6, 0x07, 0x88, 0xe9, 0x3a})
	f.Fuzz(func(t *testing.T, ops []byte) {
		k := NewSkew(DefaultSettings())
		var evs []defect.Event
		vt, at := time.Duration(0), time.Duration(0)
		for _, op := range ops {
			arg := time.Duration(op & 0x0f)
			switch op >> 4 {
			case 0, 1, 2, 3: // video frame
				vt += 40 * time.Millisecond
				evs = k.AddVideo(vt, 40*time.Millisecond, evs)
			case 4: // video frame without duration, stamps jumping
				vt += (arg - 4) * 100 * time.Millisecond
				evs = k.AddVideo(vt, 0, evs)
			case 5, 6, 7, 8: // audio buffer
				at += 21 * time.Millisecond
				evs = k.AddAudio(at, 21*time.Millisecond, evs)
			case 9: // audio stamps jumping
				at += (arg - 6) * 150 * time.Millisecond
				evs = k.AddAudio(at, 21*time.Millisecond, evs)
			case 10: // a huge duration
				vt += arg * time.Hour
				evs = k.AddVideo(vt, arg*time.Hour, evs)
			case 11: // stalled stamps
				evs = k.AddAudio(at, 21*time.Millisecond, evs)
			case 12:
				evs = k.Reset(evs)
			case 13:
				evs = k.Finish(evs)
			default:
				for i := 0; i < int(arg)*10; i++ {
					vt += 40 * time.Millisecond
					evs = k.AddVideo(vt, 40*time.Millisecond, evs)
					at += 40 * time.Millisecond
					evs = k.AddAudio(at, 40*time.Millisecond, evs)
				}
			}
			if s := k.Estimate().SkewMs; math.IsNaN(s) || math.IsInf(s, 0) {
				t.Fatalf("skew %v", s)
			}
		}
		checkEdges(t, k.Finish(evs))
	})
}
