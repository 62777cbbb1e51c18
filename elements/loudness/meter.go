// Package loudness is a pure-Go loudness meter after ITU-R BS.1770-4 and
// EBU R128: momentary (400 ms), short-term (3 s) and integrated (gated)
// loudness, loudness range (EBU Tech 3342) and true peak (BS.1770-4
// Annex 2), for any sample rate and up to MaxChannels channels.
//
// The meter works on planar float64 samples (1.0 = full scale). It keeps no
// per-block history beyond fixed-size rings and histograms, so it runs for
// months in constant memory and allocates nothing after New.
//
// Internally audio is cut into 10 ms sub-blocks (rate/100 samples, boundaries
// rounded down when rate is not a multiple of 100); ten make the 100 ms step
// at which BS.1770's 75 %-overlapping 400 ms gating blocks, the momentary
// and the short-term loudness advance. Callers that need finer time
// resolution (audiodetect dates loudness excursions) read each sub-block's
// K-weighted energy.
package loudness

import "math"

// MaxChannels is the most channels a Meter measures.
const MaxChannels = 8

const (
	// AbsoluteGate is BS.1770's absolute gating threshold in LUFS.
	AbsoluteGate = -70.0
	// RelativeGate is BS.1770's relative gate, LU below the abs-gated mean.
	RelativeGate = 10.0
	// LRARelativeGate is EBU Tech 3342's relative gate for loudness range.
	LRARelativeGate = 20.0

	subPerBlock   = 10 // 10 ms sub-blocks per 100 ms block
	momentaryBlks = 4  // 400 ms
	shortBlks     = 30 // 3 s
)

// Weight returns the BS.1770 channel weight for a channel kind.
const (
	WeightFront    = 1.0
	WeightSurround = 1.41 // BS.1770-4 Table 3, |azimuth| 60°..120°
	WeightLFE      = 0.0  // not measured
)

// energyToLUFS converts a weighted mean square to LUFS.
func energyToLUFS(e float64) float64 {
	if e <= 0 {
		return math.Inf(-1)
	}
	return -0.691 + 10*math.Log10(e)
}

// LUFS converts a weighted mean-square energy to loudness (−Inf for 0).
func LUFS(e float64) float64 { return energyToLUFS(e) }

// Meter measures loudness and true peak. Not safe for concurrent use.
type Meter struct {
	rate     int
	channels int
	weights  [MaxChannels]float64
	kw       KWeighting
	kst      [MaxChannels]KState
	tpst     [MaxChannels]TPState

	// current sub-block
	subIndex int64 // index of the sub-block being filled
	subLen   int   // its length in samples
	subPos   int   // samples already in it
	acc      [MaxChannels]float64
	subTP    [MaxChannels]float64

	// last closed sub-block
	last SubBlock

	// current 100 ms block
	blkE    float64 // Σ weighted Σy²
	blkN    int
	blkSubs int

	// ring of the last 30 closed 100 ms blocks
	ringE  [shortBlks]float64
	ringN  [shortBlks]int
	ringAt int // next slot
	blocks int64

	momentary, shortTerm float64 // energies; valid once blocks > 0

	integ histogram // 400 ms gating blocks
	lra   histogram // short-term values for LRA

	tpMax [MaxChannels]float64 // since Reset, linear

	// tpFloor: true peaks at or below it need not be exact (see
	// SetTruePeakFloor); 0 measures all.
	tpFloor float64
}

// SubBlock describes one closed 10 ms sub-block.
type SubBlock struct {
	Index  int64   // sub-block number since Reset
	Start  int64   // its first sample, counted since Reset
	N      int     // samples in it
	Energy float64 // Σ over channels of weight·Σ y² (divide by N for the mean square)
	// TruePeak is per channel, linear. Under a true-peak floor (see
	// SetTruePeakFloor) a value at or below the floor may be a lower bound
	// (the sample peak); above it, it is exact.
	TruePeak [MaxChannels]float64
	// BlockClosed is set when this sub-block completed a 100 ms block, i.e.
	// momentary and short-term loudness were just updated.
	BlockClosed bool
}

// Loudness is the sub-block's K-weighted loudness in LUFS.
func (s *SubBlock) Loudness() float64 {
	if s.N == 0 {
		return math.Inf(-1)
	}
	return energyToLUFS(s.Energy / float64(s.N))
}

// New returns a meter for rate Hz and the given per-channel weights
// (len = channel count, 1..MaxChannels; see WeightFront etc.).
func New(rate int, weights []float64) *Meter {
	m := &Meter{}
	m.Configure(rate, weights)
	return m
}

// Configure changes rate and channel weights and resets the meter.
func (m *Meter) Configure(rate int, weights []float64) {
	if rate <= 0 {
		rate = 48000
	}
	n := min(len(weights), MaxChannels)
	*m = Meter{rate: rate, channels: n, kw: NewKWeighting(float64(rate))}
	copy(m.weights[:], weights[:n])
	m.Reset()
}

// Reset forgets everything measured (a new programme).
func (m *Meter) Reset() {
	rate, ch, w, kw, floor := m.rate, m.channels, m.weights, m.kw, m.tpFloor
	*m = Meter{rate: rate, channels: ch, weights: w, kw: kw, tpFloor: floor}
	m.subLen = m.subBoundary(1) - m.subBoundary(0)
}

// subBoundary is the first sample of sub-block k.
func (m *Meter) subBoundary(k int64) int { return int(k * int64(m.rate) / 100) }

// Rate and Channels report the configuration.
func (m *Meter) Rate() int     { return m.rate }
func (m *Meter) Channels() int { return m.channels }

// Room is how many samples the current sub-block still takes. Callers that
// feed channels one by one (AddChannel) must not pass more than Room.
func (m *Meter) Room() int { return m.subLen - m.subPos }

// AddChannel measures samples x of channel c, which start at the current
// position, and returns their true peak (linear). All channels must be
// given the same length before Advance.
func (m *Meter) AddChannel(c int, x []float64) float64 {
	if c >= m.channels {
		return 0
	}
	if m.weights[c] != 0 {
		m.acc[c] += m.kw.SumSquares(&m.kst[c], x)
	}
	return m.peak(c, x)
}

// peak measures channel c's true peak of x into the sub-block's.
func (m *Meter) peak(c int, x []float64) float64 {
	tp := TruePeakAbove(&m.tpst[c], x, m.tpFloor)
	if tp > m.subTP[c] {
		m.subTP[c] = tp
	}
	return tp
}

// AddChannels is AddChannel for channels 0…len(xs)-1 of one chunk (the
// same length each), with the same results; tp[c] gets channel c's true
// peak. Weighted channels are K-weighted two at a time (SumSquares2).
func (m *Meter) AddChannels(xs [][]float64, tp []float64) {
	n := min(len(xs), m.channels)
	pending := -1 // a weighted channel waiting for a partner
	for c := 0; c < n; c++ {
		if m.weights[c] == 0 {
			continue
		}
		if pending < 0 {
			pending = c
			continue
		}
		a, b := m.kw.SumSquares2(&m.kst[pending], &m.kst[c], xs[pending], xs[c])
		m.acc[pending] += a
		m.acc[c] += b
		pending = -1
	}
	if pending >= 0 {
		m.acc[pending] += m.kw.SumSquares(&m.kst[pending], xs[pending])
	}
	for c := 0; c < n; c++ {
		tp[c] = m.peak(c, xs[c])
	}
}

// SetTruePeakFloor tells the meter that true peaks at or below floor
// (linear) need not be measured exactly, until it is changed: AddChannel
// then skips the 4x interpolation of samples whose true peak provably stays
// at or below it (TruePeakAbove) and counts their sample peak instead. A
// caller that keeps the floor at or below the largest true peak it has
// been given (and at or below any limit it compares with) still gets every
// maximum exact: the sample that makes a maximum is never skipped unless
// an equal one was already measured. 0, the default, measures everything.
// Reset keeps the floor.
func (m *Meter) SetTruePeakFloor(floor float64) { m.tpFloor = floor }

// TPState exposes channel c's interpolator memory, so a caller can copy it
// before AddChannel and later locate an over with FirstOver/LastOver.
func (m *Meter) TPState(c int) *TPState { return &m.tpst[c] }

// Advance moves the position on by n samples (n ≤ Room) after AddChannel
// was called for every channel. It reports whether a sub-block closed; Last
// then describes it.
func (m *Meter) Advance(n int) bool {
	m.subPos += n
	if m.subPos < m.subLen {
		return false
	}
	var e float64
	for c := 0; c < m.channels; c++ {
		e += m.weights[c] * m.acc[c]
		m.acc[c] = 0
	}
	s := &m.last
	s.Index = m.subIndex
	s.Start = int64(m.subBoundary(m.subIndex))
	s.N = m.subLen
	s.Energy = e
	s.TruePeak = m.subTP
	for c := 0; c < m.channels; c++ {
		if m.subTP[c] > m.tpMax[c] {
			m.tpMax[c] = m.subTP[c]
		}
		m.subTP[c] = 0
	}
	m.blkE += e
	m.blkN += m.subLen
	m.blkSubs++
	s.BlockClosed = m.blkSubs == subPerBlock
	if s.BlockClosed {
		m.closeBlock()
	}
	m.subIndex++
	m.subPos = 0
	m.subLen = m.subBoundary(m.subIndex+1) - m.subBoundary(m.subIndex)
	return true
}

// Last is the most recently closed sub-block.
func (m *Meter) Last() *SubBlock { return &m.last }

func (m *Meter) closeBlock() {
	m.ringE[m.ringAt] = m.blkE
	m.ringN[m.ringAt] = m.blkN
	m.ringAt = (m.ringAt + 1) % shortBlks
	m.blocks++
	m.blkE, m.blkN, m.blkSubs = 0, 0, 0

	m.momentary = m.windowEnergy(momentaryBlks)
	m.shortTerm = m.windowEnergy(shortBlks)
	// A gating block is the 400 ms ending here; BS.1770 steps them by
	// 100 ms (75 % overlap). Only whole windows count.
	if m.blocks >= momentaryBlks {
		m.integ.add(m.momentary, energyToLUFS(m.momentary))
	}
	if m.blocks >= shortBlks {
		m.lra.add(m.shortTerm, energyToLUFS(m.shortTerm))
	}
}

// windowEnergy is the mean square over the last k blocks (fewer at start).
func (m *Meter) windowEnergy(k int) float64 {
	k = int(min(int64(k), m.blocks))
	var e float64
	var n int
	for i := 1; i <= k; i++ {
		j := (m.ringAt - i + shortBlks) % shortBlks
		e += m.ringE[j]
		n += m.ringN[j]
	}
	if n == 0 {
		return 0
	}
	return e / float64(n)
}

// Write measures planar samples: planes[c] holds channel c, all the same
// length. It is the convenient entry point; AddChannel/Advance let a caller
// interleave its own per-sub-block work.
func (m *Meter) Write(planes [][]float64) {
	if len(planes) == 0 {
		return
	}
	n := len(planes[0])
	for off := 0; off < n; {
		k := min(n-off, m.Room())
		for c := 0; c < m.channels && c < len(planes); c++ {
			m.AddChannel(c, planes[c][off:off+k])
		}
		m.Advance(k)
		off += k
	}
}

// Momentary is the loudness of the last 400 ms (LUFS, -Inf when silent),
// updated every 100 ms.
func (m *Meter) Momentary() float64 { return energyToLUFS(m.momentary) }

// ShortTerm is the loudness of the last 3 s (LUFS), updated every 100 ms.
func (m *Meter) ShortTerm() float64 { return energyToLUFS(m.shortTerm) }

// ShortTermFull reports whether 3 s have been measured, so ShortTerm covers
// a whole window.
func (m *Meter) ShortTermFull() bool { return m.blocks >= shortBlks }

// Integrated is the gated programme loudness since Reset (LUFS; -Inf before
// any 400 ms block above the absolute gate).
func (m *Meter) Integrated() float64 {
	_, mean, n := m.integ.gated(RelativeGate)
	if n == 0 {
		return math.Inf(-1)
	}
	return energyToLUFS(mean)
}

// LoudnessRange is EBU Tech 3342's LRA in LU since Reset: the spread between
// the 10th and 95th percentiles of the gated short-term loudness.
func (m *Meter) LoudnessRange() float64 {
	first, _, n := m.lra.gated(LRARelativeGate)
	if n == 0 {
		return 0
	}
	return m.lra.percentile(first, n, 0.95) - m.lra.percentile(first, n, 0.10)
}

// TruePeak is the largest true peak of channel c since Reset (linear), or
// of all channels when c < 0; samples of the sub-block still filling count.
// Under a true-peak floor, a value at or below the floor may be a lower
// bound (see SetTruePeakFloor).
func (m *Meter) TruePeak(c int) float64 {
	if c >= 0 {
		return math.Max(m.tpMax[c], m.subTP[c])
	}
	var p float64
	for i := 0; i < m.channels; i++ {
		p = math.Max(p, math.Max(m.tpMax[i], m.subTP[i]))
	}
	return p
}

// DB converts a linear amplitude to dB (dBFS, dBTP), -Inf for 0.
func DB(a float64) float64 {
	if a <= 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(a)
}
