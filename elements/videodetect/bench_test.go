package videodetect

import (
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/videodetect/testpic"
)

// The benchmarks run the whole analyser (gather, features, three detectors)
// on synthetic programme-like pictures; elements/videoqc benchmarks the same
// on frames decoded by GStreamer. Budget: 500 µs at 1080p, 2 ms at 2160p.

func benchAnalyze(b *testing.B, w, h int) {
	pics := make([]*Frame, 4)
	for i := range pics {
		p := testpic.New(w, h)
		p.Scene(float64(i)*0.04, 2, uint64(i))
		pics[i] = frameOf(p, "I420", 64, 0)
	}
	a := NewAnalyzer(DefaultSettings())
	a.Analyze(pics[0]) // allocates the sample buffers once
	events := 0
	b.ReportAllocs()
	b.SetBytes(int64(w * h))
	b.ResetTimer()
	c := startCPU(b)
	for i := 0; i < b.N; i++ {
		// Ping-pong through the pictures: motion reverses, never jumps.
		k := i % (2*len(pics) - 2)
		if k >= len(pics) {
			k = 2*len(pics) - 2 - k
		}
		f := pics[k]
		f.PTS = time.Duration(i+1) * 40 * time.Millisecond
		evs, err := a.Analyze(f)
		if err != nil {
			b.Fatal(err)
		}
		events += len(evs)
	}
	c.report(b)
	b.ReportMetric(float64(events), "events")
}

func BenchmarkAnalyze720p(b *testing.B)  { benchAnalyze(b, 1280, 720) }
func BenchmarkAnalyze1080p(b *testing.B) { benchAnalyze(b, 1920, 1080) }
func BenchmarkAnalyze2160p(b *testing.B) { benchAnalyze(b, 3840, 2160) }

// BenchmarkReferenceLuma4 is a yardstick for the numbers above on the same
// machine and run: mean luma over every 4th row and column of a 1080p
// frame, the shared notes' "~110 µs" loop.
func BenchmarkReferenceLuma4(b *testing.B) {
	p := testpic.New(1920, 1080)
	p.Scene(0, 2, 1)
	f := frameOf(p, "I420", 64, 0)
	b.ReportAllocs()
	c := startCPU(b)
	sum := 0
	for i := 0; i < b.N; i++ {
		for y := 0; y < f.Height; y += 4 {
			row := f.Y.Data[y*f.Y.Stride : y*f.Y.Stride+f.Width]
			for x := 0; x < len(row); x += 4 {
				sum += int(row[x])
			}
		}
	}
	c.report(b)
	if sum == 0 {
		b.Fatal("no luma")
	}
}
