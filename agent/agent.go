// Package agent is the avwatch daemon: it runs one supervised pipeline per
// configured stream, turns what they report into MQTT alerts, defect
// states, stream status, snapshots and stats, and delivers the alerts
// through a durable outbox. It does not import go-gst: the pipeline
// package's Starter and Validate are injected (cmd/avwatch/run.go).
//
// Data flow: pipeline event -> tracker (per stream) -> outbox (fsync) ->
// mqttpub -> broker.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/avwatch/avwatch/agent/broker"
	"github.com/avwatch/avwatch/agent/config"
	"github.com/avwatch/avwatch/agent/mqttpub"
	"github.com/avwatch/avwatch/agent/outbox"
	"github.com/avwatch/avwatch/agent/payload"
	"github.com/avwatch/avwatch/agent/supervisor"
	"github.com/avwatch/avwatch/internal/sdnotify"
	"github.com/avwatch/avwatch/pipeline/event"
)

// Options wires an Agent.
type Options struct {
	Config *config.Config
	// ConfigPath is re-read by Reload.
	ConfigPath string
	// Starter starts pipelines (pipeline.Start in the binary).
	Starter event.Starter
	// Validate checks a stream spec at config time (pipeline.Validate);
	// nil skips that check.
	Validate func(event.Spec) error
	Logger   *slog.Logger
	// LogLevel, when set, follows log_level across reloads.
	LogLevel *slog.LevelVar
	// Notifier talks to systemd; nil reads $NOTIFY_SOCKET.
	Notifier *sdnotify.Notifier
	// Supervisor tunes restart backoff (tests shorten it).
	Supervisor supervisor.Options
	// ReconnectMin is the first MQTT reconnect backoff step (default 500ms).
	ReconnectMin time.Duration
}

// Agent is one running daemon.
type Agent struct {
	opts   Options
	log    *slog.Logger
	notify *sdnotify.Notifier

	cfg    *config.Config // owned by the loop after Run starts
	topics payload.Topics
	qos    byte

	ob     *outbox.Outbox
	pub    *mqttpub.Publisher
	sup    *supervisor.Supervisor
	broker *broker.Broker
	open   *openStore
	http   *http.Server

	mu       sync.Mutex
	trackers map[string]*tracker

	do    chan func() // run in the supervisor loop (reload, watchdog ping, tests)
	ready chan struct{}
}

// New checks the options; Run starts everything.
func New(o Options) (*Agent, error) {
	if o.Config == nil || o.Starter == nil {
		return nil, errors.New("agent: Config and Starter are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	n := o.Notifier
	if n == nil {
		var err error
		if n, err = sdnotify.FromEnv(); err != nil {
			return nil, err
		}
	}
	return &Agent{
		opts: o, log: o.Logger, notify: n, cfg: o.Config,
		trackers: map[string]*tracker{},
		do:       make(chan func()),
		ready:    make(chan struct{}),
	}, nil
}

// Ready is closed once the pipelines are built (and READY=1 was sent).
func (a *Agent) Ready() <-chan struct{} { return a.ready }

// Run runs the agent until ctx ends, then stops the streams, flushes the
// outbox to the broker for up to outbox.flush_timeout and returns.
func (a *Agent) Run(ctx context.Context) error {
	cfg := a.cfg
	if err := cfg.Check(a.opts.Validate); err != nil {
		return err
	}
	a.applyLogLevel(cfg)
	a.topics = payload.Topics{Prefix: cfg.MQTT.TopicPrefix, Device: cfg.Device}
	a.qos = byte(cfg.MQTT.QoS)

	ob, err := outbox.Open(outbox.Options{Dir: cfg.Outbox.Dir, MaxMessages: cfg.Outbox.MaxMessages, Logger: a.log, OnDrop: a.onDrop})
	if err != nil {
		return err
	}
	a.ob = ob
	defer ob.Close()
	if a.open, err = openOpenStore(cfg.Outbox.Dir); err != nil {
		return err
	}

	if cfg.Embedded() {
		b, err := broker.Start(cfg.MQTT.Embedded.Listen, a.log)
		if err != nil {
			return err
		}
		a.broker = b
		defer b.Close()
		a.log.Info("embedded MQTT broker listening (no mqtt.broker configured)", "addr", b.Addr())
	}
	pubOpts, err := a.publisherOptions(cfg)
	if err != nil {
		return err
	}
	if a.broker != nil {
		pubOpts.Brokers = []string{a.broker.URL()} // the bound port (listen may say :0)
	}
	a.pub = mqttpub.New(pubOpts)
	pubCtx, stopPub := context.WithCancel(context.Background())
	pubDone := make(chan struct{})
	go func() { a.pub.Run(pubCtx); close(pubDone) }()
	defer func() { stopPub(); <-pubDone }()

	// Windows a crashed predecessor left open get their end first.
	a.closeLeftOpen()
	a.publishOutboxStatus()

	if cfg.HTTP.Listen != "" {
		if err := a.startHTTP(cfg.HTTP.Listen); err != nil {
			return err
		}
		defer a.http.Close()
	}

	opts := a.opts.Supervisor
	opts.Logger = a.log
	a.sup = supervisor.New(a.opts.Starter, a, opts)
	a.applyStreams(cfg)
	enabled := len(a.sup.Running())
	a.notify.Ready(fmt.Sprintf("%d streams running", enabled))
	close(a.ready)
	a.log.Info("avwatch agent running", "device", cfg.Device, "streams", enabled, "broker", strings.Join(cfg.BrokerURLs(), ","), "outbox_queued", ob.Len())

	wdDone := a.startWatchdog(ctx)
	a.loop(ctx)
	<-wdDone

	a.notify.Stopping()
	a.log.Info("stopping: streams first, then flushing the outbox", "queued", ob.Len())
	a.sup.Stop()
	a.publishOutboxStatus()
	if a.pub.Drain(context.Background(), cfg.Outbox.FlushTimeout) {
		a.log.Info("outbox flushed", "acked_total", a.pub.Acked())
	} else {
		a.log.Warn("outbox not flushed in time; the rest is kept on disk for the next start", "queued", ob.Len(), "flush_timeout", cfg.Outbox.FlushTimeout.String())
	}
	return nil
}

// loop is the supervisor loop: reloads, periodic publishing and anything
// sent on a.do run here, one at a time. The watchdog pings systemd only
// while this loop answers.
func (a *Agent) loop(ctx context.Context) {
	iv := a.cfg.StatsInterval
	stats := time.NewTicker(iv)
	defer stats.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case f := <-a.do:
			f()
			if a.cfg.StatsInterval != iv { // a reload changed it
				iv = a.cfg.StatsInterval
				stats.Reset(iv)
			}
		case <-stats.C:
			a.publishStats()
			a.publishOutboxStatus()
		}
	}
}

// inLoop runs f in the supervisor loop and waits for it, or gives up when
// ctx ends or the timeout passes (a wedged loop).
func (a *Agent) inLoop(ctx context.Context, timeout time.Duration, f func()) bool {
	done := make(chan struct{})
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case a.do <- func() { f(); close(done) }:
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// Reload re-reads the config file and applies it: changed streams restart,
// threshold-only changes are set live, the rest stays. A bad file is
// logged and changes nothing.
func (a *Agent) Reload(ctx context.Context) error {
	var err error
	ok := a.inLoop(ctx, 5*time.Minute, func() { err = a.reload() })
	if !ok && err == nil {
		err = errors.New("agent: reload not run (stopping or supervisor loop stuck)")
	}
	return err
}

func (a *Agent) reload() error {
	if a.opts.ConfigPath == "" {
		return errors.New("reload: no config file to re-read")
	}
	a.notify.Reloading()
	defer a.notify.Ready("reloaded")
	cfg, err := config.Load(a.opts.ConfigPath)
	if err == nil {
		err = cfg.Check(a.opts.Validate)
	}
	if err != nil {
		a.log.Error("reload: config rejected; keeping the running configuration", "file", a.opts.ConfigPath, "error", err)
		return err
	}
	old := a.cfg
	for _, what := range restartOnly(old, cfg) {
		a.log.Warn("reload: this change needs a restart of avwatch (systemctl restart avwatch)", "setting", what)
	}
	// Settings that need a restart keep their running values.
	cfg.Device, cfg.MQTT, cfg.Outbox, cfg.HTTP = old.Device, old.MQTT, old.Outbox, old.HTTP
	a.cfg = cfg
	a.applyLogLevel(cfg)
	changes := a.applyStreams(cfg)
	for _, c := range changes {
		if c.Action != "unchanged" {
			a.log.Info("reload: stream "+c.Action, "stream", c.Stream, "properties", c.Props)
		}
	}
	a.log.Info("reload: done", "file", a.opts.ConfigPath)
	return nil
}

// restartOnly names changed settings that a reload cannot apply.
func restartOnly(old, new *config.Config) []string {
	var out []string
	if old.Device != new.Device {
		out = append(out, "device")
	}
	if fmt.Sprint(old.MQTT) != fmt.Sprint(new.MQTT) {
		out = append(out, "mqtt")
	}
	if old.Outbox != new.Outbox {
		out = append(out, "outbox")
	}
	if old.HTTP != new.HTTP {
		out = append(out, "http")
	}
	return out
}

func (a *Agent) applyLogLevel(cfg *config.Config) {
	if a.opts.LogLevel == nil {
		return
	}
	var l slog.Level
	l.UnmarshalText([]byte(cfg.LogLevel))
	a.opts.LogLevel.Set(l)
}

// applyStreams reconciles the supervisor with cfg and publishes the state
// of disabled and removed streams.
func (a *Agent) applyStreams(cfg *config.Config) []supervisor.Change {
	var want []supervisor.Desired
	for _, s := range cfg.Streams {
		tr := a.trackerFor(s.Name)
		if !s.Enabled {
			tr.setState(event.Stopped, "disabled in the config", time.Now())
			continue
		}
		want = append(want, supervisor.Desired{Spec: s.Spec(), Restart: s.Restart})
	}
	changes := a.sup.Apply(want)
	a.mu.Lock()
	var gone []*tracker
	for name, tr := range a.trackers {
		if _, ok := cfg.Stream(name); !ok {
			gone = append(gone, tr)
			delete(a.trackers, name)
		}
	}
	a.mu.Unlock()
	for _, tr := range gone {
		tr.setState(event.Stopped, "removed from the config", time.Now())
	}
	a.publishDiscovery(cfg)
	return changes
}

func (a *Agent) publisherOptions(cfg *config.Config) (mqttpub.Options, error) {
	tc, err := tlsConfig(cfg)
	if err != nil {
		return mqttpub.Options{}, err
	}
	pw := cfg.MQTT.Password
	if cfg.MQTT.PasswordFile != "" {
		b, err := os.ReadFile(cfg.MQTT.PasswordFile)
		if err != nil {
			return mqttpub.Options{}, fmt.Errorf("mqtt.password_file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	return mqttpub.Options{
		Brokers:        cfg.BrokerURLs(),
		ClientID:       cfg.ClientID(),
		Username:       cfg.MQTT.Username,
		Password:       pw,
		TLS:            tc,
		QoS:            byte(cfg.MQTT.QoS),
		Keepalive:      cfg.MQTT.Keepalive,
		ConnectTimeout: cfg.MQTT.ConnectTimeout,
		ReconnectMin:   a.opts.ReconnectMin,
		ReconnectMax:   cfg.MQTT.ReconnectMax,
		StatusTopic:    a.topics.Status(),
		Outbox:         a.ob,
		Logger:         a.log,
		// Say "queued 0" as soon as a backlog is gone, not at the next tick.
		OnDrained: a.publishOutboxStatus,
	}, nil
}

// onDrop is the outbox's full-queue callback: never silent.
func (a *Agent) onDrop(n int, total uint64) {
	a.log.Error("outbox full: dropped the oldest alerts; the broker has been unreachable too long (raise outbox.max_messages or fix the connection)", "dropped_now", n, "dropped_total", total)
	if a.pub != nil {
		a.publishOutboxStatus()
	}
}
