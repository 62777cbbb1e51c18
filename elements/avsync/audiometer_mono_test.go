package avsync

import (
	"math"
	"math/rand"
	"testing"
	"time"
)

// Planar's run-at-a-time path gives the blocks that sample-at-a-time
// push gives, bit for bit, across buffer and block boundaries.
func TestPlanarMatchesPush(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	var fast, slow AudioMeter
	var got, want []AudioBlock
	rt := time.Duration(0)
	for buf := 0; buf < 60; buf++ {
		n := 1 + r.Intn(2000)
		l, rr := make([]float64, n), make([]float64, n)
		for i := range l {
			l[i], rr[i] = r.NormFloat64()*0.2, r.NormFloat64()*0.2
			if r.Intn(500) == 0 {
				l[i] = math.NaN()
			}
		}
		got = fast.Planar(rt, [][]float64{l, rr}, n, 48000, 1000, got)
		if slow.begin(rt, n, 48000, 1000) {
			for i := range l {
				want = slow.push((l[i]+rr[i])*0.5, want)
			}
		}
		rt += time.Duration(n) * time.Second / 48000
	}
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%d blocks, want %d (> 0)", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("block %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
