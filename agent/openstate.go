package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/avwatch/avwatch/agent/payload"
	"github.com/avwatch/avwatch/elements/defect"
)

// openStore remembers the defect windows that are open, per stream, in
// <outbox dir>/open.json, so that after a crash (kill -9, power cut) the
// next start can send the ends the dead process never sent, and retained
// defects/<type> states do not stay "active" forever.
//
// It is rewritten (temp file + rename, no fsync: the page cache survives a
// kill -9) for every start and end, just before the edge's records are
// written to the outbox, with the edge's seq and the open set before and
// after it. At the next start (closeLeftOpen): if that seq never reached
// the outbox, the "before" set holds; otherwise the "after" set, updated by
// replaying newer alert records still in the outbox. Defects are rare, so
// the extra file write is cheap.
type openStore struct {
	path string
	mu   sync.Mutex
	m    map[string]streamOpen
}

type streamOpen struct {
	Upto   uint64       `json:"upto"` // outbox seq of the last edge reflected
	Open   []openDefect `json:"open,omitempty"`
	Before []openDefect `json:"before,omitempty"` // the open set before that edge
}

func openOpenStore(dir string) (*openStore, error) {
	s := &openStore{path: filepath.Join(dir, "open.json"), m: map[string]streamOpen{}}
	b, err := os.ReadFile(s.path)
	if err == nil {
		if json.Unmarshal(b, &s.m) != nil {
			s.m = map[string]streamOpen{}
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	return s, nil
}

func (s *openStore) save(stream string, before, after []openDefect, upto uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sortOpen(before)
	sortOpen(after)
	s.m[stream] = streamOpen{Upto: upto, Open: after, Before: before}
	b, _ := json.Marshal(s.m)
	tmp := s.path + ".tmp"
	if os.WriteFile(tmp, b, 0o640) == nil {
		os.Rename(tmp, s.path)
	}
}

func sortOpen(o []openDefect) {
	sort.Slice(o, func(i, j int) bool { return o[i].ID < o[j].ID })
}

// take returns what a previous run left and forgets it.
func (s *openStore) take() map[string]streamOpen {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.m
	s.m = map[string]streamOpen{}
	os.Remove(s.path)
	return m
}

// closeLeftOpen sends the ends of windows a previous run left open: those
// in open.json, updated with the alerts still queued in the outbox that
// open.json had not caught up with when the process died.
func (a *Agent) closeLeftOpen() {
	left := a.open.take()
	for name, so := range left {
		if so.Upto >= a.ob.NextSeq() { // died before writing that edge
			so.Open, so.Upto = so.Before, so.Upto-1
			left[name] = so
		}
	}
	for _, r := range a.ob.Peek(0, a.ob.Len()) {
		if !strings.HasSuffix(r.Topic, "/alerts") {
			continue
		}
		var al payload.Alert
		if json.Unmarshal(r.Payload, &al) != nil || al.Stream == "" {
			continue
		}
		so := left[al.Stream]
		if r.Seq <= so.Upto {
			continue
		}
		switch al.Event {
		case defect.Start:
			ch := -1
			if al.Channel != nil {
				ch = *al.Channel
			}
			so.Open = append(so.Open, openDefect{ID: al.ID, Type: al.Type, Channel: ch, MediaTimeS: al.MediaTimeS, PTSS: al.PTSS, Value: al.Value, Threshold: al.Threshold})
		case defect.End:
			so.Open = slices.DeleteFunc(so.Open, func(o openDefect) bool { return o.ID == al.StartID })
		}
		so.Upto = r.Seq
		left[al.Stream] = so
	}
	names := make([]string, 0, len(left))
	for n := range left {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, stream := range names {
		if len(left[stream].Open) == 0 {
			continue
		}
		for _, o := range left[stream].Open {
			al := closingAlert(a.topics.Device, stream, o, "agent_restarted")
			st := payload.DefectState{Device: al.Device, Stream: stream, Type: o.Type, Since: al.Time, MediaTimeS: o.MediaTimeS,
				AlertID: al.ID, Value: o.Value, Threshold: o.Threshold, Severity: al.Severity}
			a.queue(al, st, nil)
		}
		a.log.Info("closed defect windows left open by the previous run", "stream", stream, "count", len(left[stream].Open))
	}
}
