package audiodetect

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAnalyzer8ch48k: every detector and the loudness meter on 48 kHz
// 8-channel F32 interleaved audio in 1024-sample buffers, as a decoder
// would deliver it. One op is one second of audio, so ns/op divided by 1e7
// is the share of one core ("cpu-%": the bar is < 1 %).
func BenchmarkAnalyzer8ch48k(b *testing.B) {
	const rate, ch, buf = 48000, 8, 1024
	f := Format{Rate: rate, Channels: ch, Sample: F32}
	copy(f.Positions[:], []Position{PosFrontLeft, PosFrontRight, PosFrontCenter, PosLFE, PosRearLeft, PosRearRight, PosSideLeft, PosSideRight})
	// Programme-like content: noise at about -23 LUFS, louder bursts with
	// true-peak overs and clipped runs, so no detector idles on a fast path.
	planes := make([][]float64, ch)
	for c := range planes {
		planes[c] = render(rate, []seg{{"noise", -28, 0.6, 0}, {"clip", -6, 0.2, 110}, {"noise", -12, 0.2, 0}}, uint64(c+1))
	}
	data := encode(f, planes)
	frame := ch * 4
	a := NewAnalyzer(f, DefaultSettings())
	a.SetStatsInterval(time.Second)
	// Warm up: the first buffer sizes the planar scratch (once per stream).
	if _, err := a.Process(-1, data[:buf*frame], buf, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	cpu0 := threadCPU()
	for i := 0; i < b.N; i++ {
		for off := 0; off < rate; off += buf {
			n := min(buf, rate-off)
			if _, err := a.Process(-1, data[off*frame:(off+n)*frame], n, nil); err != nil {
				b.Fatal(err)
			}
			if a.StatsDue() {
				a.Stats()
			}
		}
	}
	cpu := threadCPU() - cpu0
	// Wall time (ns/op) is inflated when other processes share the cores;
	// the thread's own CPU time is what "share of one core" means.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1e7, "cpu-%")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1e6, "cpu-ms/s-audio")
}

// threadCPU is the CPU time (user+system) of the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD (Linux)
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBaseline8ch48k reads the same media as BenchmarkAnalyzer8ch48k
// (the conversion to planar float, nothing else), measured the same way:
// the floor any analysis of these buffers pays.
func BenchmarkBaseline8ch48k(b *testing.B) {
	const rate, ch, buf = 48000, 8, 1024
	f := Format{Rate: rate, Channels: ch, Sample: F32}
	planes := make([][]float64, ch)
	for c := range planes {
		planes[c] = render(rate, []seg{{"noise", -28, 1, 0}}, uint64(c+1))
	}
	data := encode(f, planes)
	frame := ch * 4
	var dst [MaxChannels][]float64
	for c := range dst {
		dst[c] = make([]float64, buf)
	}
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	cpu0 := threadCPU()
	for i := 0; i < b.N; i++ {
		for off := 0; off < rate; off += buf {
			n := min(buf, rate-off)
			if err := f.convert(&dst, 0, data[off*frame:(off+n)*frame], n, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	cpu := threadCPU() - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1e7, "cpu-%")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1e6, "cpu-ms/s-audio")
}

// BenchmarkConvert: the format conversion alone (one second, 8 channels).
func BenchmarkConvert(b *testing.B) {
	for _, sf := range []SampleFormat{S16, F32} {
		b.Run(sf.String(), func(b *testing.B) {
			f := Format{Rate: 48000, Channels: 8, Sample: sf}
			data := make([]byte, 1024*8*sf.Size())
			var planes [MaxChannels][]float64
			for c := range planes {
				planes[c] = make([]float64, 1024)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				for k := 0; k < 47; k++ {
					_ = f.convert(&planes, 0, data, 1024, nil)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/s-audio")
		})
	}
}
