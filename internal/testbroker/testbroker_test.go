package testbroker

import (
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

func publish(t *testing.T, url, topic, payload string) {
	t.Helper()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID("test-pub"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Publish(topic, 1, false, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

// A persistent subscriber sees messages published after the broker came back,
// even those published before it re-subscribed itself.
func TestRestartKeepsPortAndSession(t *testing.T) {
	b := Start(t, Options{Persistence: true})
	s := Subscribe(t, b.URL(), "x/#")
	publish(t, b.URL(), "x/1", "one")
	s.WaitFor("x/1", 5*time.Second, func(m []Message) bool { return len(m) == 1 })
	b.Restart()
	publish(t, b.URL(), "x/2", "two")
	got := s.WaitFor("x/2", 10*time.Second, func(m []Message) bool { return len(m) == 2 })
	if string(got[1].Payload) != "two" {
		t.Fatalf("got %q", got[1].Payload)
	}
}

func TestURL(t *testing.T) {
	u := URL(t)
	s := Subscribe(t, u, "y")
	publish(t, u, "y", "hi")
	s.WaitFor("y", 5*time.Second, func(m []Message) bool { return len(m) == 1 })
}
