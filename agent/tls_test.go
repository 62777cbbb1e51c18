package agent

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/internal/fakestream"
	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/internal/testbroker"
	"github.com/avwatch/avwatch/pipeline/event"
)

// pki makes a CA, a server certificate for 127.0.0.1 and a client
// certificate with openssl, plus an unrelated CA.
func pki(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed (apt-get install openssl, or make deps)")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		cmd := exec.Command("openssl", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ec := []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"}
	for _, ca := range []string{"ca", "otherca"} {
		run(append(append([]string{"req", "-x509"}, ec...), "-keyout", ca+".key", "-out", ca+".pem", "-days", "2", "-subj", "/CN=avwatch test "+ca)...)
	}
	os.WriteFile(filepath.Join(dir, "server.ext"), []byte("subjectAltName=IP:127.0.0.1,DNS:localhost\n"), 0o600)
	for _, leaf := range []string{"server", "client"} {
		run(append(append([]string{"req"}, ec...), "-keyout", leaf+".key", "-out", leaf+".csr", "-subj", "/CN=avwatch-"+leaf)...)
		args := []string{"x509", "-req", "-in", leaf + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", leaf + ".pem", "-days", "2"}
		if leaf == "server" {
			args = append(args, "-extfile", "server.ext")
		}
		run(args...)
	}
	return dir
}

func clientTLS(t *testing.T, dir string) *tls.Config {
	pem, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	kp, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key"))
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{kp}}
}

var retryIn = regexp.MustCompile(`retry_in=(\S+)`)

// TLS with server authentication and with mutual authentication delivers
// alerts; a wrong CA, a wrong password or a missing client certificate is
// explained (naming the setting to fix) and retried with growing backoff.
func TestTLS(t *testing.T) {
	dir := pki(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	serverAuth := testbroker.Start(t, testbroker.Options{Scheme: "ssl",
		Listener: []string{"cafile " + f("ca.pem"), "certfile " + f("server.pem"), "keyfile " + f("server.key"), "require_certificate false"},
		Users:    map[string]string{"edge": "s3cret"}})
	mutual := testbroker.Start(t, testbroker.Options{Scheme: "ssl",
		Listener: []string{"cafile " + f("ca.pem"), "certfile " + f("server.pem"), "keyfile " + f("server.key"), "require_certificate true"}})
	os.WriteFile(f("password"), []byte("s3cret\n"), 0o600)
	os.WriteFile(f("wrongpassword"), []byte("guess\n"), 0o600)

	cfg := func(url, tlsLines, login string) string {
		return fmt.Sprintf("device: tls\nmqtt:\n  broker: %s\n  reconnect_max: 200ms\n%s  tls:\n%soutbox:\n  dir: $DIR/o\n  flush_timeout: 100ms\nstreams:\n  - name: s\n    source: rtsp://x/1\n", url, login, tlsLines)
	}
	login := "  username: edge\n  password_file: " + f("password") + "\n"

	delivers := func(t *testing.T, b *testbroker.Broker, c string, so testbroker.SubOptions) {
		sub := testbroker.Subscribe(t, b.URL(), "avwatch/tls/s/alerts", so)
		fs := fakestream.NewStarter()
		r := startAgent(t, c, fs.Start, nil)
		s, _ := fs.Await("s", 1, 5*time.Second)
		r.log.Await(t, "mqtt: connected", 1, 10*time.Second)
		s.Emit(event.Event{Kind: event.KindDefect, Defect: defect.Event{Type: defect.Freeze, Edge: defect.Start, PTS: time.Second, Channel: -1}})
		sub.WaitFor("an alert over TLS", 10*time.Second, func(m []testbroker.Message) bool { return len(m) == 1 })
	}
	refused := func(t *testing.T, c, want string) {
		fs := fakestream.NewStarter()
		r := startAgent(t, c, fs.Start, nil)
		text := r.log.Await(t, want, 5, 15*time.Second)
		waits := retryIn.FindAllStringSubmatch(text, -1)
		first, _ := time.ParseDuration(waits[0][1])
		last, _ := time.ParseDuration(waits[len(waits)-1][1])
		// Backoff starts at 50ms (±jitter) and grows to reconnect_max 200ms.
		if first > 50*time.Millisecond || last < 100*time.Millisecond {
			t.Fatalf("no growing backoff: first wait %v, last %v", first, last)
		}
		if r.a.pub.Connected() || !strings.Contains(r.a.pub.LastError(), want) {
			t.Fatalf("connected=%v last error %q", r.a.pub.Connected(), r.a.pub.LastError())
		}
	}

	t.Run("server-auth", func(t *testing.T) {
		t.Parallel()
		so := clientTLS(t, dir)
		so.Certificates = nil
		delivers(t, serverAuth, cfg(serverAuth.URL(), "    ca: "+f("ca.pem")+"\n", login), testbroker.SubOptions{TLS: so, Username: "edge", Password: "s3cret"})
	})
	t.Run("mutual", func(t *testing.T) {
		t.Parallel()
		delivers(t, mutual, cfg(mutual.URL(), "    ca: "+f("ca.pem")+"\n    cert: "+f("client.pem")+"\n    key: "+f("client.key")+"\n", ""), testbroker.SubOptions{TLS: clientTLS(t, dir)})
	})
	t.Run("wrong-ca", func(t *testing.T) {
		t.Parallel()
		refused(t, cfg(serverAuth.URL(), "    ca: "+f("otherca.pem")+"\n", login), "TLS: the broker's certificate is not trusted")
		// The fix is named too.
	})
	t.Run("wrong-password", func(t *testing.T) {
		t.Parallel()
		refused(t, cfg(serverAuth.URL(), "    ca: "+f("ca.pem")+"\n", "  username: edge\n  password_file: "+f("wrongpassword")+"\n"),
			"the broker refused the login")
	})
	t.Run("missing-client-cert", func(t *testing.T) {
		t.Parallel()
		refused(t, cfg(mutual.URL(), "    ca: "+f("ca.pem")+"\n", ""), "client certificate")
	})
}
