package audiodetect

import (
	"fmt"
	"math"
	"time"

	"github.com/avwatch/avwatch/elements/loudness"
)

// Floor is the value reported for "nothing": dB of digital silence,
// loudness before any gated block. Bus messages and JSON carry no
// infinities, so -120 stands in for -Inf.
const Floor = -120.0

func dbOrFloor(lin float64) float64 { return max(loudness.DB(lin), Floor) }
func lufsOrFloor(v float64) float64 {
	if math.IsNaN(v) {
		return Floor
	}
	return max(v, Floor)
}

// Stat names, in message order. Per-channel names end in the channel
// number (peak-dbfs-0, rms-dbfs-0, ...).
const (
	StatMomentary   = "momentary-lufs"     // last 400 ms
	StatShortTerm   = "short-term-lufs"    // last 3 s
	StatIntegrated  = "integrated-lufs"    // gated, since the stream started
	StatLRA         = "lra-lu"             // loudness range since the stream started
	StatTruePeak    = "true-peak-dbtp"     // max over the interval, all channels
	StatMaxTruePeak = "max-true-peak-dbtp" // max since the stream started
	StatCorrelation = "correlation"        // first stereo pair over the interval (0 if none)
	StatClipRuns    = "clip-runs"          // full-scale runs in the interval, all channels
	StatSamples     = "samples"            // samples per channel in the interval
	StatBuffers     = "buffers"            // buffers in the interval
	StatCostUs      = "cost-us"            // analysis time in the interval (µs)
	StatCostPercent = "cost-percent"       // analysis time / audio time, in % of one core
	StatPeakPrefix  = "peak-dbfs-"         // sample peak per channel over the interval
	StatRMSPrefix   = "rms-dbfs-"          // RMS per channel over the interval
)

type statsAcc struct {
	names  []string
	values []float64
	ch     int

	every   int64 // interval in samples; 0 = off
	last    int64 // position of the last report
	peak    [MaxChannels]float64
	sumSq   [MaxChannels]float64
	n       int64
	tp      float64
	runs    int
	xy      [3]float64
	buffers int
	cost    time.Duration
}

func (s *statsAcc) init(f Format) {
	s.ch = f.Channels
	s.names = []string{StatMomentary, StatShortTerm, StatIntegrated, StatLRA, StatTruePeak, StatMaxTruePeak,
		StatCorrelation, StatClipRuns, StatSamples, StatBuffers, StatCostUs, StatCostPercent}
	for c := 0; c < f.Channels; c++ {
		s.names = append(s.names, fmt.Sprintf("%s%d", StatPeakPrefix, c))
	}
	for c := 0; c < f.Channels; c++ {
		s.names = append(s.names, fmt.Sprintf("%s%d", StatRMSPrefix, c))
	}
	s.values = make([]float64, len(s.names))
}

func (s *statsAcc) restart() {
	s.last = 0
	s.clear()
}

func (s *statsAcc) clear() {
	s.peak, s.sumSq, s.xy = [MaxChannels]float64{}, [MaxChannels]float64{}, [3]float64{}
	s.n, s.tp, s.runs, s.buffers, s.cost = 0, 0, 0, 0, 0
}

func (s *statsAcc) add(a *Analyzer, b *block) {
	for c := 0; c < s.ch; c++ {
		s.peak[c] = max(s.peak[c], b.peak[c])
		s.sumSq[c] += b.sumSq[c]
		s.runs += b.runs[c]
	}
	if len(a.pairs) > 0 {
		p := a.pairs[0]
		s.xy[0] += b.xy[0]
		s.xy[1] += b.sumSq[p[0]]
		s.xy[2] += b.sumSq[p[1]]
	}
	s.n += int64(b.n)
	s.tp = max(s.tp, b.tpMax)
}

// SetStatsInterval sets how often (in media time) StatsDue turns true;
// 0 turns stats off.
func (a *Analyzer) SetStatsInterval(d time.Duration) {
	a.st.every = int64(d.Seconds() * float64(a.f.Rate))
}

// StatsDue reports whether a stats interval has passed since the last
// Stats call.
func (a *Analyzer) StatsDue() bool {
	return a.st.every > 0 && a.pos-a.st.last >= a.st.every && a.st.n > 0
}

// Stats returns the stat names and values for the interval since the last
// call (see the Stat* names) and starts a new interval. The slices are
// reused by the next call.
func (a *Analyzer) Stats() (names []string, values []float64) {
	s := &a.st
	m := a.meter
	v := s.values
	v[0] = lufsOrFloor(m.Momentary())
	v[1] = lufsOrFloor(m.ShortTerm())
	v[2] = lufsOrFloor(m.Integrated())
	v[3] = m.LoudnessRange()
	v[4] = dbOrFloor(s.tp)
	v[5] = dbOrFloor(m.TruePeak(-1))
	v[6] = 0
	if len(a.pairs) > 0 {
		v[6] = corr(s.xy[0], s.xy[1], s.xy[2])
	}
	v[7] = float64(s.runs)
	v[8] = float64(s.n)
	v[9] = float64(s.buffers)
	v[10] = float64(s.cost.Microseconds())
	v[11] = 0
	if s.n > 0 {
		audio := float64(s.n) / float64(a.f.Rate)
		v[11] = 100 * s.cost.Seconds() / audio
	}
	for c := 0; c < s.ch; c++ {
		v[12+c] = dbOrFloor(s.peak[c])
		rms := 0.0
		if s.n > 0 {
			rms = math.Sqrt(s.sumSq[c] / float64(s.n))
		}
		v[12+s.ch+c] = dbOrFloor(rms)
	}
	s.last = a.pos
	s.clear()
	return s.names, v
}
