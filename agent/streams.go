package agent

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/avwatch/avwatch/agent/outbox"
	"github.com/avwatch/avwatch/agent/payload"
	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/pipeline/event"
)

// tracker is what the agent knows about one stream: its status, its open
// defect windows, its latest stats. Events for a stream arrive from one
// runner goroutine; the stats ticker reads concurrently, hence the mutex.
type tracker struct {
	a    *Agent
	name string

	mu     sync.Mutex
	status payload.StreamStatus
	open   map[openKey]openDefect
	stats  map[string]map[string]float64
	// firstPTS is the PTS of the pipeline run's first frame (the runner's
	// "first_pts_s" stat), the zero of media_time_s; <0 until known.
	firstPTS time.Duration
}

type openKey struct {
	Type    defect.Type
	Channel int
}

// openDefect is a start whose end has not arrived; it is persisted so that
// after a crash the agent can close it (see openstate.go).
type openDefect struct {
	ID         string      `json:"id"`
	Type       defect.Type `json:"type"`
	Channel    int         `json:"channel"`
	MediaTimeS float64     `json:"media_time_s"`
	PTSS       float64     `json:"pts_s"`
	Value      float64     `json:"value"`
	Threshold  float64     `json:"threshold"`
}

func (a *Agent) trackerFor(name string) *tracker {
	a.mu.Lock()
	defer a.mu.Unlock()
	tr, ok := a.trackers[name]
	if !ok {
		tr = &tracker{a: a, name: name, open: map[openKey]openDefect{}, stats: map[string]map[string]float64{}, firstPTS: -1,
			status: payload.StreamStatus{Device: a.topics.Device, Stream: name, State: string(event.Starting), Since: time.Now().UTC()}}
		a.trackers[name] = tr
	}
	return tr
}

func (a *Agent) existingTracker(name string) *tracker {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.trackers[name]
}

// Event implements supervisor.Handler.
func (a *Agent) Event(stream string, ev event.Event) {
	tr := a.existingTracker(stream)
	if tr == nil {
		tr = a.trackerFor(stream)
	}
	tr.handle(ev)
}

// Ended implements supervisor.Handler: windows the instance left open are
// closed by the agent, so every start has an end.
func (a *Agent) Ended(stream string, restarting bool) {
	tr := a.existingTracker(stream)
	if tr == nil {
		return
	}
	tr.closeAll("stream_stopped")
	tr.mu.Lock()
	tr.firstPTS = -1 // the next instance has its own first frame
	if restarting {
		tr.status.Restarts++
	}
	tr.mu.Unlock()
}

func (tr *tracker) handle(ev event.Event) {
	if ev.Wall.IsZero() {
		ev.Wall = time.Now()
	}
	log := tr.a.log.With("stream", tr.name)
	switch ev.Kind {
	case event.KindDefect:
		tr.defect(ev)
	case event.KindSnapshot:
		// Retained: the frame that started the latest video alert.
		tr.a.pub.SetLatest(tr.a.topics.Snapshot(tr.name), ev.Snapshot, true)
	case event.KindStats:
		tr.mu.Lock()
		tr.stats[ev.Element] = maps.Clone(ev.Stats)
		if v, ok := ev.Stats["first_pts_s"]; ok && ev.Element == "pipeline" {
			tr.firstPTS = time.Duration(v * float64(time.Second))
		}
		tr.mu.Unlock()
	case event.KindState:
		tr.setState(ev.State, ev.Message, ev.Wall)
	case event.KindDecoder:
		tr.mu.Lock()
		tr.status.Decoder, tr.status.Fallback = ev.Decoder, ev.Fallback
		tr.mu.Unlock()
		log.Info("decoder", "decoder", ev.Decoder, "fallback", ev.Fallback)
		tr.publishStatus()
	case event.KindWarning:
		log.Warn("pipeline warning", "message", ev.Message)
	case event.KindError:
		log.Error("pipeline error", "message", ev.Message)
		tr.mu.Lock()
		tr.status.Message = ev.Message
		tr.mu.Unlock()
		tr.publishStatus()
	case event.KindEOS:
		log.Info("end of stream")
	}
}

func (tr *tracker) setState(st event.State, msg string, at time.Time) {
	tr.mu.Lock()
	if tr.status.State != string(st) {
		tr.status.Since = at.UTC()
	}
	tr.status.State = string(st)
	tr.status.Message = msg
	tr.mu.Unlock()
	tr.a.log.Debug("stream state", "stream", tr.name, "state", st, "message", msg)
	tr.publishStatus()
}

func (tr *tracker) publishStatus() {
	tr.mu.Lock()
	b, _ := json.Marshal(tr.status)
	tr.mu.Unlock()
	tr.a.pub.SetLatest(tr.a.topics.StreamStatus(tr.name), b, true)
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func secs(d time.Duration) float64 { return d.Seconds() }

// mediaTime is an edge's time from the first frame of the run: the
// runner's own (on the container's presentation timeline, as `avwatch
// check` reports), else PTS minus the first frame's PTS when the runner's
// stats told it, else the segment's stream time, else the raw PTS.
func mediaTime(ev event.Event, firstPTS time.Duration) float64 {
	d := ev.Defect
	switch {
	case ev.HasMediaTime:
		return ev.MediaTime.Seconds()
	case firstPTS >= 0 && d.PTS >= firstPTS:
		return (d.PTS - firstPTS).Seconds()
	case d.StreamTime > 0:
		return d.StreamTime.Seconds()
	}
	return d.PTS.Seconds()
}

func (tr *tracker) defect(ev event.Event) {
	d := ev.Defect
	ch := d.Channel
	if !d.Type.Valid() {
		tr.a.log.Warn("ignoring a defect of unknown type", "stream", tr.name, "type", d.Type)
		return
	}
	tr.mu.Lock()
	media := mediaTime(ev, tr.firstPTS)
	tr.mu.Unlock()
	al := payload.Alert{
		ID: newID(), Device: tr.a.topics.Device, Stream: tr.name, Type: d.Type, Event: d.Edge,
		MediaTimeS: media, PTSS: secs(d.PTS), Time: ev.Wall.UTC(), Value: d.Value, Threshold: d.Threshold,
		Severity: payload.Severity(d.Type), DigitalZero: d.DigitalZero,
	}
	if ch >= 0 {
		al.Channel = &ch
	}
	if d.Type == defect.AVOffset {
		off := d.OffsetMs
		al.OffsetMs = &off
	}
	key := openKey{d.Type, ch}
	tr.mu.Lock()
	before := tr.snapshotOpenLocked()
	switch d.Edge {
	case defect.Start:
		if prev, dup := tr.open[key]; dup {
			// A second start without an end: keep the first window open;
			// the detector contract says this does not happen.
			tr.mu.Unlock()
			tr.a.log.Warn("a start for a window already open; ignored", "stream", tr.name, "type", d.Type, "open_since_s", prev.MediaTimeS)
			return
		}
		tr.open[key] = openDefect{ID: al.ID, Type: d.Type, Channel: ch, MediaTimeS: al.MediaTimeS, PTSS: al.PTSS, Value: d.Value, Threshold: d.Threshold}
	case defect.End:
		dur := secs(d.Duration)
		al.DurationS = &dur
		if st, ok := tr.open[key]; ok {
			al.StartID = st.ID
			delete(tr.open, key)
		} else {
			tr.a.log.Warn("an end without a start (sent anyway)", "stream", tr.name, "type", d.Type)
		}
	default:
		tr.mu.Unlock()
		tr.a.log.Warn("ignoring a defect event without start/end edge", "stream", tr.name, "type", d.Type)
		return
	}
	state := tr.stateLocked(al, ev.Wall)
	after := tr.snapshotOpenLocked()
	tr.mu.Unlock()

	tr.a.queue(al, state, func(seq uint64) { tr.a.open.save(tr.name, before, after, seq) })
	tr.a.log.Info("alert", "stream", tr.name, "type", d.Type, "event", d.Edge, "media_time_s", al.MediaTimeS, "value", d.Value, "threshold", d.Threshold)
}

// stateLocked is the retained defect state after al.
func (tr *tracker) stateLocked(al payload.Alert, wall time.Time) payload.DefectState {
	st := payload.DefectState{
		Device: al.Device, Stream: tr.name, Type: al.Type, Since: wall.UTC(), MediaTimeS: al.MediaTimeS,
		AlertID: al.ID, Value: al.Value, Threshold: al.Threshold, Severity: al.Severity,
	}
	for k := range tr.open {
		if k.Type == al.Type {
			st.Active = true
			if k.Channel >= 0 {
				st.Channels = append(st.Channels, k.Channel)
			}
		}
	}
	slices.Sort(st.Channels)
	return st
}

func (tr *tracker) snapshotOpenLocked() []openDefect {
	out := make([]openDefect, 0, len(tr.open))
	for _, o := range tr.open {
		out = append(out, o)
	}
	return out
}

// closeAll ends every open window with an agent-made end alert.
func (tr *tracker) closeAll(reason string) {
	tr.mu.Lock()
	open := tr.snapshotOpenLocked()
	tr.mu.Unlock()
	for _, o := range open {
		tr.mu.Lock()
		before := tr.snapshotOpenLocked()
		delete(tr.open, openKey{o.Type, o.Channel})
		after := tr.snapshotOpenLocked()
		al := closingAlert(tr.a.topics.Device, tr.name, o, reason)
		state := tr.stateLocked(al, al.Time)
		tr.mu.Unlock()
		tr.a.queue(al, state, func(seq uint64) { tr.a.open.save(tr.name, before, after, seq) })
	}
	if len(open) > 0 {
		tr.a.log.Info("closed open defect windows", "stream", tr.name, "count", len(open), "reason", reason)
	}
}

// closingAlert is the end the agent sends for a window whose real end it
// will never see. Its media time repeats the start's: the true end is
// unknown, and a duration is not claimed.
func closingAlert(device, stream string, o openDefect, reason string) payload.Alert {
	al := payload.Alert{
		ID: newID(), Device: device, Stream: stream, Type: o.Type, Event: defect.End,
		MediaTimeS: o.MediaTimeS, PTSS: o.PTSS, Time: time.Now().UTC(), Value: o.Value, Threshold: o.Threshold,
		Severity: payload.Severity(o.Type), StartID: o.ID, ClosedBy: reason,
	}
	if o.Channel >= 0 {
		ch := o.Channel
		al.Channel = &ch
	}
	return al
}

// queue appends the alert and the new retained state to the outbox, in
// that order, under consecutive sequence numbers. onSeq, if set, runs
// under the outbox lock before the records are written, so no ack can
// overtake it (see openstate.go).
func (a *Agent) queue(al payload.Alert, st payload.DefectState, onSeq func(seq uint64)) uint64 {
	err := a.ob.Append(func(seq uint64) []outbox.Record {
		al.Seq = seq
		if onSeq != nil {
			onSeq(seq)
		}
		ab, _ := json.Marshal(al)
		sb, _ := json.Marshal(st)
		return []outbox.Record{
			{Topic: a.topics.Alerts(al.Stream), QoS: a.qos, Payload: ab},
			{Topic: a.topics.Defect(al.Stream, al.Type), QoS: a.qos, Retained: true, Payload: sb},
		}
	})
	if err != nil {
		a.log.Error("alert queued in memory only", "stream", al.Stream, "type", al.Type, "error", err)
	}
	return al.Seq
}

func (a *Agent) publishStats() {
	a.mu.Lock()
	trs := make([]*tracker, 0, len(a.trackers))
	for _, tr := range a.trackers {
		trs = append(trs, tr)
	}
	a.mu.Unlock()
	now := time.Now().UTC()
	for _, tr := range trs {
		tr.mu.Lock()
		st := payload.Stats{Device: a.topics.Device, Stream: tr.name, Time: now, State: tr.status.State, Elements: map[string]map[string]float64{}}
		for k, v := range tr.stats {
			st.Elements[k] = maps.Clone(v)
		}
		tr.mu.Unlock()
		b, _ := json.Marshal(st)
		a.pub.Send(a.topics.Stats(tr.name), b)
	}
}

func (a *Agent) publishOutboxStatus() {
	b, _ := json.Marshal(payload.OutboxStatus{Device: a.topics.Device, Time: time.Now().UTC(), Queued: a.ob.Len(), Dropped: a.ob.Dropped()})
	a.pub.SetLatest(a.topics.Outbox(), b, true)
}

// streamStatuses returns every tracked stream's status, for /status.
func (a *Agent) streamStatuses() []payload.StreamStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]payload.StreamStatus, 0, len(a.trackers))
	for _, tr := range a.trackers {
		tr.mu.Lock()
		out = append(out, tr.status)
		tr.mu.Unlock()
	}
	slices.SortFunc(out, func(x, y payload.StreamStatus) int {
		if x.Stream < y.Stream {
			return -1
		}
		if x.Stream > y.Stream {
			return 1
		}
		return 0
	})
	return out
}
