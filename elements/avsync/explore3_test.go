package avsync

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func TestExploreNull(t *testing.T) {
	var psrs, ambs, confs []float64
	for seed := uint64(0); seed < 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		s := &synth{fps: []float64{25, 30, 50}[seed%3], dur: 40 * time.Second, rate: 48000, seed: seed, offsetMs: constOffset(0),
			motion: 0.01, noiseDBFS: -50, music: seed%2 == 0}
		lo, hi := 0.3+r.Float64()*1.0, 2.0+r.Float64()*3
		s.videoOnly = irregular(r, 0, s.dur, lo, hi)
		s.audioOnly = irregular(r, 0, s.dur, lo, hi)
		run := newCorrRun(DefaultSettings())
		s.play(run)
		for _, e := range run.ests {
			if e.Signal {
				psrs = append(psrs, e.Significance)
				ambs = append(ambs, e.Ambiguity)
				confs = append(confs, e.Confidence)
			}
		}
	}
	sort.Float64s(psrs)
	sort.Float64s(ambs)
	sort.Float64s(confs)
	q := func(x []float64, p float64) float64 { return x[int(p*float64(len(x)-1))] }
	fmt.Printf("n=%d psr p50 %.2f p90 %.2f p99 %.2f max %.2f\n", len(psrs), q(psrs, .5), q(psrs, .9), q(psrs, .99), q(psrs, 1))
	fmt.Printf("amb p1 %.2f p10 %.2f p50 %.2f min %.2f\n", q(ambs, .01), q(ambs, .1), q(ambs, .5), q(ambs, 0))
	fmt.Printf("conf p50 %.2f p90 %.2f p99 %.2f max %.2f\n", q(confs, .5), q(confs, .9), q(confs, .99), q(confs, 1))
}
