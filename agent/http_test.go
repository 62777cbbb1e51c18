package agent

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/internal/fakestream"
	"github.com/avwatch/avwatch/internal/testbroker"
	"github.com/avwatch/avwatch/pipeline/event"
)

// The optional HTTP listener: /healthz answers while the supervisor loop
// does, /status reports the connection, the outbox and each stream.
func TestHTTPStatus(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	fs := fakestream.NewStarter()
	r := startAgent(t, brokerConfig(testbroker.URL(t))+"http:\n  listen: "+addr+"\n"+twoStreams, fs.Start, nil)
	s, _ := fs.Await("lobby", 1, 5*time.Second)
	s.Emit(event.Event{Kind: event.KindState, State: event.Playing})
	r.log.Await(t, "mqtt: connected", 1, 5*time.Second)

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("healthz %d %q", code, body)
	}
	r.log.Await(t, `state=playing`, 1, 5*time.Second)
	code, body := get("/status")
	var doc statusDoc
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil || !doc.MQTT.Connected || doc.Device != "box" || len(doc.Streams) != 2 || doc.Streams[1].State != "playing" {
		t.Fatalf("status %d: %s", code, body)
	}

	// A wedged supervisor loop makes /healthz fail.
	release := make(chan struct{})
	defer close(release)
	running := make(chan struct{})
	go r.a.inLoop(t.Context(), time.Minute, func() { close(running); <-release })
	<-running
	if code, _ := get("/healthz"); code != http.StatusServiceUnavailable {
		t.Fatalf("healthz with a wedged loop: %d", code)
	}
}
