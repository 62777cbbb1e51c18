package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/avwatch/avwatch/internal/testbroker"
)

func TestClassify(t *testing.T) {
	for topic, want := range map[string]string{
		"site/a/avwatch/box/status":           "box  2",
		"site/a/avwatch/box/outbox":           "box  7",
		"site/a/avwatch/box/lobby/alerts":     "box lobby 1",
		"site/a/avwatch/box/status/status":    "box status 3", // a stream named "status"
		"site/a/avwatch/box/lobby/defects/x":  "box lobby 4",
		"site/a/avwatch/box/lobby/snapshot":   "box lobby 5",
		"site/a/avwatch/box/lobby/stats":      "box lobby 6",
		"site/a/avwatch/box/lobby/what/ever/": "  0",
		"other/box/status":                    "  0",
	} {
		d, s, k := Classify("site/a/avwatch", topic)
		if got := fmt.Sprintf("%s %s %d", d, s, k); got != want {
			t.Errorf("%s: %q, want %q", topic, got, want)
		}
	}
}

func TestPrinterLines(t *testing.T) {
	var b bytes.Buffer
	p := &Printer{Prefix: "avwatch", W: &b}
	p.Message("avwatch/box/status", []byte("online"), true)
	p.Message("avwatch/box/lobby/status", []byte(`{"device":"box","stream":"lobby","state":"playing","decoder":"avdec_h264","since":"2024-01-01T00:00:00Z","restarts":2}`), true)
	p.Message("avwatch/box/lobby/alerts", []byte(`{"id":"a","seq":1,"device":"box","stream":"lobby","type":"black","event":"start","media_time_s":12.5,"time":"2024-01-01T00:00:00Z","value":0.99,"threshold":0.98,"severity":"major"}`), false)
	p.Message("avwatch/box/lobby/alerts", []byte(`{"id":"b","seq":3,"device":"box","stream":"lobby","type":"black","event":"end","media_time_s":15,"duration_s":2.5,"time":"2024-01-01T00:00:00Z","value":0,"threshold":0.98,"severity":"major","start_id":"a"}`), false)
	p.Message("avwatch/box/lobby/defects/black", []byte(`{"type":"black","active":true,"since":"2024-01-01T00:00:00Z","media_time_s":1}`), true)
	out := b.String()
	for _, want := range []string{
		"box                      ONLINE",
		"box/lobby                playing decoder avdec_h264 [2 restarts]",
		"box/lobby                ▲ START black        at    12.500s  value 0.99 (threshold 0.98)  major",
		"box/lobby                ▼ END   black        at    15.000s lasted 2.500s",
		"● ACTIVE black",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes without Color")
	}
}

func TestJSONLines(t *testing.T) {
	var b bytes.Buffer
	p := &Printer{Prefix: "avwatch", JSON: true, W: &b}
	p.Message("avwatch/box/status", []byte("offline"), true)
	p.Message("avwatch/box/lobby/alerts", []byte(`{"id":"a"}`), false)
	p.Message("avwatch/box/lobby/snapshot", []byte{0xff, 0xd8}, true)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	var m []map[string]any
	for _, l := range lines {
		var x map[string]any
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		m = append(m, x)
	}
	if m[0]["payload"] != "offline" || m[1]["payload"].(map[string]any)["id"] != "a" || m[2]["payload_base64"] != "/9g=" {
		t.Fatalf("%v", m)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Run against a real broker: retained state first, then live alerts, and
// it stops by itself after MaxAlerts.
func TestRunStopsAfterMaxAlerts(t *testing.T) {
	url := testbroker.URL(t)
	dev := fmt.Sprintf("w%d", time.Now().UnixNano())
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(dev))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	c.Publish("avwatch/"+dev+"/status", 1, true, "online").Wait()
	var out syncBuf
	errOut := &syncBuf{}
	done := make(chan error)
	watching := make(chan struct{}, 1)
	go func() {
		done <- Run(context.Background(), Options{Broker: url, Device: dev, MaxAlerts: 2, Out: &out, Err: errOut,
			OnWatching: func() { watching <- struct{}{} }})
	}()
	<-watching
	alert := `{"id":"%d","seq":%d,"device":"d","stream":"s","type":"freeze","event":"start","media_time_s":1,"time":"2024-01-01T00:00:00Z","value":1,"threshold":1,"severity":"major"}`
	for i := 1; i <= 3; i++ {
		c.Publish("avwatch/"+dev+"/s/alerts", 1, false, fmt.Sprintf(alert, i, i)).Wait()
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("watch did not stop after 2 alerts:\n%s", out.String())
	}
	if got := strings.Count(out.String(), "START freeze"); got < 2 || !strings.Contains(out.String(), "ONLINE") {
		t.Fatalf("output:\n%s", out.String())
	}
}
