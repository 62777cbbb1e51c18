// Package watch is `avwatch watch`: it subscribes to the agents' topics and
// prints alerts, stream states and device status as they arrive, as
// readable lines for a terminal or as JSON lines for scripts.
package watch

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/avwatch/avwatch/agent/payload"
)

// Options configures Run.
type Options struct {
	Broker   string
	Username string
	Password string
	TLS      *tls.Config
	Prefix   string // topic prefix, default "avwatch"
	Device   string // "" = every device
	JSON     bool
	Color    bool
	Stats    bool // print stats messages too
	// MaxAlerts ends Run after this many alert messages (0: no limit).
	MaxAlerts int
	Out       io.Writer
	Err       io.Writer // connection notices
	// OnWatching, if set, runs each time the subscription is in place.
	OnWatching func()
}

// Run subscribes and prints until ctx ends or MaxAlerts alerts arrived. It
// keeps reconnecting when the broker goes away.
func Run(ctx context.Context, o Options) error {
	if o.Prefix == "" {
		o.Prefix = "avwatch"
	}
	dev := o.Device
	if dev == "" {
		dev = "+"
	}
	filter := o.Prefix + "/" + dev + "/#"
	p := &Printer{Prefix: o.Prefix, JSON: o.JSON, Color: o.Color, Stats: o.Stats, W: o.Out}
	done := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	alerts := 0
	handler := func(_ paho.Client, m paho.Message) {
		mu.Lock()
		defer mu.Unlock()
		if p.Message(m.Topic(), m.Payload(), m.Retained()) == KindAlert {
			alerts++
			if o.MaxAlerts > 0 && alerts >= o.MaxAlerts {
				once.Do(func() { close(done) })
			}
		}
	}
	opts := paho.NewClientOptions().AddBroker(o.Broker).
		SetClientID(fmt.Sprintf("avwatch-watch-%d", time.Now().UnixNano()%1e9)).
		SetUsername(o.Username).SetPassword(o.Password).
		SetCleanSession(true).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).SetMaxReconnectInterval(5 * time.Second).
		SetOrderMatters(true).
		SetOnConnectHandler(func(c paho.Client) {
			// Re-subscribing on every connect also gets the retained
			// state again after a broker restart. Not waited for here:
			// this runs on Paho's connection goroutine.
			tok := c.Subscribe(filter, 1, handler)
			go func() {
				if tok.Wait() && tok.Error() == nil {
					fmt.Fprintf(o.Err, "watch: connected to %s, watching %s\n", o.Broker, filter)
					if o.OnWatching != nil {
						o.OnWatching()
					}
				} else {
					fmt.Fprintf(o.Err, "watch: subscribing to %s failed: %v\n", filter, tok.Error())
				}
			}()
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			fmt.Fprintf(o.Err, "watch: connection to %s lost (%v); reconnecting\n", o.Broker, err)
		})
	if o.TLS != nil {
		opts.SetTLSConfig(o.TLS)
	}
	c := paho.NewClient(opts)
	tok := c.Connect()
	// With ConnectRetry the token completes only once connected; say why
	// we are waiting meanwhile.
	go func() {
		select {
		case <-tok.Done():
		case <-time.After(3 * time.Second):
			fmt.Fprintf(o.Err, "watch: waiting for the broker at %s (is the agent or broker running?)\n", o.Broker)
		}
	}()
	defer c.Disconnect(250)
	select {
	case <-ctx.Done():
	case <-done:
	}
	return nil
}

// Kind classifies a message.
type Kind int

const (
	KindOther Kind = iota
	KindAlert
	KindDeviceStatus
	KindStreamStatus
	KindDefect
	KindSnapshot
	KindStats
	KindOutbox
)

// Printer renders messages.
type Printer struct {
	Prefix string
	JSON   bool
	Color  bool
	Stats  bool
	W      io.Writer
}

// Classify splits <prefix>/<device>/<rest> and says what kind of message
// the topic carries.
func Classify(prefix, topic string) (device, stream string, k Kind) {
	rest, ok := strings.CutPrefix(topic, prefix+"/")
	if !ok {
		return "", "", KindOther
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 2 && parts[1] == "status":
		return parts[0], "", KindDeviceStatus
	case len(parts) == 2 && parts[1] == "outbox":
		return parts[0], "", KindOutbox
	case len(parts) == 3:
		switch parts[2] {
		case "alerts":
			return parts[0], parts[1], KindAlert
		case "status":
			return parts[0], parts[1], KindStreamStatus
		case "snapshot":
			return parts[0], parts[1], KindSnapshot
		case "stats":
			return parts[0], parts[1], KindStats
		}
	case len(parts) == 4 && parts[2] == "defects":
		return parts[0], parts[1], KindDefect
	}
	return "", "", KindOther
}

const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	dim    = "\x1b[2m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

func (p *Printer) c(color, s string) string {
	if !p.Color {
		return s
	}
	return color + s + reset
}

// Message prints one message and returns its kind.
func (p *Printer) Message(topic string, body []byte, retained bool) Kind {
	dev, stream, k := Classify(p.Prefix, topic)
	if p.JSON {
		p.jsonLine(topic, body, retained, k)
		return k
	}
	now := time.Now().Format("15:04:05")
	where := dev
	if stream != "" {
		where += "/" + stream
	}
	line := func(format string, args ...any) {
		fmt.Fprintf(p.W, "%s  %-24s %s\n", p.c(dim, now), where, fmt.Sprintf(format, args...))
	}
	switch k {
	case KindDeviceStatus:
		s := string(body)
		if s == payload.Online {
			line("%s", p.c(green, "ONLINE"))
		} else {
			line("%s", p.c(red, strings.ToUpper(s)))
		}
	case KindAlert:
		var a payload.Alert
		if json.Unmarshal(body, &a) != nil {
			line("alert (unreadable): %s", body)
			return k
		}
		extra := ""
		if a.Channel != nil {
			extra += fmt.Sprintf(" channel %d", *a.Channel)
		}
		if a.OffsetMs != nil {
			extra += fmt.Sprintf(" offset %+.0f ms", *a.OffsetMs)
		}
		if a.DigitalZero {
			extra += " digital zero"
		}
		if a.Event == "start" {
			line("%s %-12s at %9.3fs  value %.4g (threshold %.4g)%s  %s", p.c(red+bold, "▲ START"), a.Type, a.MediaTimeS, a.Value, a.Threshold, extra, a.Severity)
		} else {
			dur := ""
			if a.DurationS != nil {
				dur = fmt.Sprintf(" lasted %.3fs", *a.DurationS)
			}
			if a.ClosedBy != "" {
				dur = " (closed: " + strings.ReplaceAll(a.ClosedBy, "_", " ") + ")"
			}
			line("%s %-12s at %9.3fs%s%s", p.c(green, "▼ END  "), a.Type, a.MediaTimeS, dur, extra)
		}
	case KindStreamStatus:
		var s payload.StreamStatus
		if json.Unmarshal(body, &s) != nil {
			return k
		}
		color := yellow
		switch s.State {
		case "playing":
			color = green
		case "down":
			color = red
		}
		msg := s.State
		if s.Decoder != "" {
			msg += " decoder " + s.Decoder
			if s.Fallback {
				msg += " (software fallback)"
			}
		}
		if s.Message != "" {
			msg += " — " + s.Message
		}
		if s.Restarts > 0 {
			msg += fmt.Sprintf(" [%d restarts]", s.Restarts)
		}
		line("%s", p.c(color, msg))
	case KindDefect:
		// Retained states seen on connect tell what is wrong right now.
		var d payload.DefectState
		if retained && json.Unmarshal(body, &d) == nil && d.Active {
			line("%s %-12s since %s (media %.3fs)", p.c(red, "● ACTIVE"), d.Type, d.Since.Local().Format("15:04:05"), d.MediaTimeS)
		}
	case KindSnapshot:
		line("snapshot %d bytes (JPEG)", len(body))
	case KindOutbox:
		var s payload.OutboxStatus
		if json.Unmarshal(body, &s) == nil && (s.Queued > 0 || s.Dropped > 0) {
			line("outbox: %d queued, %d dropped", s.Queued, s.Dropped)
		}
	case KindStats:
		if p.Stats {
			line("stats %s", body)
		}
	}
	return k
}

func (p *Printer) jsonLine(topic string, body []byte, retained bool, k Kind) {
	out := map[string]any{"topic": topic, "retained": retained, "time": time.Now().UTC().Format(time.RFC3339Nano)}
	switch {
	case k == KindSnapshot:
		out["payload_base64"] = base64.StdEncoding.EncodeToString(body)
	case json.Valid(body):
		out["payload"] = json.RawMessage(body)
	default:
		out["payload"] = string(body)
	}
	b, _ := json.Marshal(out)
	fmt.Fprintf(p.W, "%s\n", b)
}
