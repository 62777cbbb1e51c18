package loudness

import "testing"

func BenchmarkParts(b *testing.B) {
	x := sineInto(make([]float64, 480), 48000, 997, -20, 0, 0)
	b.Run("kweight-480", func(b *testing.B) {
		k := NewKWeighting(48000)
		var st KState
		for i := 0; i < b.N; i++ {
			k.SumSquares(&st, x)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/480, "ns/sample")
	})
	b.Run("truepeak-480", func(b *testing.B) {
		var st TPState
		for i := 0; i < b.N; i++ {
			TruePeak(&st, x)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/480, "ns/sample")
	})
}
