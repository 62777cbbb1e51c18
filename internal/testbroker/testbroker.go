// Package testbroker gives tests a real Mosquitto broker: the shared one
// `make test` starts (AVWATCH_TEST_MQTT), or a private one on a free
// loopback port that a test may stop and restart on the same port to
// simulate an outage. Tests skip with a clear message where mosquitto is not
// installed; they never fall back to a mock.
package testbroker

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// URL returns the broker tests should use when they do not need to control
// it: $AVWATCH_TEST_MQTT when set, otherwise a private broker for this test.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("AVWATCH_TEST_MQTT"); u != "" {
		return u
	}
	return Start(t, Options{}).URL()
}

// Options configures a private broker.
type Options struct {
	// Listener lines go right after "listener PORT 127.0.0.1", e.g.
	// "cafile ...", "certfile ...", "keyfile ...", "require_certificate true".
	Listener []string
	// Users, when set, turns anonymous access off and allows only these
	// username/password pairs.
	Users map[string]string
	// Persistence keeps retained messages and sessions across Restart, as a
	// production broker would.
	Persistence bool
	// Scheme of URL(): "tcp" (default) or "ssl".
	Scheme string
}

// Broker is a private Mosquitto process.
type Broker struct {
	t    testing.TB
	opts Options
	dir  string
	bin  string
	Port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *lockedBuf
}

// Start starts a private broker and stops it when the test ends.
func Start(t testing.TB, opts Options) *Broker {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/mosquitto"); e != nil {
			t.Skip("testbroker: mosquitto is not installed (apt-get install mosquitto, or `make deps`); skipping a test that needs a real MQTT broker")
		}
		bin = "/usr/sbin/mosquitto"
	}
	if opts.Scheme == "" {
		opts.Scheme = "tcp"
	}
	b := &Broker{t: t, opts: opts, dir: t.TempDir(), bin: bin}
	if len(opts.Users) > 0 {
		b.writePasswords()
	}
	// A port free a moment ago may be taken before Mosquitto binds it; the
	// bind error is seen in the log and we try another.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		b.Port = freePort(t)
		if lastErr = b.start(); lastErr == nil {
			t.Cleanup(b.Stop)
			return b
		}
	}
	t.Fatalf("testbroker: mosquitto did not start: %v", lastErr)
	return nil
}

// URL is scheme://127.0.0.1:port.
func (b *Broker) URL() string { return fmt.Sprintf("%s://127.0.0.1:%d", b.opts.Scheme, b.Port) }

// Log is what Mosquitto printed so far (for failure messages).
func (b *Broker) Log() string { return b.log.String() }

func (b *Broker) writePasswords() {
	pw := filepath.Join(b.dir, "passwd")
	if err := os.WriteFile(pw, nil, 0o600); err != nil {
		b.t.Fatal(err)
	}
	for u, p := range b.opts.Users {
		out, err := exec.Command("mosquitto_passwd", "-b", pw, u, p).CombinedOutput()
		if err != nil {
			b.t.Fatalf("testbroker: mosquitto_passwd: %v: %s", err, out)
		}
	}
}

func (b *Broker) config() string {
	var c strings.Builder
	fmt.Fprintf(&c, "per_listener_settings false\n")
	if os.Geteuid() == 0 {
		// As root Mosquitto drops to user "mosquitto", which cannot read
		// the test's private temp dir (persistence, certificates).
		fmt.Fprintf(&c, "user root\n")
	}
	if len(b.opts.Users) > 0 {
		fmt.Fprintf(&c, "allow_anonymous false\npassword_file %s\n", filepath.Join(b.dir, "passwd"))
	} else {
		fmt.Fprintf(&c, "allow_anonymous true\n")
	}
	if b.opts.Persistence {
		fmt.Fprintf(&c, "persistence true\npersistence_location %s/\nautosave_interval 0\n", b.dir)
	} else {
		fmt.Fprintf(&c, "persistence false\n")
	}
	// "information" includes the "running" line start() waits for.
	c.WriteString("log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\nmax_queued_messages 0\n")
	fmt.Fprintf(&c, "listener %d 127.0.0.1\n", b.Port)
	for _, l := range b.opts.Listener {
		c.WriteString(l + "\n")
	}
	return c.String()
}

// start runs mosquitto and returns once it reports that it is running
// (its listeners are open), or with the reason it exited.
func (b *Broker) start() error {
	conf := filepath.Join(b.dir, "mosquitto.conf")
	if err := os.WriteFile(conf, []byte(b.config()), 0o600); err != nil {
		return err
	}
	cmd := exec.Command(b.bin, "-c", conf)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	log := &lockedBuf{}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			if !once && strings.Contains(line, " running") {
				once = true
				close(ready)
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(done)
	}()
	select {
	case <-ready:
	case <-done:
		return fmt.Errorf("port %d: %s", b.Port, strings.TrimSpace(log.String()))
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("port %d: not running after 10 s: %s", b.Port, log.String())
	}
	b.mu.Lock()
	b.cmd, b.done, b.log = cmd, done, log
	b.mu.Unlock()
	return nil
}

// Stop terminates the broker (clients see the connection drop at once) and
// waits for it to exit. Stopping a stopped broker does nothing.
func (b *Broker) Stop() {
	b.mu.Lock()
	cmd, done := b.cmd, b.done
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// Restart starts the broker again on the same port.
func (b *Broker) Restart() {
	b.t.Helper()
	b.Stop()
	var err error
	// The old socket may linger briefly in the kernel; Mosquitto sets
	// SO_REUSEADDR, so a bind failure here is real and retried only a few
	// times, awaiting each exit.
	for i := 0; i < 3; i++ {
		if err = b.start(); err == nil {
			return
		}
	}
	b.t.Fatalf("testbroker: restart on port %d: %v", b.Port, err)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type lockedBuf struct {
	mu sync.Mutex
	sb strings.Builder
}

func (l *lockedBuf) WriteString(s string) {
	l.mu.Lock()
	l.sb.WriteString(s)
	l.mu.Unlock()
}

func (l *lockedBuf) String() string {
	if l == nil {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.String()
}
