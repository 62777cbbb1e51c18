package mqttpub

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/avwatch/avwatch/agent/outbox"
	"github.com/avwatch/avwatch/internal/testbroker"
	"github.com/avwatch/avwatch/internal/testlog"
)

func newOutbox(t testing.TB) *outbox.Outbox {
	ob, err := outbox.Open(outbox.Options{Dir: t.TempDir(), MaxMessages: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	return ob
}

// enqueue appends n records whose payload is their seq, in batches of up
// to 100 per fsync (what many streams alerting at once amount to).
func enqueue(t testing.TB, ob *outbox.Outbox, topic string, n int) {
	for n > 0 {
		k := min(n, 100)
		if err := ob.Append(func(seq uint64) []outbox.Record {
			rs := make([]outbox.Record, k)
			for i := range rs {
				rs[i] = outbox.Record{Topic: topic, QoS: 1, Payload: []byte(strconv.FormatUint(seq+uint64(i), 10))}
			}
			return rs
		}); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
}

func start(t testing.TB, url string, ob *outbox.Outbox) (*Publisher, func()) {
	p := New(Options{
		Brokers: []string{url}, ClientID: fmt.Sprintf("pub-%d", time.Now().UnixNano()),
		StatusTopic: "t/dev/status", Outbox: ob, ReconnectMin: 50 * time.Millisecond, ReconnectMax: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return p, stop
}

// seqsOf returns the payloads (seq numbers) of messages on topic.
func seqsOf(msgs []testbroker.Message, topic string) []uint64 {
	var out []uint64
	for _, m := range msgs {
		if m.Topic == topic {
			v, _ := strconv.ParseUint(string(m.Payload), 10, 64)
			out = append(out, v)
		}
	}
	return out
}

// checkOrder verifies 1..n all arrived and that, apart from a redelivery
// restarting from an earlier seq after a reconnect, they are in order.
func checkOrder(t *testing.T, got []uint64, n uint64) (dups int) {
	t.Helper()
	seen := map[uint64]bool{}
	var maxSeen uint64
	for i, s := range got {
		if seen[s] {
			dups++
		} else if s != maxSeen+1 {
			t.Fatalf("message %d: seq %d arrived first time after %d: out of order or lost", i, s, maxSeen)
		}
		seen[s] = true
		maxSeen = max(maxSeen, s)
	}
	if maxSeen != n || uint64(len(seen)) != n {
		t.Fatalf("got %d distinct seqs up to %d, want 1..%d", len(seen), maxSeen, n)
	}
	return dups
}

func TestDeliversInOrderAndAcks(t *testing.T) {
	b := testbroker.Start(t, testbroker.Options{})
	sub := testbroker.Subscribe(t, b.URL(), "t/#")
	ob := newOutbox(t)
	enqueue(t, ob, "t/dev/s/alerts", 500)
	p, _ := start(t, b.URL(), ob)
	p.SetLatest("t/dev/s/status", []byte(`{"state":"playing"}`), true)
	msgs := sub.WaitFor("500 alerts", 20*time.Second, func(m []testbroker.Message) bool {
		return len(seqsOf(m, "t/dev/s/alerts")) >= 500
	})
	checkOrder(t, seqsOf(msgs, "t/dev/s/alerts"), 500)
	if !p.Drain(context.Background(), 10*time.Second) || ob.Len() != 0 {
		t.Fatalf("outbox not drained: %d left", ob.Len())
	}
	if m, ok := sub.Last("t/dev/status"); !ok || string(m.Payload) != "online" {
		t.Fatalf("no online status: %+v", m)
	}
	if _, ok := sub.Last("t/dev/s/status"); !ok {
		t.Fatal("latest value not published")
	}
}

// While the broker is down alerts keep queueing; once it is back they all
// arrive, in order, and retained latest values are sent again.
func TestOutageLosesNothing(t *testing.T) {
	b := testbroker.Start(t, testbroker.Options{Persistence: true})
	sub := testbroker.Subscribe(t, b.URL(), "t/#")
	ob := newOutbox(t)
	p, _ := start(t, b.URL(), ob)
	p.SetLatest("t/dev/s/status", []byte("v1"), true)
	enqueue(t, ob, "t/dev/s/alerts", 100)
	sub.WaitFor("first 100", 10*time.Second, func(m []testbroker.Message) bool { return len(seqsOf(m, "t/dev/s/alerts")) >= 100 })

	b.Stop()
	enqueue(t, ob, "t/dev/s/alerts", 300)
	p.SetLatest("t/dev/s/status", []byte("v2"), true)
	b.Restart()
	msgs := sub.WaitFor("all 400", 30*time.Second, func(m []testbroker.Message) bool {
		return len(seqsOf(m, "t/dev/s/alerts")) >= 400 && len(seqsOf(m, "t/dev/s/alerts")) > 0 && seqsOf(m, "t/dev/s/alerts")[len(seqsOf(m, "t/dev/s/alerts"))-1] == 400
	})
	dups := checkOrder(t, seqsOf(msgs, "t/dev/s/alerts"), 400)
	t.Logf("400 alerts across an outage, %d duplicates", dups)
	sub.WaitFor("v2 status", 10*time.Second, func(m []testbroker.Message) bool {
		l, ok := sub.Last("t/dev/s/status")
		return ok && string(l.Payload) == "v2"
	})
}

// The bar: 10,000 alerts queued during an outage drain within 30 s of the
// broker's return. Prints the rate.
func TestDrain10000AfterOutage(t *testing.T) {
	b := testbroker.Start(t, testbroker.Options{Persistence: true})
	sub := testbroker.Subscribe(t, b.URL(), "t/dev/s/alerts")
	ob := newOutbox(t)
	p, _ := start(t, b.URL(), ob)
	b.Stop()
	const n = 10000
	enqueue(t, ob, "t/dev/s/alerts", n)
	if p.Connected() {
		t.Fatal("connected to a stopped broker?")
	}
	back := time.Now()
	b.Restart()
	if !p.Drain(context.Background(), 30*time.Second) {
		t.Fatalf("outbox not drained within 30 s of the broker's return: %d of %d left", ob.Len(), n)
	}
	took := time.Since(back)
	msgs := sub.WaitFor("10000 at the subscriber", 30*time.Second, func(m []testbroker.Message) bool { return len(m) >= n })
	checkOrder(t, seqsOf(msgs, "t/dev/s/alerts"), n)
	fmt.Printf("drain: %d alerts in %.2fs after the broker returned (%.0f alerts/s, reconnect included)\n", n, took.Seconds(), n/took.Seconds())
}

func TestWrongPortExplainsAndRetries(t *testing.T) {
	ob := newOutbox(t)
	w := &testlog.Buf{}
	p := New(Options{Brokers: []string{"tcp://127.0.0.1:1"}, ClientID: "x", StatusTopic: "t/s", Outbox: ob,
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 40 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(w, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	w.Await(t, "cannot connect", 3, 10*time.Second)
	cancel()
	<-done
	if !strings.Contains(p.LastError(), "connection refused") || !strings.Contains(p.LastError(), "is the broker running and mqtt.broker right?") {
		t.Fatalf("last error: %s", p.LastError())
	}
}

func BenchmarkDrain(b *testing.B) {
	url := testbroker.URL(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ob := newOutbox(b)
		const n = 10000
		enqueue(b, ob, "bench/dev/s/alerts", n)
		b.StartTimer()
		t0 := time.Now()
		p, stop := start(b, url, ob)
		if !p.Drain(context.Background(), 60*time.Second) {
			b.Fatalf("not drained: %d left", ob.Len())
		}
		b.ReportMetric(n/time.Since(t0).Seconds(), "alerts/s")
		b.StopTimer()
		stop()
		ob.Close()
	}
}

// BenchmarkRawPahoBaseline is the drain's baseline in the same run: the
// same 10,000 QoS 1 messages published by Paho straight from memory with
// the same window of 64 awaiting PUBACK, no outbox, no acks on disk.
func BenchmarkRawPahoBaseline(b *testing.B) {
	url := testbroker.URL(b)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("raw-%d", time.Now().UnixNano())))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	payload := []byte(strings.Repeat("x", 400))
	for i := 0; i < b.N; i++ {
		const n = 10000
		t0 := time.Now()
		var q []paho.Token
		for k := 0; k < n; k++ {
			if len(q) == 64 {
				q[0].Wait()
				q = q[1:]
			}
			q = append(q, c.Publish("bench/raw/alerts", 1, false, payload))
		}
		for _, t := range q {
			t.Wait()
		}
		b.ReportMetric(n/time.Since(t0).Seconds(), "alerts/s")
	}
}
