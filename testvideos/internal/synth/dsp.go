package synth

import "math"

// Biquad is a direct-form-I second-order IIR filter (RBJ cookbook designs).
type Biquad struct {
	b0, b1, b2, a1, a2 float64
	x1, x2, y1, y2     float64
}

// Process filters one sample.
func (q *Biquad) Process(x float64) float64 {
	y := q.b0*x + q.b1*q.x1 + q.b2*q.x2 - q.a1*q.y1 - q.a2*q.y2
	q.x2, q.x1 = q.x1, x
	q.y2, q.y1 = q.y1, y
	return y
}

// Run filters buf in place.
func (q *Biquad) Run(buf []float64) {
	for i, x := range buf {
		buf[i] = q.Process(x)
	}
}

func newBiquad(b0, b1, b2, a0, a1, a2 float64) *Biquad {
	return &Biquad{b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0}
}

// LowPass, HighPass and BandPass (0 dB peak) are RBJ designs.
func LowPass(rate, f, q float64) *Biquad {
	w := 2 * math.Pi * f / rate
	c, al := math.Cos(w), math.Sin(w)/(2*q)
	return newBiquad((1-c)/2, 1-c, (1-c)/2, 1+al, -2*c, 1-al)
}

func HighPass(rate, f, q float64) *Biquad {
	w := 2 * math.Pi * f / rate
	c, al := math.Cos(w), math.Sin(w)/(2*q)
	return newBiquad((1+c)/2, -(1 + c), (1+c)/2, 1+al, -2*c, 1-al)
}

func BandPass(rate, f, q float64) *Biquad {
	w := 2 * math.Pi * f / rate
	c, al := math.Cos(w), math.Sin(w)/(2*q)
	return newBiquad(al, 0, -al, 1+al, -2*c, 1-al)
}

// Retune changes a band-pass filter's centre and Q without resetting its
// state (formant glides).
func (q *Biquad) RetuneBandPass(rate, f, qq float64) {
	n := BandPass(rate, f, qq)
	q.b0, q.b1, q.b2, q.a1, q.a2 = n.b0, n.b1, n.b2, n.a1, n.a2
}

// DB converts decibels to a linear gain.
func DB(db float64) float64 { return math.Pow(10, db/20) }

// ToDB converts a linear amplitude to decibels (-inf for 0).
func ToDB(v float64) float64 { return 20 * math.Log10(v) }
