package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/avwatch/avwatch/pipeline/launch"
)

// validate checks values after decoding. The order follows the file's
// usual layout so the first error reported is the first one a reader meets.
func (c *Config) validate() error {
	top := path{}
	if c.Device == "" {
		return c.errAt(top.key("device"), "empty; set a name for this box, or remove the key to use the hostname")
	}
	if msg := topicLevelProblem(c.Device); msg != "" {
		return c.errAt(top.key("device"), "%q %s", c.Device, msg)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		return c.errAt(top.key("log_level"), "%q is not a log level; use debug, info, warn or error", c.LogLevel)
	}
	if c.StatsInterval < 100*time.Millisecond {
		return c.errAt(top.key("stats_interval"), "%v is too short; use at least 100ms (default 10s)", c.StatsInterval)
	}
	if err := c.validateMQTT(); err != nil {
		return err
	}
	ob := top.key("outbox")
	if c.Outbox.Dir == "" {
		return c.errAt(ob.key("dir"), "empty; set a directory the agent may write, e.g. /var/lib/avwatch/outbox")
	}
	if c.Outbox.MaxMessages < 10 {
		return c.errAt(ob.key("max_messages"), "%d is too small; keep at least 10 alerts (default 100000)", c.Outbox.MaxMessages)
	}
	if c.Outbox.FlushTimeout < 0 {
		return c.errAt(ob.key("flush_timeout"), "must not be negative; use 0 to stop without waiting for the broker")
	}
	if c.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			return c.errAt(top.key("http").key("listen"), "%q is not host:port; write e.g. 127.0.0.1:8080", c.HTTP.Listen)
		}
	}
	return c.validateStreams()
}

func (c *Config) validateMQTT() error {
	m := &c.MQTT
	mp := path{}.key("mqtt")
	tlsWanted := m.TLS.CA != "" || m.TLS.Cert != "" || m.TLS.Key != ""
	for i, b := range m.Brokers {
		bp := mp.key("broker")
		if len(m.Brokers) > 1 {
			bp = bp.index(i)
		}
		u, err := url.Parse(b)
		if err != nil || u.Host == "" {
			return c.errAt(bp, "%q is not a broker URL; write e.g. tcp://broker.example:1883 or ssl://broker.example:8883", b)
		}
		switch u.Scheme {
		case "tcp", "mqtt", "ws":
			if tlsWanted {
				return c.errAt(mp.key("tls"), "TLS files are set but broker %q is not encrypted; use ssl:// (or wss://), or remove the tls section", b)
			}
		case "ssl", "tls", "mqtts", "wss":
		default:
			return c.errAt(bp, "scheme %q is not supported; use tcp://, ssl://, ws:// or wss://", u.Scheme)
		}
		if u.Port() == "" {
			return c.errAt(bp, "%q has no port; add one, e.g. :1883 (tcp) or :8883 (ssl)", b)
		}
	}
	if m.QoS != 1 && m.QoS != 2 {
		return c.errAt(mp.key("qos"), "%d is not allowed for alerts; use 1 (default) or 2: the outbox deletes an alert only once the broker acknowledged it", m.QoS)
	}
	if msg := prefixProblem(m.TopicPrefix); msg != "" {
		return c.errAt(mp.key("topic_prefix"), "%q %s", m.TopicPrefix, msg)
	}
	if m.Keepalive < time.Second || m.Keepalive > 18*time.Hour {
		return c.errAt(mp.key("keepalive"), "%v is out of range; use between 1s and 18h (default 30s)", m.Keepalive)
	}
	if m.ConnectTimeout < 100*time.Millisecond {
		return c.errAt(mp.key("connect_timeout"), "%v is too short; use at least 100ms (default 10s)", m.ConnectTimeout)
	}
	if m.ReconnectMax < 100*time.Millisecond {
		return c.errAt(mp.key("reconnect_max"), "%v is too short; use at least 100ms (default 30s)", m.ReconnectMax)
	}
	if m.Password != "" && m.PasswordFile != "" {
		return c.errAt(mp.key("password_file"), "both password and password_file are set; keep one")
	}
	if (m.Password != "" || m.PasswordFile != "") && m.Username == "" {
		return c.errAt(mp.key("username"), "a password is set but no username; set mqtt.username")
	}
	if m.PasswordFile != "" {
		if _, err := os.ReadFile(m.PasswordFile); err != nil {
			return c.errAt(mp.key("password_file"), "cannot read %s: %v; fix the path or its permissions", m.PasswordFile, unwrapPathErr(err))
		}
	}
	if err := c.validateTLS(mp.key("tls")); err != nil {
		return err
	}
	if c.Embedded() {
		if _, _, err := net.SplitHostPort(m.Embedded.Listen); err != nil {
			return c.errAt(mp.key("embedded").key("listen"), "%q is not host:port; write e.g. 127.0.0.1:1883", m.Embedded.Listen)
		}
	}
	if m.HomeAssistant.Enabled {
		if msg := prefixProblem(m.HomeAssistant.Prefix); msg != "" {
			return c.errAt(mp.key("home_assistant").key("prefix"), "%q %s", m.HomeAssistant.Prefix, msg)
		}
	}
	return nil
}

func (c *Config) validateTLS(tp path) error {
	t := c.MQTT.TLS
	if (t.Cert == "") != (t.Key == "") {
		return c.errAt(tp, "cert and key go together for mutual TLS; set both, or neither")
	}
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return c.errAt(tp.key("ca"), "cannot read %s: %v; fix the path or its permissions", t.CA, unwrapPathErr(err))
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return c.errAt(tp.key("ca"), "%s holds no PEM certificate; point it at the CA certificate (-----BEGIN CERTIFICATE-----)", t.CA)
		}
	}
	if t.Cert != "" {
		if _, err := tls.LoadX509KeyPair(t.Cert, t.Key); err != nil {
			return c.errAt(tp.key("cert"), "cannot load the client certificate and key (%s, %s): %v", t.Cert, t.Key, unwrapPathErr(err))
		}
	}
	return nil
}

func (c *Config) validateStreams() error {
	if len(c.Streams) == 0 {
		return c.errAt(path{}.key("streams"), "no streams; add at least one, e.g.\n  streams:\n    - name: lobby\n      source: rtsp://camera.local/stream")
	}
	names := map[string]int{}
	for _, s := range c.Streams {
		sp := s.path
		if s.Name == "" {
			return &Error{Line: s.Line, Path: sp.String(), Msg: "name: missing; give every stream a unique name (it becomes an MQTT topic level)"}
		}
		if msg := topicLevelProblem(s.Name); msg != "" {
			return c.errAt(sp.key("name"), "%q %s", s.Name, msg)
		}
		if first, dup := names[s.Name]; dup {
			return c.errAt(sp.key("name"), "the name is already used by the stream at line %d; names must be unique", first)
		}
		names[s.Name] = s.Line
		switch {
		case s.Source == "" && s.Pipeline == "":
			return &Error{Line: s.Line, Path: sp.String(), Msg: "has neither source nor pipeline; set source (a URI or file) or pipeline (a launch string)"}
		case s.Source != "" && s.Pipeline != "" && !launch.IsTemplate(s.Pipeline):
			return c.errAt(sp.key("pipeline"), "both source and pipeline are set; keep one, or build on the source with placeholders such as {source} and {decode}")
		case s.Source == "" && launch.IsTemplate(s.Pipeline):
			return c.errAt(sp.key("pipeline"), "uses placeholders such as {source} but the stream has no source; add source")
		}
		if !slices.Contains(HWAccels, s.HWAccel) {
			return c.errAt(sp.key("hwaccel"), "%q is not supported; use one of %s", s.HWAccel, strings.Join(HWAccels, ", "))
		}
		if s.StallTimeout < 100*time.Millisecond {
			return c.errAt(sp.key("stall_timeout"), "%v is too short; use at least 100ms (default 5s)", s.StallTimeout)
		}
		if !slices.Contains([]string{RestartAlways, RestartOnFailure, RestartNever}, s.Restart) {
			return c.errAt(sp.key("restart"), "%q is not a restart policy; use always, on-failure or never", s.Restart)
		}
		if err := s.Video.Validate(); err != nil {
			return c.settingsErr(sp.key("video"), err)
		}
		if err := s.Audio.Validate(); err != nil {
			return c.settingsErr(sp.key("audio"), err)
		}
		if err := s.AVSync.Validate(); err != nil {
			return c.settingsErr(sp.key("av_sync"), err)
		}
	}
	return nil
}

// settingsErr places a detector settings error ("black.ratio: must be in
// (0,1]") at its key's line.
func (c *Config) settingsErr(sp path, err error) error {
	msg := err.Error()
	key, rest, ok := strings.Cut(msg, ": ")
	if ok && !strings.ContainsAny(key, " \t") {
		return c.errAt(sp.key(key), "%s", rest)
	}
	return c.errAt(sp, "%s", msg)
}

// topicLevelProblem says why s cannot be one MQTT topic level, or "".
func topicLevelProblem(s string) string {
	if s == "" {
		return "is empty"
	}
	if len(s) > 128 {
		return "is longer than 128 bytes; shorten it"
	}
	for _, r := range s {
		switch {
		case r == '/' || r == '+' || r == '#':
			return fmt.Sprintf("contains %q, which MQTT topics reserve; use letters, digits, - _ or .", r)
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return "contains a control character; use letters, digits, - _ or ."
		}
	}
	if strings.HasPrefix(s, "$") {
		return "starts with $, which MQTT reserves for broker topics; rename it"
	}
	return ""
}

// prefixProblem says why s cannot be a topic prefix (one or more levels).
func prefixProblem(s string) string {
	if s == "" {
		return "is empty; use e.g. avwatch"
	}
	for _, lvl := range strings.Split(s, "/") {
		if lvl == "" {
			return "has an empty topic level; remove leading, trailing or doubled /"
		}
		if msg := topicLevelProblem(lvl); msg != "" && !strings.Contains(msg, "'/'") {
			return msg
		}
	}
	return ""
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
