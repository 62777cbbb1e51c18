package audioqc

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/go-gst/go-gst/gst"
)

// BenchmarkPipeline8ch48k runs 10 s of 48 kHz 8-channel F32 audio (1024-
// sample buffers) through a pipeline with audioqc and, in the same run,
// through the same pipeline with identity instead: the difference is what
// audioqc costs, GStreamer glue and go-gst callbacks included. Reported per
// second of audio as process CPU time, and Go heap allocations per buffer
// (audioqc's own code allocates none; go-gst's callback wrappers do).
func BenchmarkPipeline8ch48k(b *testing.B) {
	const seconds, buf = 10, 1024
	n := seconds * 48000 / buf
	src := fmt.Sprintf("audiotestsrc wave=pink-noise volume=0.1 num-buffers=%d samplesperbuffer=%d ! "+
		"audio/x-raw,format=F32LE,rate=48000,channels=8,channel-mask=(bitmask)0xc3f ! ", n, buf)
	measure := func(elem string) (cpu time.Duration, allocs uint64) {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		c0 := processCPU()
		for i := 0; i < b.N; i++ {
			p, err := gst.NewPipelineFromString(src + elem + " ! fakesink sync=false")
			if err != nil {
				b.Fatal(err)
			}
			p.SetState(gst.StatePlaying)
			p.GetPipelineBus().TimedPopFiltered(gst.ClockTime(60*time.Second), gst.MessageEOS|gst.MessageError)
			p.SetState(gst.StateNull)
		}
		cpu = processCPU() - c0
		runtime.ReadMemStats(&ms1)
		return cpu, ms1.Mallocs - ms0.Mallocs
	}
	base, baseAllocs := measure("identity")
	qc, qcAllocs := measure("audioqc")
	perSecond := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N*seconds) / 1e6 }
	b.ReportMetric(perSecond(base), "identity-cpu-ms/s")
	b.ReportMetric(perSecond(qc), "audioqc-cpu-ms/s")
	b.ReportMetric(perSecond(qc-base), "analysis-cpu-ms/s")
	b.ReportMetric(perSecond(qc-base)/10, "analysis-cpu-%")
	b.ReportMetric(float64(qcAllocs-baseAllocs)/float64(b.N*n), "go-allocs/buffer")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
