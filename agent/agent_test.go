package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/internal/fakestream"
	"github.com/avwatch/avwatch/agent/payload"
	"github.com/avwatch/avwatch/agent/schema"
	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/internal/testbroker"
	"github.com/avwatch/avwatch/pipeline/event"
)

const twoStreams = `streams:
  - name: lobby
    source: rtsp://cam/1
  - name: hall
    source: rtsp://cam/2
    audio:
      silence:
        threshold_db: -50
`

// An edge from a pipeline becomes an alert with the right fields, the
// retained defect state follows it, the snapshot is a JPEG, the status and
// stats are published, and every payload matches its JSON Schema.
func TestAlertsStateSnapshotStats(t *testing.T) {
	url := testbroker.URL(t)
	dev := fmt.Sprintf("box%d", time.Now().UnixNano())
	sub := testbroker.Subscribe(t, url, "avwatch/"+dev+"/#")
	fs := fakestream.NewStarter()
	r := startAgent(t, strings.Replace(brokerConfig(url), "device: box", "device: "+dev, 1)+"stats_interval: 200ms\n"+twoStreams, fs.Start, nil)
	lobby, err := fs.Await("lobby", 1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if lobby.Spec.Source != "rtsp://cam/1" || !lobby.Spec.Sync || lobby.Spec.Properties["videoqc.black-ratio"] != "0.98" {
		t.Fatalf("spec: %+v", lobby.Spec)
	}
	lobby.Emit(event.Event{Kind: event.KindDecoder, Decoder: "avdec_h264"})
	lobby.Emit(event.Event{Kind: event.KindState, State: event.Playing})
	lobby.Emit(event.Event{Kind: event.KindStats, Element: "videoqc", Stats: map[string]float64{"fps": 25, "frames": 250}})
	// The runner's first frame was at PTS 1 s: media times count from it.
	lobby.Emit(event.Event{Kind: event.KindStats, Element: "pipeline", Stats: map[string]float64{"first_pts_s": 1}})
	lobby.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: defect.Black, Edge: defect.Start, PTS: 13500 * time.Millisecond, Value: 0.99, Threshold: 0.98, Channel: -1}})
	lobby.Emit(event.Event{Kind: event.KindSnapshot, Defect: defect.Event{Type: defect.Black, PTS: 13500 * time.Millisecond}, Snapshot: fakestream.TinyJPEG})
	lobby.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: defect.ChannelLoss, Edge: defect.Start, PTS: 14 * time.Second, Channel: 1, Value: -120, Threshold: -90}})

	base := "avwatch/" + dev + "/lobby/"
	sub.WaitFor("two starts and the snapshot", 10*time.Second, func(m []testbroker.Message) bool {
		_, snap := sub.Last(base + "snapshot")
		return countAlerts(m) >= 2 && snap
	})
	var st payload.DefectState
	if !lastJSON(t, sub, base+"defects/black", &st) || !st.Active || st.MediaTimeS != 12.5 {
		t.Fatalf("retained black state after start: %+v", st)
	}
	lobby.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: defect.Black, Edge: defect.End, PTS: 16 * time.Second, Duration: 2500 * time.Millisecond, Value: 0.1, Threshold: 0.98, Channel: -1}})
	msgs := sub.WaitFor("the end and stats", 10*time.Second, func(m []testbroker.Message) bool {
		_, stats := sub.Last(base + "stats")
		return countAlerts(m) >= 3 && stats
	})
	al := alerts(t, msgs)
	start, cl, end := al[0], al[1], al[2]
	if start.Type != defect.Black || start.Event != defect.Start || start.MediaTimeS != 12.5 || start.PTSS != 13.5 || start.Severity != "major" || start.Value != 0.99 || start.Threshold != 0.98 || start.Device != dev || start.Stream != "lobby" {
		t.Fatalf("start: %+v", start)
	}
	if cl.Type != defect.ChannelLoss || cl.Channel == nil || *cl.Channel != 1 {
		t.Fatalf("channel loss: %+v", cl)
	}
	if end.Event != defect.End || end.MediaTimeS != 15 || end.DurationS == nil || *end.DurationS != 2.5 || end.StartID != start.ID || end.ID == start.ID {
		t.Fatalf("end: %+v", end)
	}
	if !(start.Seq < cl.Seq && cl.Seq < end.Seq) {
		t.Fatalf("seqs not increasing: %d %d %d", start.Seq, cl.Seq, end.Seq)
	}
	if !lastJSON(t, sub, base+"defects/black", &st) || st.Active || st.AlertID != end.ID {
		t.Fatalf("retained black state after end: %+v", st)
	}
	m, _ := sub.Last(base + "snapshot")
	if _, err := jpeg.Decode(bytes.NewReader(m.Payload)); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	// A dashboard connecting now sees the snapshot and the defect states.
	late := testbroker.Subscribe(t, url, "avwatch/"+dev+"/#")
	late.WaitFor("retained snapshot, defect states and status", 5*time.Second, func(m []testbroker.Message) bool {
		want := map[string]bool{"avwatch/" + dev + "/status": true, base + "snapshot": true, base + "defects/black": true, base + "defects/channel_loss": true, base + "status": true}
		for _, x := range m {
			if want[x.Topic] && x.Retained {
				delete(want, x.Topic)
			}
		}
		return len(want) == 0
	})
	var status payload.StreamStatus
	if !lastJSON(t, sub, base+"status", &status) || status.State != "playing" || status.Decoder != "avdec_h264" {
		t.Fatalf("status: %+v", status)
	}
	var stats payload.Stats
	lastJSON(t, sub, base+"stats", &stats)
	if stats.Elements["videoqc"]["fps"] != 25 {
		t.Fatalf("stats: %+v", stats)
	}
	if m, ok := sub.Last("avwatch/" + dev + "/status"); !ok || string(m.Payload) != "online" {
		t.Fatalf("device status: %+v", m)
	}
	// Every JSON payload published matches its schema.
	for _, m := range sub.Messages() {
		var name string
		switch {
		case strings.HasSuffix(m.Topic, "/alerts"):
			name = schema.Alert
		case strings.Contains(m.Topic, "/defects/"):
			name = schema.DefectState
		case strings.HasSuffix(m.Topic, "/stats"):
			name = schema.Stats
		case m.Topic == "avwatch/"+dev+"/outbox":
			name = schema.Outbox
		case strings.HasSuffix(m.Topic, "/status") && m.Topic != "avwatch/"+dev+"/status":
			name = schema.StreamStatus
		default:
			continue
		}
		if err := schema.Validate(name, m.Payload); err != nil {
			t.Errorf("%s: %v\n%s", m.Topic, err, m.Payload)
		}
	}

	// A clean stop closes the open channel_loss window and says offline.
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	msgs = sub.WaitFor("closing end and offline", 10*time.Second, func(m []testbroker.Message) bool {
		l, _ := sub.Last("avwatch/" + dev + "/status")
		return countAlerts(m) >= 4 && string(l.Payload) == "offline"
	})
	closing := alerts(t, msgs)[3]
	if closing.Type != defect.ChannelLoss || closing.Event != defect.End || closing.ClosedBy != "stream_stopped" || closing.StartID != cl.ID {
		t.Fatalf("closing: %+v", closing)
	}
	if err := schema.Validate(schema.Alert, mustJSON(closing)); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// A pipeline that dies is restarted with backoff; the status counts it and
// the window it left open gets an agent-made end. EOS of a file with the
// default on-failure policy stops the stream for good.
func TestRestartPolicy(t *testing.T) {
	url := testbroker.URL(t)
	dev := fmt.Sprintf("box%d", time.Now().UnixNano())
	sub := testbroker.Subscribe(t, url, "avwatch/"+dev+"/#")
	fs := fakestream.NewStarter()
	startAgent(t, strings.Replace(brokerConfig(url), "device: box", "device: "+dev, 1)+twoStreams, fs.Start, nil)
	s1, _ := fs.Await("lobby", 1, 5*time.Second)
	s1.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: defect.Freeze, Edge: defect.Start, PTS: time.Second, Channel: -1}})
	s1.Emit(event.Event{Kind: event.KindError, Message: "connection reset by camera"})
	s1.End()
	s2, err := fs.Await("lobby", 2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	msgs := sub.WaitFor("start and agent-made end", 10*time.Second, func(m []testbroker.Message) bool { return countAlerts(m) >= 2 })
	al := alerts(t, msgs)
	if al[1].ClosedBy != "stream_stopped" || al[1].StartID != al[0].ID || al[1].DurationS != nil {
		t.Fatalf("closing end: %+v", al[1])
	}
	s2.Emit(event.Event{Kind: event.KindState, State: event.Playing})
	sub.WaitFor("restarts=1 in status", 10*time.Second, func([]testbroker.Message) bool {
		var st payload.StreamStatus
		return lastJSON(t, sub, "avwatch/"+dev+"/lobby/status", &st) && st.Restarts == 1 && st.State == "playing"
	})

	hall, _ := fs.Await("hall", 1, 5*time.Second)
	hall.Emit(event.Event{Kind: event.KindEOS})
	hall.End()
	sub.WaitFor("hall stopped at EOS", 10*time.Second, func([]testbroker.Message) bool {
		var st payload.StreamStatus
		return lastJSON(t, sub, "avwatch/"+dev+"/hall/status", &st) && st.State == "stopped" && st.Message == "end of stream"
	})
	if _, err := fs.Await("hall", 2, 300*time.Millisecond); err == nil {
		t.Fatal("a file stream that reached EOS must not restart under on-failure")
	}

	// A start failure is reported as down with the reason, then retried.
	fs.Fail = errors.New("no such element nvh264dec")
	s2.End()
	s3, err := fs.Await("lobby", 3, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = s3
	found := false
	for _, m := range sub.Messages() {
		if m.Topic == "avwatch/"+dev+"/lobby/status" && strings.Contains(string(m.Payload), "start failed: no such element nvh264dec; restarting in") {
			found = true
		}
	}
	if !found {
		t.Fatal("no down status naming the start failure")
	}
}

// SIGHUP semantics: a threshold change is set on the running pipeline, a
// definition change restarts only that stream, a removed stream stops, a
// bad file changes nothing.
func TestReload(t *testing.T) {
	url := testbroker.URL(t)
	fs := fakestream.NewStarter()
	r := startAgent(t, brokerConfig(url)+twoStreams, fs.Start, nil)
	lobby, _ := fs.Await("lobby", 1, 5*time.Second)
	hall, _ := fs.Await("hall", 1, 5*time.Second)
	write := func(s string) {
		data, _ := os.ReadFile(r.path)
		_ = data
		os.WriteFile(r.path, []byte(strings.ReplaceAll(s, "$DIR", strings.TrimSuffix(r.path, "/avwatch.yaml"))), 0o600)
	}

	// 1. threshold only
	write(brokerConfig(url) + strings.Replace(twoStreams, "threshold_db: -50", "threshold_db: -45", 1))
	if err := r.a.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	sets := hall.Sets()
	if lobby.Stopped() || hall.Stopped() || len(fs.Streams()) != 2 {
		t.Fatal("a threshold change must not restart anything")
	}
	if len(sets) != 1 || len(sets[0]) != 1 || sets[0]["audioqc.silence-threshold-db"] != "-45" || len(lobby.Sets()) != 0 {
		t.Fatalf("live property change: hall %v, lobby %v", sets, lobby.Sets())
	}

	// 2. definition change of hall only, lobby removed, new stream added
	write(brokerConfig(url) + "streams:\n  - name: hall\n    source: rtsp://cam/2b\n  - name: roof\n    source: rtsp://cam/3\n")
	if err := r.a.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !lobby.Stopped() || !hall.Stopped() {
		t.Fatal("removed and changed streams must stop")
	}
	hall2, err := fs.Await("hall", 2, 5*time.Second)
	if err != nil || hall2.Spec.Source != "rtsp://cam/2b" {
		t.Fatalf("hall restarted with %+v, %v", hall2, err)
	}
	roof, err := fs.Await("roof", 1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}

	// 3. a bad file is rejected with its line and changes nothing
	write(brokerConfig(url) + "streams:\n  - name: hall\n    source: rtsp://cam/2b\n    hwaccel: cuda\n")
	err = r.a.Reload(t.Context())
	if err == nil || !strings.Contains(err.Error(), `config line 10: stream "hall": hwaccel: "cuda" is not supported`) {
		t.Fatalf("bad reload: %v", err)
	}
	if hall2.Stopped() || roof.Stopped() {
		t.Fatal("a rejected reload must leave streams running")
	}
	r.log.Await(t, "reload: config rejected; keeping the running configuration", 1, time.Second)
}

// With no broker configured the agent serves its own, and publishes to it.
func TestEmbeddedBroker(t *testing.T) {
	fs := fakestream.NewStarter()
	r := startAgent(t, "device: solo\nmqtt:\n  embedded:\n    listen: 127.0.0.1:0\noutbox:\n  dir: $DIR/outbox\nstreams:\n  - name: s\n    source: rtsp://x/1\n", fs.Start, nil)
	s, _ := fs.Await("s", 1, 5*time.Second)
	sub := testbroker.Subscribe(t, r.a.broker.URL(), "avwatch/solo/#")
	s.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: defect.Silence, Edge: defect.Start, PTS: time.Second, Channel: -1, DigitalZero: true}})
	msgs := sub.WaitFor("alert via the embedded broker", 10*time.Second, func(m []testbroker.Message) bool { return countAlerts(m) >= 1 })
	if a := alerts(t, msgs)[0]; a.Type != defect.Silence || !a.DigitalZero {
		t.Fatalf("%+v", a)
	}
}

// Home Assistant discovery announces a problem sensor per stream and type,
// reading the retained defect state.
func TestHomeAssistantDiscovery(t *testing.T) {
	url := testbroker.URL(t)
	dev := fmt.Sprintf("ha%d", time.Now().UnixNano())
	sub := testbroker.Subscribe(t, url, "homeassistant/binary_sensor/#")
	fs := fakestream.NewStarter()
	startAgent(t, "device: "+dev+"\nmqtt:\n  broker: "+url+"\n  home_assistant:\n    enabled: true\noutbox:\n  dir: $DIR/o\nstreams:\n  - name: front.door\n    source: rtsp://x/1\n", fs.Start, nil)
	topic := "homeassistant/binary_sensor/avwatch_" + dev + "_front_door_black/config"
	sub.WaitFor("discovery of all types", 10*time.Second, func(m []testbroker.Message) bool {
		n := 0
		for _, x := range m {
			if strings.Contains(x.Topic, dev) {
				n++
			}
		}
		return n >= len(defect.Types)
	})
	m, _ := sub.Last(topic)
	if err := schema.Validate(schema.HADiscovery, m.Payload); err != nil {
		t.Fatalf("%v: %s", err, m.Payload)
	}
	late := testbroker.Subscribe(t, url, topic)
	late.WaitFor("retained discovery", 5*time.Second, func(m []testbroker.Message) bool { return len(m) == 1 && m[0].Retained })
	var d map[string]any
	json.Unmarshal(m.Payload, &d)
	if d["state_topic"] != "avwatch/"+dev+"/front.door/defects/black" || d["availability_topic"] != "avwatch/"+dev+"/status" {
		t.Fatalf("%s", m.Payload)
	}
}
