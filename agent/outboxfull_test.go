package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/internal/fakestream"
	"github.com/avwatch/avwatch/agent/payload"
	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/internal/testbroker"
	"github.com/avwatch/avwatch/pipeline/event"
)

// A full outbox drops the oldest, never silently: the count is logged and
// published, and what is kept is the newest, still in order.
func TestOutboxFullDropsAreCountedAndPublished(t *testing.T) {
	b := testbroker.Start(t, testbroker.Options{Persistence: true})
	sub := testbroker.Subscribe(t, b.URL(), "avwatch/box/#")
	fs := fakestream.NewStarter()
	r := startAgent(t, strings.Replace(brokerConfig(b.URL()), "outbox:\n", "outbox:\n  max_messages: 10\n", 1)+twoStreams, fs.Start, nil)
	s, _ := fs.Await("lobby", 1, 5*time.Second)
	r.log.Await(t, "mqtt: connected", 1, 5*time.Second)
	b.Stop()
	r.log.Await(t, "mqtt: connection lost", 1, 5*time.Second)
	for i := 0; i < 12; i++ {
		pts := time.Duration(i) * time.Second
		s.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: defect.Black, Edge: defect.Start, PTS: pts, Channel: -1}})
		s.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: defect.Black, Edge: defect.End, PTS: pts + 500*time.Millisecond, Channel: -1}})
	}
	r.log.Await(t, "msg=alert ", 24, 10*time.Second)
	// 24 alerts + 24 defect states = 48 records, 10 kept.
	if r.a.ob.Len() != 10 || r.a.ob.Dropped() != 38 {
		t.Fatalf("queued %d dropped %d, want 10 and 38", r.a.ob.Len(), r.a.ob.Dropped())
	}
	r.log.Await(t, "outbox full: dropped the oldest alerts", 1, time.Second)

	b.Restart()
	sub.WaitFor("outbox status with the drop count, and the kept alerts", 15*time.Second, func(m []testbroker.Message) bool {
		var st payload.OutboxStatus
		return lastJSON(t, sub, "avwatch/box/outbox", &st) && st.Dropped == 38 && st.Queued == 0
	})
	got := alerts(t, sub.Messages())
	if len(got) != 5 {
		t.Fatalf("%d alerts delivered after drops, want the newest 5", len(got))
	}
	for i, a := range got {
		if want := []float64{9.5, 10, 10.5, 11, 11.5}[i]; a.MediaTimeS != want || a.Seq != uint64(39+2*i) {
			t.Fatalf("kept alert %d: media time %v seq %d, want %v and %d (the newest, in order)", i, a.MediaTimeS, a.Seq, want, 39+2*i)
		}
	}
	if last := got[4]; last.Event != defect.End || last.MediaTimeS != 11.5 {
		t.Fatalf("newest kept alert: %+v", last)
	}
}
