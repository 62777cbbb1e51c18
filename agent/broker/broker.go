// Package broker runs the embedded MQTT broker (mochi-mqtt) that a box
// without a configured broker publishes to, so a single box works out of
// the box: `avwatch watch` and any MQTT client on the box can subscribe.
package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"syscall"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Broker is a running embedded broker.
type Broker struct {
	srv  *mqtt.Server
	addr string
}

// Start listens on addr (host:port) and serves MQTT 3.1.1/5 without
// authentication: it is meant for loopback, which is the default address.
func Start(addr string, log *slog.Logger) (*Broker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := mqtt.New(&mqtt.Options{
		InlineClient: false,
		// mochi logs every connect at info; the agent's own log says
		// what matters.
		Logger: slog.New(levelFilter{log.Handler(), slog.LevelWarn}),
	})
	// Deep queues: a watcher that lags during an alert burst must not be
	// disconnected (mochi's default is small).
	srv.Options.Capabilities.MaximumClientWritesPending = 8192
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, err
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "avwatch", Address: addr})
	if err := srv.AddListener(tcp); err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("embedded MQTT broker: %s is already in use (another broker?); to publish to it set mqtt.broker: tcp://%s, or move the embedded one with mqtt.embedded.listen", addr, addr)
		}
		return nil, fmt.Errorf("embedded MQTT broker: listen %s: %w (set mqtt.embedded.listen)", addr, err)
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	return &Broker{srv: srv, addr: tcp.Address()}, nil
}

// Addr is the address actually listened on (useful with port 0).
func (b *Broker) Addr() string { return b.addr }

// URL is tcp://Addr.
func (b *Broker) URL() string { return "tcp://" + b.addr }

// Close disconnects every client and stops listening.
func (b *Broker) Close() error { return b.srv.Close() }
