// Package synth renders the test clips' pictures and sound in pure Go.
//
// Everything here is a deterministic function of a seed and a time, so the
// generator produces the same pixels and samples on every machine and the
// tests can re-render the source of any frame to compare it with what the
// codec gave back.
package synth

import "math"

// Rand is a splitmix64 generator: tiny, fast and, unlike math/rand, fixed
// forever, so a seed always means the same clip.
type Rand struct{ s uint64 }

// NewRand returns a generator for seed.
func NewRand(seed uint64) *Rand { return &Rand{s: seed*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019} }

// Uint64 returns the next value.
func (r *Rand) Uint64() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Float64 returns a value in [0, 1).
func (r *Rand) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// Range returns a value in [lo, hi).
func (r *Rand) Range(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// Intn returns a value in [0, n).
func (r *Rand) Intn(n int) int { return int(r.Uint64() % uint64(n)) }

// Norm returns a standard normal value (Box-Muller; one value per call keeps
// the sequence simple to reason about).
func (r *Rand) Norm() float64 {
	u := r.Float64()
	if u < 1e-300 {
		u = 1e-300
	}
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.Float64())
}

// Hash mixes values into a seed, so sub-generators get independent streams.
func Hash(vals ...uint64) uint64 {
	h := uint64(0xCBF29CE484222325)
	for _, v := range vals {
		h ^= v
		h *= 0x100000001B3
		h ^= h >> 29
	}
	r := Rand{s: h}
	return r.Uint64()
}
