package avsync

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestExplore(t *testing.T) {
	for _, fps := range []float64{25, 29.97, 50} {
		for _, off := range []float64{-200, -100, 0, 100, 300} {
			r := rand.New(rand.NewPCG(7, uint64(off+1000)))
			s := &synth{fps: fps, dur: 30 * time.Second, rate: 48000, seed: uint64(off + 1000), offsetMs: constOffset(off),
				motion: 0.01, noiseDBFS: -50, music: true, continuous: false}
			s.events = irregular(r, 0, s.dur, 0.6, 2.5)
			s.kinds = make([]evKind, len(s.events))
			for i := range s.kinds {
				s.kinds[i] = evKind(r.IntN(3))
			}
			s.videoOnly = irregular(r, 0, s.dur, 2, 6)
			s.audioOnly = irregular(r, 0, s.dur, 2, 6)
			run := newCorrRun(func() Settings { s := DefaultSettings(); s.Correlation.Window = 20 * time.Second; return s }())
			s.play(run)
			for _, e := range run.ests {
				fmt.Printf("fps %5.2f off %4.0f at %5.1f est %7.1f conf %.2f sig %5.1f amb %.2f ev %d/%d m %d sig %v\n", fps, off, e.At.Seconds(), e.OffsetMs, e.Confidence, e.Significance, e.Ambiguity, e.VideoEvents, e.AudioEvents, e.Matched, e.Signal)
			}
			fmt.Println(run.events)
		}
	}
}
