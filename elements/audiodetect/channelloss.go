package audiodetect

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// channelLoss: one watched channel (front left/right) with its 10 ms RMS
// below the threshold while another channel carries programme, i.e. is
// 20 dB or more above it. While no channel carries programme (a pause, a
// silence) the verdict is held, neither bad nor good, so pauses neither
// start nor end a loss. Lossy coding does not fake a live channel: a dead
// channel coded with AAC or MP2 joint stereo decodes at -89 dBFS or below
// (measured), far under the -60 dBFS default.
//
// Dating is as for silence, on the lost channel alone.
type channelLoss struct {
	cfg      ChannelLossSettings
	c        int
	tr       tracker
	lastLoud int64
	lastBad  int64   // end of the last block judged lost; -1 none
	level    float64 // loudest 10 ms RMS of the channel in the window
}

// programmeMargin: another channel this far above the threshold carries
// programme.
const programmeMargin = 10 // ×, i.e. 20 dB

func (l *channelLoss) init(cfg ChannelLossSettings, c int) {
	*l = channelLoss{cfg: cfg, c: c, lastLoud: -1, lastBad: -1}
	l.tr.reset(cfg.MinDuration, silenceClear)
}

func (l *channelLoss) step(a *Analyzer, b *block) {
	c := l.c
	r := b.rms(c)
	dead := r < a.lossThr
	prog := false
	for o := 0; o < a.f.Channels; o++ {
		if o != c && b.rms(o) >= a.lossThr*programmeMargin {
			prog = true
		}
	}
	prevStart := b.start - int64(b.n)
	if b.lossLast[c] >= 0 {
		l.lastLoud = b.lossLast[c]
	}
	if dead && !prog {
		return // nothing to compare with: hold
	}
	at := b.end()
	switch {
	case dead && !l.tr.bad:
		at = max(l.lastLoud+1, prevStart, 0)
		if !l.tr.active() {
			l.level = 0
		}
	case !dead && l.tr.bad:
		at = b.start
		if b.lossFirst[c] >= 0 {
			at = b.lossFirst[c]
		}
	}
	if dead {
		l.level = max(l.level, r)
		l.lastBad = b.end()
	}
	if e, pos, ok := l.tr.step(a, dead, at, at); ok {
		l.emit(a, e, pos)
	}
}

func (l *channelLoss) emit(a *Analyzer, e defect.Edge, pos int64) {
	ev := a.edge(defect.ChannelLoss, e, pos, l.tr.startAt)
	ev.Channel = l.c
	ev.Value = dbOrFloor(l.level)
	ev.Threshold = l.cfg.ThresholdDB
	a.emit(ev)
}

func (l *channelLoss) flush(a *Analyzer, end int64) {
	started, at, ended, endAt := l.tr.flush(a, end, end)
	if started {
		l.emit(a, defect.Start, at)
	}
	if ended {
		l.emit(a, defect.End, endAt)
	}
}

// channelLostWithin reports whether a watched channel is (being) reported
// lost, or was in the span d before pos.
func (a *Analyzer) channelLostWithin(pos int64, d time.Duration) bool {
	if !a.s.ChannelLoss.Enabled {
		return false
	}
	span := int64(d.Seconds() * float64(a.f.Rate))
	for _, c := range a.lossCh {
		l := &a.loss[c]
		if l.tr.bad || l.tr.active() || (l.lastBad >= 0 && pos-l.lastBad < span) {
			return true
		}
	}
	return false
}
