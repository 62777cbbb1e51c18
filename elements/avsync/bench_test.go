package avsync

import (
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Each benchmark op is one second of media, so ns/op is CPU time per
// second of media; "%core" is the share of one core a real-time stream
// costs. The bar: the correlator < 2% of a core (20 ms per second), no
// allocation in steady state.

type mediaLoop struct {
	frames []VideoFrame
	audio  []int16 // stereo 48 kHz
	dur    time.Duration
}

func newMediaLoop(fps float64) *mediaLoop {
	s := programme(fps, 60*time.Second, constOffset(120), 77)
	s.snap()
	mono := s.audio()
	st := make([]int16, 2*len(mono))
	for i, v := range mono {
		st[2*i], st[2*i+1] = int16(v*32000), int16(v*32000)
	}
	return &mediaLoop{frames: s.video(), audio: st, dur: s.dur}
}

// second plays second n (counting across loops) into video and audio.
func (l *mediaLoop) second(n int, video func(VideoFrame), audio func(rt time.Duration, x []int16)) {
	loop := time.Duration(n/60) * l.dur
	sec := n % 60
	t0, t1 := time.Duration(sec)*time.Second, time.Duration(sec+1)*time.Second
	a0, a1 := int(t0.Seconds()*48000)*2, int(t1.Seconds()*48000)*2
	fi := 0
	for fi < len(l.frames) && l.frames[fi].RT < t0 {
		fi++
	}
	for i := a0; i < a1; i += 2048 {
		rt := time.Duration(int64(i/2)*int64(time.Second)/48000) + loop
		for fi < len(l.frames) && l.frames[fi].RT+loop <= rt && l.frames[fi].RT < t1 {
			f := l.frames[fi]
			f.RT += loop
			f.PTS += loop
			video(f)
			fi++
		}
		audio(rt, l.audio[i:min(i+2048, a1)])
	}
}

// cpuClock reads the process CPU time: on a shared machine wall time per
// op (ns/op) includes waiting for a core; CPU time is what the stream costs.
func cpuClock() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perSecond times b.N calls of second (op i: one second of media) and
// reports their CPU per op.
func perSecond(b *testing.B, second func(i int)) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuClock()
	for i := 0; i < b.N; i++ {
		second(i)
	}
	perOp := float64(cpuClock()-cpu0) / float64(b.N)
	b.ReportMetric(perOp/1e6, "cpu-ms/s-media")
	b.ReportMetric(perOp/1e7, "%core")
}

func BenchmarkCorrelator(b *testing.B) {
	for _, fps := range []float64{25, 50} {
		b.Run(fmt.Sprintf("%gfps", fps), func(b *testing.B) {
			l := newMediaLoop(fps)
			c := NewCorrelator(DefaultSettings())
			var m AudioMeter
			var blocks []AudioBlock
			var evs []defect.Event
			video := func(f VideoFrame) {
				c.AddVideo(f)
				evs = c.Update(evs[:0])
			}
			audio := func(rt time.Duration, x []int16) {
				blocks = m.S16(rt, x, 2, 48000, 1000, blocks[:0])
				for _, bl := range blocks {
					c.AddAudio(bl)
				}
			}
			for n := 0; n < 30; n++ { // fill the window
				l.second(n, video, audio)
			}
			perSecond(b, func(i int) { l.second(30+i, video, audio) })
		})
	}
}

// BenchmarkGroup is everything A/V sync adds to a stream: audio metering,
// timestamp skew, markers and the correlator, through the Member API the
// elements call (luma statistics excluded: videoqc has them).
func BenchmarkGroup(b *testing.B) {
	for _, fps := range []float64{25, 50} {
		b.Run(fmt.Sprintf("%gfps", fps), func(b *testing.B) {
			l := newMediaLoop(fps)
			r := newGroupRun(b, DefaultSettings())
			video := func(f VideoFrame) { r.v.Video(f) }
			audio := func(rt time.Duration, x []int16) { r.a.AudioS16(rt, x, 2, 48000) }
			for n := 0; n < 30; n++ {
				l.second(n, video, audio)
			}
			perSecond(b, func(i int) { l.second(30+i, video, audio) })
		})
	}
}

func BenchmarkAudioMeter(b *testing.B) {
	l := newMediaLoop(25)
	var m AudioMeter
	var blocks []AudioBlock
	perSecond(b, func(i int) {
		l.second(i, func(VideoFrame) {}, func(rt time.Duration, x []int16) {
			blocks = m.S16(rt, x, 2, 48000, 1000, blocks[:0])
		})
	})
}

// BenchmarkLumaMeter is per 1080p frame (not per second).
func BenchmarkLumaMeter(b *testing.B) {
	const w, h = 1920, 1080
	planes := [2][]byte{make([]byte, w*h), make([]byte, w*h)}
	for i := range planes[1] {
		planes[0][i], planes[1][i] = byte(i*7), byte(i*13)
	}
	var l LumaMeter
	l.Measure(planes[0], w, h, w)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Measure(planes[i&1], w, h, w)
	}
}

// BenchmarkBaseline is the floor the others are compared with in
// scripts/bench.d/avsync.sh: one pass over the same second of media that
// only touches the data (sums the samples, reads each frame).
func BenchmarkBaseline(b *testing.B) {
	l := newMediaLoop(25)
	var sink int64
	var lum float64
	perSecond(b, func(i int) {
		l.second(i, func(f VideoFrame) { lum += f.Luma }, func(rt time.Duration, x []int16) {
			for _, v := range x {
				sink += int64(v)
			}
		})
	})
	if sink == 42 && lum == 0 {
		b.Log("keep the loop")
	}
}

// BenchmarkAudioMeterPlanar is the path audioqc feeds: planar float
// stereo, 1024-sample buffers (AAC frames), per second of 48 kHz audio.
func BenchmarkAudioMeterPlanar(b *testing.B) {
	const n = 1024
	l, r := make([]float64, n), make([]float64, n)
	for i := range l {
		l[i] = 0.3 * math.Sin(float64(i)*0.05)
		r[i] = 0.2 * math.Sin(float64(i)*0.031)
	}
	var m AudioMeter
	var blocks []AudioBlock
	planes := [][]float64{l, r}
	perSecond(b, func(int) {
		rt := time.Duration(0)
		for s := 0; s+n <= 48000; s += n {
			blocks = m.Planar(rt, planes, n, 48000, 1000, blocks[:0])
			rt += time.Duration(n) * time.Second / 48000
		}
	})
}
