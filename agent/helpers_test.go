package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/config"
	"github.com/avwatch/avwatch/agent/payload"
	"github.com/avwatch/avwatch/agent/supervisor"
	"github.com/avwatch/avwatch/internal/sdnotify"
	"github.com/avwatch/avwatch/internal/testbroker"
	"github.com/avwatch/avwatch/internal/testlog"
	"github.com/avwatch/avwatch/pipeline/event"
)

// logBuf collects the agent's log and lets a test await a line.
type logBuf = testlog.Buf

type running struct {
	a    *Agent
	log  *logBuf
	stop func() error
	path string
}

// startAgent runs an agent in-process on cfgText (written to a file so
// Reload works) and returns once it is ready.
func startAgent(t *testing.T, cfgText string, start event.Starter, n *sdnotify.Notifier) *running {
	t.Helper()
	dir := t.TempDir()
	cfgText = strings.ReplaceAll(cfgText, "$DIR", dir)
	path := filepath.Join(dir, "avwatch.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	lb := &logBuf{}
	if n == nil {
		n = &sdnotify.Notifier{}
	}
	a, err := New(Options{
		Config: cfg, ConfigPath: path, Starter: start, Notifier: n,
		Logger:       slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Supervisor:   supervisor.Options{BackoffMin: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond},
		ReconnectMin: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx) }()
	select {
	case <-a.Ready():
	case err := <-errc:
		t.Fatalf("agent exited: %v\n%s", err, lb.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("agent not ready:\n%s", lb.String())
	}
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-errc })
		return runErr
	}
	t.Cleanup(func() { stop() })
	return &running{a: a, log: lb, stop: stop, path: path}
}

// alerts decodes the alerts among msgs.
func alerts(t *testing.T, msgs []testbroker.Message) []payload.Alert {
	t.Helper()
	var out []payload.Alert
	for _, m := range msgs {
		if strings.HasSuffix(m.Topic, "/alerts") {
			var a payload.Alert
			if err := json.Unmarshal(m.Payload, &a); err != nil {
				t.Fatalf("%s: %v: %s", m.Topic, err, m.Payload)
			}
			out = append(out, a)
		}
	}
	return out
}

func countAlerts(msgs []testbroker.Message) int {
	n := 0
	for _, m := range msgs {
		if strings.HasSuffix(m.Topic, "/alerts") {
			n++
		}
	}
	return n
}

func lastJSON(t *testing.T, s *testbroker.Subscriber, topic string, v any) bool {
	m, ok := s.Last(topic)
	if !ok {
		return false
	}
	if err := json.Unmarshal(m.Payload, v); err != nil {
		t.Fatalf("%s: %v: %s", topic, err, m.Payload)
	}
	return true
}

func brokerConfig(url string) string {
	return fmt.Sprintf("device: box\nmqtt:\n  broker: %s\n  reconnect_max: 200ms\noutbox:\n  dir: $DIR/outbox\n", url)
}
