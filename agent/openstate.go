package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/avwatch/avwatch/agent/payload"
)

// openStore remembers the defect windows that are open, per stream, in
// <outbox dir>/open.json, so that after a crash (kill -9, power cut) the
// next start can send the ends the dead process never sent, and retained
// defects/<type> states do not stay "active" forever.
//
// It is rewritten (temp file + rename, no fsync) on every start and end:
// defects are rare, and the page cache survives a kill -9. After a power
// cut the file may be one edge behind, which at worst closes a window
// twice or not at all; alerts themselves are in the fsync'd outbox.
type openStore struct {
	path string
	mu   sync.Mutex
	m    map[string][]openDefect
}

func openOpenStore(dir string) (*openStore, error) {
	s := &openStore{path: filepath.Join(dir, "open.json"), m: map[string][]openDefect{}}
	b, err := os.ReadFile(s.path)
	if err == nil {
		if json.Unmarshal(b, &s.m) != nil {
			s.m = map[string][]openDefect{}
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	return s, nil
}

func (s *openStore) save(stream string, open []openDefect) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(open) == 0 {
		if _, ok := s.m[stream]; !ok {
			return
		}
		delete(s.m, stream)
	} else {
		sort.Slice(open, func(i, j int) bool { return open[i].ID < open[j].ID })
		s.m[stream] = open
	}
	b, _ := json.Marshal(s.m)
	tmp := s.path + ".tmp"
	if os.WriteFile(tmp, b, 0o640) == nil {
		os.Rename(tmp, s.path)
	}
}

// take returns what a previous run left open and forgets it.
func (s *openStore) take() map[string][]openDefect {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.m
	s.m = map[string][]openDefect{}
	if len(m) > 0 {
		os.Remove(s.path)
	}
	return m
}

// closeLeftOpen sends the ends of windows a previous run left open.
func (a *Agent) closeLeftOpen() {
	left := a.open.take()
	names := make([]string, 0, len(left))
	for n := range left {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, stream := range names {
		for _, o := range left[stream] {
			al := closingAlert(a.topics.Device, stream, o, "agent_restarted")
			st := payload.DefectState{Device: al.Device, Stream: stream, Type: o.Type, Since: al.Time, MediaTimeS: o.MediaTimeS,
				AlertID: al.ID, Value: o.Value, Threshold: o.Threshold, Severity: al.Severity}
			a.queue(al, st)
		}
		a.log.Info("closed defect windows left open by the previous run", "stream", stream, "count", len(left[stream]))
	}
}
