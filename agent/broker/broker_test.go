package broker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/internal/testbroker"
	paho "github.com/eclipse/paho.mqtt.golang"
)

func TestRetainedAndLiveDelivery(t *testing.T) {
	b, err := Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID("pub"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Publish("avwatch/box/status", 1, true, "online"); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	s := testbroker.Subscribe(t, b.URL(), "avwatch/#")
	m := s.WaitFor("retained status", 5*time.Second, func(m []testbroker.Message) bool { return len(m) >= 1 })
	if string(m[0].Payload) != "online" || !m[0].Retained {
		t.Fatalf("%+v", m[0])
	}
	c.Publish("avwatch/box/lobby/alerts", 1, false, "{}").Wait()
	s.WaitFor("live alert", 5*time.Second, func([]testbroker.Message) bool {
		_, ok := s.Last("avwatch/box/lobby/alerts")
		return ok
	})
}

func TestPortInUse(t *testing.T) {
	b, err := Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = Start(b.Addr(), nil)
	if err == nil || !strings.Contains(err.Error(), "is already in use (another broker?); to publish to it set mqtt.broker: tcp://"+b.Addr()) {
		t.Fatalf("err = %v", err)
	}
}

// TestLogQuietsClosedSessions: mochi's message-less warning for a session
// ended by a closed connection is dropped; another gets a message; other
// records pass as they are, and info stays below the filter.
func TestLogQuietsClosedSessions(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(levelFilter{slog.NewTextHandler(&buf, nil), slog.LevelWarn})
	log.Warn("", "listener", "avwatch", "error", fmt.Errorf("read tcp: %w", net.ErrClosed))
	log.Warn("", "error", io.EOF)
	if buf.Len() != 0 {
		t.Errorf("closed sessions logged: %s", buf.String())
	}
	log.Warn("", "error", errors.New("malformed packet"))
	log.Warn("client store quota reached", "client", "c1")
	log.Info("client connected")
	out := buf.String()
	if !strings.Contains(out, `msg="embedded MQTT broker: a client session ended with an error" error="malformed packet"`) ||
		!strings.Contains(out, `msg="client store quota reached" client=c1`) || strings.Contains(out, "connected") {
		t.Errorf("log:\n%s", out)
	}
}
