package agent

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/internal/fakestream"
	"github.com/avwatch/avwatch/internal/sdnotify"
	"github.com/avwatch/avwatch/internal/testbroker"
)

type datagram struct {
	at   time.Time
	text string
}

// listenNotify plays systemd: it receives the agent's notifications.
func listenNotify(t *testing.T) (string, <-chan datagram) {
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan datagram, 1000)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			ch <- datagram{time.Now(), string(buf[:n])}
		}
	}()
	t.Cleanup(func() { c.Close() })
	return path, ch
}

func next(t *testing.T, ch <-chan datagram, timeout time.Duration) (datagram, bool) {
	select {
	case d := <-ch:
		return d, true
	case <-time.After(timeout):
		return datagram{}, false
	}
}

// Issue 7's bar: READY=1 once the pipelines are built, WATCHDOG=1 more
// often than WatchdogSec while the supervisor loop runs, none while it is
// wedged, pings again once it recovers, STOPPING=1 on stop.
func TestSystemdReadyAndWatchdog(t *testing.T) {
	const watchdog = 300 * time.Millisecond
	path, ch := listenNotify(t)
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "300000")
	n, err := sdnotify.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	fs := fakestream.NewStarter()
	r := startAgent(t, brokerConfig(testbroker.URL(t))+twoStreams, fs.Start, n)

	d, ok := next(t, ch, 5*time.Second)
	if !ok || !strings.HasPrefix(d.text, "READY=1\n") || !strings.Contains(d.text, "STATUS=2 streams running") {
		t.Fatalf("first notification %q, want READY=1 with a status", d.text)
	}
	if got := len(fs.Streams()); got != 2 {
		t.Fatalf("READY=1 sent with %d of 2 pipelines built", got)
	}

	// Pings at the configured interval: every gap below WatchdogSec.
	last := d.at
	for i := 0; i < 6; i++ {
		d, ok := next(t, ch, 2*watchdog)
		if !ok {
			t.Fatalf("no WATCHDOG=1 within %v (ping %d)", 2*watchdog, i)
		}
		if d.text != "WATCHDOG=1" {
			t.Fatalf("got %q", d.text)
		}
		gap := d.at.Sub(last)
		if i > 0 && (gap > watchdog || gap < watchdog/4) {
			t.Fatalf("ping gap %v; want about WatchdogSec/2 = %v, never above %v", gap, watchdog/2, watchdog)
		}
		last = d.at
	}

	// Wedge the supervisor loop, as a deadlock would.
	running, release := make(chan struct{}), make(chan struct{})
	go r.a.inLoop(t.Context(), time.Minute, func() { close(running); <-release })
	<-running
	// A ping already past the loop may still land; after that, silence.
	deadline := time.Now().Add(watchdog / 2)
	for time.Now().Before(deadline) {
		if _, ok := next(t, ch, time.Until(deadline)); !ok {
			break
		}
	}
	if d, ok := next(t, ch, 3*watchdog); ok {
		t.Fatalf("%q sent while the supervisor loop was wedged", d.text)
	}
	r.log.Await(t, "watchdog: the supervisor loop did not answer; not pinging systemd", 1, time.Second)

	close(release)
	if d, ok := next(t, ch, 2*watchdog); !ok || d.text != "WATCHDOG=1" {
		t.Fatalf("pings did not resume after the loop recovered: %q", d.text)
	}
	r.stop()
	for {
		d, ok := next(t, ch, 5*time.Second)
		if !ok {
			t.Fatal("no STOPPING=1")
		}
		if d.text == "STOPPING=1" {
			break
		}
	}
}
