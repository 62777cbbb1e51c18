package testbroker

import (
	"crypto/tls"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Message is one message a Subscriber received.
type Message struct {
	Topic    string
	Payload  []byte
	Retained bool
	At       time.Time
}

// Subscriber records every message on a topic filter, in arrival order. Its
// session is persistent (clean session off, QoS 1), so with a broker started
// with Persistence it misses nothing across a broker restart: the broker
// queues what arrives while the subscriber is reconnecting.
type Subscriber struct {
	t      testing.TB
	client mqtt.Client

	mu   sync.Mutex
	msgs []Message
	wake chan struct{}
}

// SubOptions tunes Subscribe; the zero value is fine for a plain broker.
type SubOptions struct {
	TLS      *tls.Config
	Username string
	Password string
}

// Subscribe connects to url and subscribes to filter at QoS 1, returning
// once the broker acknowledged the subscription.
func Subscribe(t testing.TB, url, filter string, o ...SubOptions) *Subscriber {
	t.Helper()
	s := &Subscriber{t: t, wake: make(chan struct{})}
	opts := mqtt.NewClientOptions().AddBroker(url).
		SetClientID(fmt.Sprintf("test-sub-%d", time.Now().UnixNano())).
		SetCleanSession(false).SetResumeSubs(true).
		SetAutoReconnect(true).SetMaxReconnectInterval(200 * time.Millisecond).
		SetConnectRetry(true).SetConnectRetryInterval(100 * time.Millisecond).
		SetOrderMatters(true)
	if len(o) > 0 {
		opts.SetTLSConfig(o[0].TLS).SetUsername(o[0].Username).SetPassword(o[0].Password)
	}
	opts.SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) {})
	s.client = mqtt.NewClient(opts)
	if tok := s.client.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("testbroker: subscriber connect %s: %v", url, tok.Error())
	}
	tok := s.client.Subscribe(filter, 1, func(_ mqtt.Client, m mqtt.Message) {
		s.mu.Lock()
		s.msgs = append(s.msgs, Message{Topic: m.Topic(), Payload: append([]byte(nil), m.Payload()...), Retained: m.Retained(), At: time.Now()})
		close(s.wake)
		s.wake = make(chan struct{})
		s.mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("testbroker: subscribe %s: %v", filter, tok.Error())
	}
	t.Cleanup(s.Close)
	return s
}

// Close disconnects.
func (s *Subscriber) Close() { s.client.Disconnect(100) }

// Messages returns a copy of everything received so far.
func (s *Subscriber) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor blocks until done(messages so far) is true, failing the test after
// timeout with what arrived. It wakes on each message, never polls.
func (s *Subscriber) WaitFor(what string, timeout time.Duration, done func([]Message) bool) []Message {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs := append([]Message(nil), s.msgs...)
		wake := s.wake
		s.mu.Unlock()
		if done(msgs) {
			return msgs
		}
		select {
		case <-wake:
		case <-deadline.C:
			var b strings.Builder
			for i, m := range msgs {
				if i >= 40 {
					fmt.Fprintf(&b, "  … %d more\n", len(msgs)-i)
					break
				}
				p := string(m.Payload)
				if len(p) > 200 {
					p = p[:200] + "…"
				}
				fmt.Fprintf(&b, "  %s %s\n", m.Topic, p)
			}
			s.t.Fatalf("timed out after %v waiting for %s; received %d messages:\n%s", timeout, what, len(msgs), b.String())
			return nil
		}
	}
}

// Last returns the latest message on topic, if any.
func (s *Subscriber) Last(topic string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.msgs) - 1; i >= 0; i-- {
		if s.msgs[i].Topic == topic {
			return s.msgs[i], true
		}
	}
	return Message{}, false
}
