package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/avwatch/avwatch/agent/config"
	"github.com/avwatch/avwatch/agent/watch"
)

func init() {
	register("watch", "show alerts and stream states live from the MQTT broker (--broker URL, --json)", runWatch)
}

func runWatch(args []string) int {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: avwatch watch [--broker URL] [-c FILE] [--json] [--device NAME] [--for DURATION] [--alerts N]\n\n"+
			"Subscribes to <prefix>/<device>/# and prints device status, stream states\n"+
			"and alerts as they arrive (retained state first). Without --broker and -c it\n"+
			"connects to the embedded broker of a local agent, tcp://127.0.0.1:1883.\n\nflags:\n")
		fs.PrintDefaults()
	}
	broker := fs.String("broker", "", "broker `URL` (tcp://, ssl://, ws://, wss://); default: from -c, else tcp://127.0.0.1:1883")
	cfgPath := fs.String("c", "", "take broker, login, TLS and topic prefix from this agent config `file`")
	asJSON := fs.Bool("json", false, "print one JSON object per message: topic, retained, time, payload")
	device := fs.String("device", "", "watch only this device (default: all)")
	prefix := fs.String("prefix", "", "topic prefix (default: from -c, else avwatch)")
	stats := fs.Bool("stats", false, "also print stats messages")
	dur := fs.Duration("for", 0, "stop after this `duration` (default: until interrupted)")
	maxAlerts := fs.Int("alerts", 0, "stop after `N` alert messages")
	user := fs.String("username", "", "MQTT user name")
	pass := fs.String("password", "", "MQTT password (prefer $AVWATCH_MQTT_PASSWORD)")
	ca := fs.String("ca", "", "CA certificate `file` for ssl:// brokers")
	cert := fs.String("cert", "", "client certificate `file` (mutual TLS)")
	key := fs.String("key", "", "client key `file` (mutual TLS)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o := watch.Options{JSON: *asJSON, Device: *device, Stats: *stats, MaxAlerts: *maxAlerts, Out: os.Stdout, Err: os.Stderr,
		Username: *user, Password: *pass, Prefix: "avwatch", Broker: "tcp://127.0.0.1:1883"}
	if o.Password == "" {
		o.Password = os.Getenv("AVWATCH_MQTT_PASSWORD")
	}
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("NO_COLOR") == "" {
		o.Color = true
	}
	tlsFiles := [3]string{*ca, *cert, *key}
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintf(os.Stderr, "avwatch: %s: %v\n", *cfgPath, err)
			return 2
		}
		o.Broker = cfg.BrokerURLs()[0]
		o.Prefix = cfg.MQTT.TopicPrefix
		if o.Username == "" {
			o.Username = cfg.MQTT.Username
		}
		if o.Password == "" {
			o.Password = cfg.MQTT.Password
			if cfg.MQTT.PasswordFile != "" {
				b, err := os.ReadFile(cfg.MQTT.PasswordFile)
				if err != nil {
					fmt.Fprintf(os.Stderr, "avwatch: %v\n", err)
					return 2
				}
				o.Password = strings.TrimRight(string(b), "\r\n")
			}
		}
		if tlsFiles == [3]string{} {
			tlsFiles = [3]string{cfg.MQTT.TLS.CA, cfg.MQTT.TLS.Cert, cfg.MQTT.TLS.Key}
		}
	}
	if *broker != "" {
		o.Broker = *broker
	}
	if *prefix != "" {
		o.Prefix = *prefix
	}
	if strings.HasPrefix(o.Broker, "ssl://") || strings.HasPrefix(o.Broker, "tls://") || strings.HasPrefix(o.Broker, "mqtts://") || strings.HasPrefix(o.Broker, "wss://") {
		tc, err := watchTLS(tlsFiles)
		if err != nil {
			fmt.Fprintf(os.Stderr, "avwatch watch: %v\n", err)
			return 2
		}
		o.TLS = tc
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}
	if err := watch.Run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "avwatch watch: %v\n", err)
		return 1
	}
	return 0
}

func watchTLS(files [3]string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if files[0] != "" {
		pem, err := os.ReadFile(files[0])
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s: no PEM certificate in it", files[0])
		}
	}
	if files[1] != "" || files[2] != "" {
		kp, err := tls.LoadX509KeyPair(files[1], files[2])
		if err != nil {
			return nil, fmt.Errorf("--cert/--key: %w", err)
		}
		c.Certificates = []tls.Certificate{kp}
	}
	return c, nil
}
