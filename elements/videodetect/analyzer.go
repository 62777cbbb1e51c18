package videodetect

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Analyzer runs the three detectors over a stream of frames. It is not safe
// for concurrent use: the element calls it from its streaming thread only,
// and hands it new settings there too.
//
// In steady state Analyze allocates nothing: sample buffers, event slice and
// snapshot thumbnails are all re-used.
type Analyzer struct {
	s      Settings
	x      *extractor
	black  blackDetector
	freeze freezeDetector
	block  blockDetector
	feat   Features
	events []defect.Event

	frames  int64
	lastPTS time.Duration // -1 before the first frame
	lastDur time.Duration

	width, height int
	fullRange     bool

	// Snapshots: thumbs[i] holds detector i's first bad frame while its
	// candidate is open; ready[i] a thumbnail for a start just confirmed.
	thumbs [3]*Thumb
	ready  [3]*Thumb
	free   chan *Thumb
}

// Detector indexes for thumbs/ready.
const (
	iBlack = iota
	iFreeze
	iBlock
)

// NewAnalyzer returns an analyser with settings s (see Settings.Validate).
func NewAnalyzer(s Settings) *Analyzer {
	a := &Analyzer{x: newExtractor(), lastPTS: -1, events: make([]defect.Event, 0, 16), free: make(chan *Thumb, 8)}
	a.apply(s)
	return a
}

// Settings returns the settings in force.
func (a *Analyzer) Settings() Settings { return a.s }

// SetSettings changes the settings between two frames. A detector that gets
// disabled closes its open window; the events of that are returned.
func (a *Analyzer) SetSettings(s Settings) []defect.Event {
	a.events = a.events[:0]
	end := a.end()
	if a.s.Black.Enabled && !s.Black.Enabled {
		a.events = a.black.flush(a.events, end, a.feat.Dark, a.s.Black.Ratio)
	}
	if a.s.Freeze.Enabled && !s.Freeze.Enabled {
		a.events = a.freeze.flush(a.events, end, diffDB(a.feat.Diff), a.s.Freeze.NoiseDB)
	}
	if a.s.Blockiness.Enabled && !s.Blockiness.Enabled {
		a.events = a.block.flush(a.events, end, a.block.score, a.s.Blockiness.Threshold)
	}
	a.apply(s)
	return a.events
}

func (a *Analyzer) apply(s Settings) {
	a.s = s
	a.black.configure(s.Black)
	a.freeze.configure(s.Freeze)
	a.block.configure(s.Blockiness)
	if a.width > 0 {
		a.x.configure(a.width, a.height, a.fullRange, s.Black.PixelThreshold)
	}
	if !s.Snapshot {
		a.thumbs = [3]*Thumb{}
	}
}

// Features returns the measurements of the last frame analysed.
func (a *Analyzer) Features() Features { return a.feat }

// Frames returns how many frames were analysed.
func (a *Analyzer) Frames() int64 { return a.frames }

// Baselines returns the blockiness detector's current baselines of Block,
// BlockDiff and Streak (stats, debugging).
func (a *Analyzer) Baselines() (block, blockDiff, streak float64) {
	return a.block.base[cueBlock], a.block.base[cueBlockDiff], a.block.base[cueStreak]
}

// Analyze measures one frame and returns the events it causes. The slice is
// re-used by the next call. A frame whose planes do not match its geometry
// is refused with an error and changes nothing.
func (a *Analyzer) Analyze(f *Frame) ([]defect.Event, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	a.events = a.events[:0]
	if a.lastPTS >= 0 && f.PTS < a.lastPTS {
		// Time went backwards (a seek without flush, a looping source):
		// close what is open at the old timeline's end, start afresh.
		a.events = a.flush(a.events)
	}
	if f.Width != a.width || f.Height != a.height || f.FullRange != a.fullRange {
		if f.Width != a.width || f.Height != a.height {
			a.block.resetBaseline()
		}
		a.width, a.height, a.fullRange = f.Width, f.Height, f.FullRange
		a.x.configure(f.Width, f.Height, f.FullRange, a.s.Black.PixelThreshold)
	}
	ft := a.x.measure(f)
	pts := f.PTS
	frozen := false
	if ft.Macroblocks > 0 {
		black := a.black.isBlack(&ft)
		if a.s.Black.Enabled {
			a.events = a.black.step(a.events, pts, &ft)
		}
		frozen = a.freeze.isFrozen(&ft, black && a.s.Black.Enabled)
		if a.s.Freeze.Enabled {
			a.events = a.freeze.step(a.events, pts, &ft, frozen)
		}
		if a.s.Blockiness.Enabled {
			a.events = a.block.step(a.events, pts, &ft)
		} else {
			a.block.measure(&ft)
		}
		ft.Blockiness = a.block.score
		if a.s.Snapshot {
			a.snap(f)
		}
	}
	a.x.advance(frozen)
	a.feat = ft
	a.frames++
	if a.lastPTS >= 0 && pts > a.lastPTS {
		a.lastDur = pts - a.lastPTS
	}
	a.lastPTS = pts
	if f.Duration > 0 {
		a.lastDur = f.Duration
	}
	return a.events, nil
}

// snap copies the frame for each detector whose candidate began on it, and
// parks the copy of each detector whose start was just confirmed.
func (a *Analyzer) snap(f *Frame) {
	for i, t := range [3]*tracker{&a.black.tracker, &a.freeze.tracker, &a.block.tracker} {
		if t.began {
			if a.thumbs[i] == nil {
				a.thumbs[i] = a.getThumb()
			}
			a.thumbs[i].capture(f, t.typ)
		}
	}
	for _, ev := range a.events {
		if ev.Edge != defect.Start {
			continue
		}
		i := detectorIndex(ev.Type)
		if a.thumbs[i] != nil && a.thumbs[i].PTS == ev.PTS {
			if a.ready[i] != nil {
				a.ReleaseThumb(a.ready[i])
			}
			a.ready[i], a.thumbs[i] = a.thumbs[i], nil
		}
	}
}

func detectorIndex(t defect.Type) int {
	switch t {
	case defect.Black:
		return iBlack
	case defect.Freeze:
		return iFreeze
	}
	return iBlock
}

func (a *Analyzer) getThumb() *Thumb {
	select {
	case t := <-a.free:
		return t
	default:
		return new(Thumb)
	}
}

// TakeSnapshot returns the thumbnail of the first bad frame of the start
// event of type t that Analyze or Flush just returned, or nil. The caller
// owns it until it hands it back with ReleaseThumb.
func (a *Analyzer) TakeSnapshot(t defect.Type) *Thumb {
	i := detectorIndex(t)
	th := a.ready[i]
	a.ready[i] = nil
	return th
}

// ReleaseThumb returns a thumbnail for re-use. Safe from any goroutine.
func (a *Analyzer) ReleaseThumb(t *Thumb) {
	select {
	case a.free <- t:
	default:
	}
}

// end is the PTS just after the last frame.
func (a *Analyzer) end() time.Duration {
	if a.lastPTS < 0 {
		return 0
	}
	return a.lastPTS + a.lastDur
}

// Flush closes every open window at the end of the last frame (end of
// stream, flushing seek, discontinuity) and forgets the previous frames, so
// the next frame is not compared across the cut. It returns the events.
func (a *Analyzer) Flush() []defect.Event {
	a.events = a.flush(a.events[:0])
	return a.events
}

func (a *Analyzer) flush(out []defect.Event) []defect.Event {
	end := a.end()
	n := len(out)
	if a.s.Black.Enabled {
		out = a.black.flush(out, end, a.feat.Dark, a.s.Black.Ratio)
	}
	if a.s.Freeze.Enabled {
		out = a.freeze.flush(out, end, diffDB(a.feat.Diff), a.s.Freeze.NoiseDB)
	}
	if a.s.Blockiness.Enabled {
		out = a.block.flush(out, end, a.block.score, a.s.Blockiness.Threshold)
	}
	if a.s.Snapshot {
		for _, ev := range out[n:] {
			if ev.Edge != defect.Start {
				continue
			}
			i := detectorIndex(ev.Type)
			if a.thumbs[i] != nil && a.thumbs[i].PTS == ev.PTS {
				a.ready[i], a.thumbs[i] = a.thumbs[i], nil
			}
		}
	}
	a.x.reset()
	a.lastPTS = -1
	return out
}
