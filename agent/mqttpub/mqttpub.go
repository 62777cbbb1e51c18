// Package mqttpub keeps the agent connected to its MQTT broker and delivers
// two kinds of messages:
//
//   - durable ones from the outbox (alerts, defect states), in order, at
//     QoS 1 or 2, acknowledging each to the outbox only once the broker
//     acknowledged it (a window of them in flight for throughput);
//   - latest-value ones (stream status, snapshot, outbox counters, Home
//     Assistant discovery): only the newest per topic matters, so they are
//     kept in memory, sent when connected and re-sent after a reconnect.
//
// Stats are fire-and-forget: one missed while disconnected is replaced by
// the next.
//
// Reconnection is ours, not Paho's: after a loss the sender restarts from
// the first unacknowledged record, so nothing is skipped and the broker sees
// the same order again (duplicates carry the same alert id, as QoS 1 allows).
package mqttpub

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/avwatch/avwatch/agent/outbox"
)

// Options configures a Publisher.
type Options struct {
	Brokers        []string // tried in order
	ClientID       string
	Username       string
	Password       string
	TLS            *tls.Config // for ssl:// and wss://
	QoS            byte        // of outbox records without their own (1 or 2)
	Keepalive      time.Duration
	ConnectTimeout time.Duration
	ReconnectMin   time.Duration // first backoff step; default 500ms
	ReconnectMax   time.Duration
	// StatusTopic gets a retained "online" on connect, "offline" on a clean
	// stop, and "offline" as the Last Will.
	StatusTopic string
	Outbox      *outbox.Outbox
	// Window is how many outbox records may await their PUBACK at once.
	Window int
	// OnDrained, if set, runs (on the sender goroutine; keep it short)
	// each time acknowledgements empty the outbox.
	OnDrained func()
	Logger    *slog.Logger
}

// Publisher is safe for concurrent use.
type Publisher struct {
	o   Options
	log *slog.Logger

	mu        sync.Mutex
	state     map[string]*latest
	gen       uint64
	stateWake chan struct{} // 1-buffered kick for the state loop
	client    paho.Client   // non-nil while a session is up
	progress  chan struct{} // closed and replaced on each ack / state publish
	lastErr   string

	connected atomic.Bool
	acked     atomic.Uint64 // records acknowledged by the broker
	sessions  atomic.Uint64
}

type latest struct {
	gen      uint64
	payload  []byte
	retained bool
	qos      byte
	dirty    bool
}

// New returns a Publisher; Run connects it.
func New(o Options) *Publisher {
	if o.Window <= 0 {
		o.Window = 64
	}
	if o.QoS == 0 {
		o.QoS = 1
	}
	if o.ReconnectMin <= 0 {
		o.ReconnectMin = 500 * time.Millisecond
	}
	if o.ReconnectMax < o.ReconnectMin {
		o.ReconnectMax = o.ReconnectMin
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.Keepalive <= 0 {
		o.Keepalive = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Publisher{
		o:         o,
		log:       o.Logger,
		state:     map[string]*latest{},
		stateWake: make(chan struct{}, 1),
		progress:  make(chan struct{}),
	}
}

// Connected reports whether a session with the broker is up.
func (p *Publisher) Connected() bool { return p.connected.Load() }

// Acked is the number of outbox records the broker has acknowledged.
func (p *Publisher) Acked() uint64 { return p.acked.Load() }

// SetLatest publishes payload on topic now if connected, or once connected;
// a newer SetLatest on the same topic replaces one not yet sent. Retained
// ones are sent again after every reconnect, since the broker (or the
// embedded one after a restart) may have lost them.
func (p *Publisher) SetLatest(topic string, payload []byte, retained bool) {
	p.mu.Lock()
	p.gen++
	p.state[topic] = &latest{gen: p.gen, payload: payload, retained: retained, qos: 1, dirty: true}
	p.mu.Unlock()
	p.kickState()
}

// Forget drops a latest-value topic (a removed stream) without publishing.
func (p *Publisher) Forget(topic string) {
	p.mu.Lock()
	delete(p.state, topic)
	p.mu.Unlock()
}

// Send publishes at QoS 0 if connected and drops the message otherwise.
func (p *Publisher) Send(topic string, payload []byte) {
	p.mu.Lock()
	c := p.client
	p.mu.Unlock()
	if c != nil {
		c.Publish(topic, 0, false, payload)
	}
}

func (p *Publisher) kickState() {
	select {
	case p.stateWake <- struct{}{}:
	default:
	}
}

func (p *Publisher) signalProgress() {
	p.mu.Lock()
	close(p.progress)
	p.progress = make(chan struct{})
	p.mu.Unlock()
}

// Drain waits until the outbox is empty and every latest value is sent, or
// until timeout or ctx ends. It reports whether everything was delivered.
func (p *Publisher) Drain(ctx context.Context, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		p.mu.Lock()
		wait := p.progress
		dirty := false
		for _, l := range p.state {
			dirty = dirty || l.dirty
		}
		p.mu.Unlock()
		if p.o.Outbox.Len() == 0 && !dirty {
			return true
		}
		select {
		case <-wait:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// Run connects, reconnects with exponential backoff (jittered, capped at
// ReconnectMax) and delivers until ctx ends; then it publishes "offline"
// and disconnects. Call Drain before cancelling ctx to flush.
func (p *Publisher) Run(ctx context.Context) {
	backoff := p.o.ReconnectMin
	for ctx.Err() == nil {
		client, lost, err := p.connect()
		if err != nil {
			msg := explain(err, p.o)
			wait := backoff/2 + rand.N(backoff/2+1)
			p.mu.Lock()
			p.lastErr = msg
			p.mu.Unlock()
			p.log.Warn("mqtt: cannot connect; retrying", "broker", strings.Join(p.o.Brokers, ","), "error", msg, "retry_in", wait.Round(time.Millisecond).String(), "queued", p.o.Outbox.Len())
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
			backoff = min(backoff*2, p.o.ReconnectMax)
			continue
		}
		backoff = p.o.ReconnectMin
		p.session(ctx, client, lost)
		if ctx.Err() != nil {
			// Clean stop: the Will is not sent on a normal disconnect, so
			// say "offline" ourselves.
			tok := client.Publish(p.o.StatusTopic, 1, true, "offline")
			tok.WaitTimeout(time.Second)
			client.Disconnect(250)
		} else {
			client.Disconnect(0)
		}
		p.mu.Lock()
		p.client = nil
		p.mu.Unlock()
		p.connected.Store(false)
	}
}

// LastError is the latest connection problem in words, "" once connected.
func (p *Publisher) LastError() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastErr
}

func (p *Publisher) connect() (paho.Client, chan struct{}, error) {
	lost := make(chan struct{})
	var once sync.Once
	opts := paho.NewClientOptions()
	for _, b := range p.o.Brokers {
		opts.AddBroker(b)
	}
	opts.SetClientID(p.o.ClientID).
		SetUsername(p.o.Username).SetPassword(p.o.Password).
		SetCleanSession(true).
		SetAutoReconnect(false).SetConnectRetry(false).
		SetKeepAlive(p.o.Keepalive).
		SetPingTimeout(min(p.o.Keepalive, 10*time.Second)).
		SetConnectTimeout(p.o.ConnectTimeout).
		SetWriteTimeout(p.o.ConnectTimeout).
		SetOrderMatters(true).
		SetBinaryWill(p.o.StatusTopic, []byte("offline"), 1, true).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			p.log.Warn("mqtt: connection lost", "error", err, "queued", p.o.Outbox.Len())
			once.Do(func() { close(lost) })
		})
	if p.o.TLS != nil {
		opts.SetTLSConfig(p.o.TLS)
	}
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(p.o.ConnectTimeout + time.Second) {
		c.Disconnect(0)
		return nil, nil, fmt.Errorf("no answer within %v", p.o.ConnectTimeout)
	}
	if err := tok.Error(); err != nil {
		return nil, nil, err
	}
	return c, lost, nil
}

// session runs one connection until it is lost, a publish fails or ctx
// ends.
func (p *Publisher) session(ctx context.Context, c paho.Client, lost chan struct{}) {
	n := p.sessions.Add(1)
	// "online" goes first, before anything queued, so watchers see the
	// device come back before its backlog.
	if tok := c.Publish(p.o.StatusTopic, 1, true, "online"); !tok.WaitTimeout(p.o.ConnectTimeout) || tok.Error() != nil {
		p.log.Warn("mqtt: publishing online failed; reconnecting", "error", tok.Error())
		return
	}
	p.mu.Lock()
	p.client = c
	p.lastErr = ""
	for _, l := range p.state {
		if l.retained {
			l.dirty = true
		}
	}
	p.mu.Unlock()
	p.connected.Store(true)
	p.log.Info("mqtt: connected", "broker", strings.Join(p.o.Brokers, ","), "client_id", p.o.ClientID, "queued", p.o.Outbox.Len(), "session", n)
	p.kickState()

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 2)
	go func() { done <- p.sendOutbox(sctx, c) }()
	go func() { done <- p.sendLatest(sctx, c) }()
	running := 2
	select {
	case <-lost:
	case err := <-done:
		running--
		if err != nil && ctx.Err() == nil {
			p.log.Warn("mqtt: publish failed; reconnecting", "error", err)
		}
	case <-ctx.Done():
	}
	cancel()
	for ; running > 0; running-- {
		<-done
	}
}

type inflight struct {
	seq uint64
	tok paho.Token
}

// sendOutbox publishes outbox records in order with up to Window awaiting
// acknowledgement, and acks them to the outbox in order as PUBACKs arrive.
func (p *Publisher) sendOutbox(ctx context.Context, c paho.Client) error {
	ob := p.o.Outbox
	var sent uint64 // highest seq published in this session; 0: start from the oldest unacked
	var q []inflight
	for {
		wake := ob.Wait()
		if room := p.o.Window - len(q); room > 0 {
			for _, r := range ob.Peek(sent, room) {
				qos := r.QoS
				if qos == 0 {
					qos = p.o.QoS
				}
				q = append(q, inflight{r.Seq, c.Publish(r.Topic, qos, r.Retained, r.Payload)})
				sent = r.Seq
			}
			if len(q) < p.o.Window && len(ob.Peek(sent, 1)) > 0 {
				continue // more arrived meanwhile
			}
		}
		if len(q) == 0 {
			select {
			case <-wake:
			case <-ctx.Done():
				return nil
			}
			continue
		}
		var more <-chan struct{}
		if len(q) < p.o.Window {
			more = wake
		}
		select {
		case <-q[0].tok.Done():
			n, err := p.ackCompleted(q)
			q = q[n:]
			if err != nil {
				return err
			}
		case <-more:
		case <-ctx.Done():
			return nil
		}
	}
}

// ackCompleted acks the longest prefix of q whose publishes completed (one
// state write for many PUBACKs) and returns its length, or the error of the
// first failed publish.
func (p *Publisher) ackCompleted(q []inflight) (int, error) {
	n := 0
	var err error
	for n < len(q) {
		select {
		case <-q[n].tok.Done():
		default:
			goto done
		}
		if e := q[n].tok.Error(); e != nil {
			err = fmt.Errorf("seq %d: %w", q[n].seq, e)
			break
		}
		n++
	}
done:
	if n > 0 {
		p.ack(q[n-1].seq)
	}
	return n, err
}

func (p *Publisher) ack(upto uint64) {
	before := p.o.Outbox.Len()
	if err := p.o.Outbox.Ack(upto); err != nil {
		p.log.Error("outbox: recording an acknowledgement failed (the alert may be sent again after a restart)", "error", err)
	}
	after := p.o.Outbox.Len()
	if n := before - after; n > 0 {
		p.acked.Add(uint64(n))
	}
	if after == 0 && before > 0 && p.o.OnDrained != nil {
		p.o.OnDrained()
	}
	p.signalProgress()
}

// sendLatest publishes dirty latest values, waiting for each PUBACK so a
// value is marked clean only once the broker has it.
func (p *Publisher) sendLatest(ctx context.Context, c paho.Client) error {
	for {
		p.mu.Lock()
		var topic string
		var l latest
		for t, v := range p.state {
			if v.dirty {
				topic, l = t, *v
				break
			}
		}
		p.mu.Unlock()
		if topic == "" {
			select {
			case <-p.stateWake:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		tok := c.Publish(topic, l.qos, l.retained, l.payload)
		select {
		case <-tok.Done():
		case <-ctx.Done():
			return nil
		}
		if err := tok.Error(); err != nil {
			return fmt.Errorf("%s: %w", topic, err)
		}
		p.mu.Lock()
		// Clean only if not replaced meanwhile.
		if cur, ok := p.state[topic]; ok && cur.gen == l.gen {
			cur.dirty = false
		}
		p.mu.Unlock()
		p.signalProgress()
	}
}

// explain turns a connection error into a sentence that names the fix.
func explain(err error, o Options) string {
	s := err.Error()
	var netErr net.Error
	switch {
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword), errors.Is(err, packets.ErrorRefusedNotAuthorised):
		return fmt.Sprintf("the broker refused the login (%s); check mqtt.username and mqtt.password (or password_file)", s)
	case errors.Is(err, packets.ErrorRefusedIDRejected):
		return fmt.Sprintf("the broker rejected client id %q; set mqtt.client_id", o.ClientID)
	case strings.Contains(s, "x509:") || strings.Contains(s, "certificate signed by unknown authority"):
		return fmt.Sprintf("TLS: the broker's certificate is not trusted (%s); set mqtt.tls.ca to the CA that signed it", s)
	case strings.Contains(s, "certificate required") || strings.Contains(s, "bad certificate") || strings.Contains(s, "unknown certificate authority"):
		return fmt.Sprintf("TLS: the broker rejected our client certificate (%s); check mqtt.tls.cert and mqtt.tls.key", s)
	case strings.Contains(s, "tls:") || strings.Contains(s, "first record does not look like a TLS handshake"):
		return fmt.Sprintf("TLS handshake failed (%s); check that the broker URL scheme (ssl:// vs tcp://) and port match the broker", s)
	case strings.Contains(s, "connection refused"):
		return fmt.Sprintf("connection refused (%s); is the broker running and mqtt.broker right?", s)
	case strings.Contains(s, "no such host"):
		return fmt.Sprintf("unknown host (%s); check mqtt.broker", s)
	case errors.As(err, &netErr) && netErr.Timeout(), strings.Contains(s, "no answer within"), strings.Contains(s, "i/o timeout"):
		return fmt.Sprintf("the broker did not answer (%s); check mqtt.broker and the network", s)
	case strings.Contains(s, "EOF") || strings.Contains(s, "connection reset"):
		return fmt.Sprintf("the broker closed the connection (%s); it may require TLS, a login or a client certificate", s)
	}
	return s
}
