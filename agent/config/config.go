// Package config is the agent's YAML configuration: its types, defaults,
// strict loading and validation. Every error names the line, the key path
// and the fix; systemd/avwatch.yaml is the annotated reference.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/avwatch/avwatch/elements/audiodetect"
	"github.com/avwatch/avwatch/elements/avsync"
	"github.com/avwatch/avwatch/elements/videodetect"
	"github.com/avwatch/avwatch/pipeline/event"
	"github.com/avwatch/avwatch/pipeline/launch"
)

// Config is the whole file.
type Config struct {
	// Device names this box in MQTT topics; default: the hostname.
	Device        string        `yaml:"device"`
	LogLevel      string        `yaml:"log_level"`
	StatsInterval time.Duration `yaml:"stats_interval"`
	MQTT          MQTT          `yaml:"mqtt"`
	Outbox        Outbox        `yaml:"outbox"`
	HTTP          HTTP          `yaml:"http"`
	Streams       []Stream      `yaml:"streams"`

	// lines maps key paths (as errors print them) to their line.
	lines map[string]int
}

// MQTT is the connection to the broker.
type MQTT struct {
	// Brokers are tried in order; empty means the embedded broker.
	Brokers        []string      `yaml:"broker"`
	ClientID       string        `yaml:"client_id"`
	Username       string        `yaml:"username"`
	Password       string        `yaml:"password"`
	PasswordFile   string        `yaml:"password_file"`
	TLS            TLS           `yaml:"tls"`
	QoS            int           `yaml:"qos"`
	TopicPrefix    string        `yaml:"topic_prefix"`
	Keepalive      time.Duration `yaml:"keepalive"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// ReconnectMax caps the exponential backoff between connection attempts.
	ReconnectMax  time.Duration `yaml:"reconnect_max"`
	Embedded      Embedded      `yaml:"embedded"`
	HomeAssistant HomeAssistant `yaml:"home_assistant"`
}

// TLS files for ssl:// and wss:// brokers.
type TLS struct {
	CA                 string `yaml:"ca"`
	Cert               string `yaml:"cert"`
	Key                string `yaml:"key"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Embedded is the built-in broker used when no broker is configured.
type Embedded struct {
	Listen string `yaml:"listen"`
}

// HomeAssistant MQTT discovery.
type HomeAssistant struct {
	Enabled bool   `yaml:"enabled"`
	Prefix  string `yaml:"prefix"`
}

// Outbox is the durable alert queue.
type Outbox struct {
	Dir         string `yaml:"dir"`
	MaxMessages int    `yaml:"max_messages"`
	// FlushTimeout bounds how long a stop waits for the broker to take
	// what is queued; the rest stays on disk for the next start.
	FlushTimeout time.Duration `yaml:"flush_timeout"`
}

// HTTP is the optional local status endpoint.
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Stream is one watched stream.
type Stream struct {
	Name         string               `yaml:"name"`
	Enabled      bool                 `yaml:"enabled"`
	Source       string               `yaml:"source"`
	Pipeline     string               `yaml:"pipeline"`
	HWAccel      string               `yaml:"hwaccel"`
	Sync         bool                 `yaml:"sync"`
	Loop         bool                 `yaml:"loop"`
	StallTimeout time.Duration        `yaml:"stall_timeout"`
	Restart      string               `yaml:"restart"`
	Video        videodetect.Settings `yaml:"video"`
	Audio        audiodetect.Settings `yaml:"audio"`
	// AVSync is a section of its own rather than part of video: the
	// offset is a relation of the two streams. videoqc measures it (its
	// av-* properties), fed audio by the audioqc of the same pipeline.
	AVSync avsync.Settings `yaml:"av_sync"`

	// Line is where the stream starts in the file.
	Line int  `yaml:"-"`
	path path // for error messages
}

// Restart policies.
const (
	RestartAlways    = "always"
	RestartOnFailure = "on-failure"
	RestartNever     = "never"
)

// HWAccels are the accepted hwaccel values (the pipeline package's decoders).
var HWAccels = []string{"auto", "nvidia", "jetson", "vaapi", "v4l2", "rockchip", "software"}

// Defaults returns the configuration an empty file would mean (without
// streams, which have no default).
func Defaults() Config {
	host, _ := os.Hostname()
	return Config{
		Device:        host,
		LogLevel:      "info",
		StatsInterval: 10 * time.Second,
		MQTT: MQTT{
			QoS:            1,
			TopicPrefix:    "avwatch",
			Keepalive:      30 * time.Second,
			ConnectTimeout: 10 * time.Second,
			ReconnectMax:   30 * time.Second,
			Embedded:       Embedded{Listen: "127.0.0.1:1883"},
			HomeAssistant:  HomeAssistant{Prefix: "homeassistant"},
		},
		Outbox: Outbox{
			Dir:          "/var/lib/avwatch/outbox",
			MaxMessages:  100000,
			FlushTimeout: 5 * time.Second,
		},
	}
}

// DefaultStream is what a stream entry with only a name and a source means.
func DefaultStream() Stream {
	return Stream{
		Enabled:      true,
		HWAccel:      "auto",
		Sync:         true,
		StallTimeout: 5 * time.Second,
		Restart:      RestartOnFailure,
		Video:        videodetect.DefaultSettings(),
		Audio:        audiodetect.DefaultSettings(),
		AVSync:       avsync.DefaultSettings(),
	}
}

// Load reads and validates the file at path. Relative paths inside it
// (outbox dir, TLS files, password file) are relative to the file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(b, filepath.Dir(path))
}

// Parse reads and validates a config; baseDir anchors relative paths.
func Parse(data []byte, baseDir string) (*Config, error) {
	return parse(data, baseDir, osGetenv)
}

func parse(data []byte, baseDir string, getenv func(string) (string, bool)) (*Config, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Msg: "the file is empty; start from the annotated example systemd/avwatch.yaml"}
		}
		return nil, syntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{Line: extra.Line, Msg: "a second YAML document (---) follows; keep the whole config in one document"}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	c := Defaults()
	d := &decoder{lines: map[string]int{}, getenv: getenv}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, &Error{Msg: "the file is empty; start from the annotated example systemd/avwatch.yaml"}
	}
	if err := d.decode(root, reflect.ValueOf(&c).Elem(), path{}); err != nil {
		return nil, err
	}
	c.lines = d.lines
	c.resolvePaths(baseDir)
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxError(err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Line: line, Msg: "YAML syntax: " + m[2] + "; check the indentation, and quote values that contain \": \" or start with a special character"}
	}
	return &Error{Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

func (c *Config) resolvePaths(base string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) && base != "" {
			*p = filepath.Join(base, *p)
		}
	}
	abs(&c.Outbox.Dir)
	abs(&c.MQTT.PasswordFile)
	abs(&c.MQTT.TLS.CA)
	abs(&c.MQTT.TLS.Cert)
	abs(&c.MQTT.TLS.Key)
}

// Line returns the line of a key path ("mqtt.qos", `stream "lobby": video`),
// or of its closest enclosing key that appears in the file.
func (c *Config) Line(keyPath string) int {
	for p := keyPath; p != ""; {
		if l, ok := c.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".:")
		if i < 0 {
			break
		}
		p = strings.TrimRight(p[:i], ": ")
	}
	return 0
}

func (c *Config) errAt(p path, format string, args ...any) error {
	return &Error{Line: c.Line(p.String()), Path: p.String(), Msg: fmt.Sprintf(format, args...)}
}

// Embedded reports whether the agent runs its own broker.
func (c *Config) Embedded() bool { return len(c.MQTT.Brokers) == 0 }

// BrokerURLs is where the agent connects: the configured brokers, or the
// embedded one.
func (c *Config) BrokerURLs() []string {
	if c.Embedded() {
		return []string{"tcp://" + c.MQTT.Embedded.Listen}
	}
	return c.MQTT.Brokers
}

// ClientID is the configured id or "avwatch-<device>".
func (c *Config) ClientID() string {
	if c.MQTT.ClientID != "" {
		return c.MQTT.ClientID
	}
	return "avwatch-" + c.Device
}

// Stream returns the named stream.
func (c *Config) Stream(name string) (Stream, bool) {
	for _, s := range c.Streams {
		if s.Name == name {
			return s, true
		}
	}
	return Stream{}, false
}

// Path is how errors name this stream (`stream "lobby"`).
func (s Stream) Path() string {
	if s.path.stream == "" {
		return fmt.Sprintf("stream %q", s.Name)
	}
	return s.path.stream
}

// Spec is what the pipeline package needs to start the stream. Detector
// settings become element properties: "videoqc.<prop>" and "audioqc.<prop>"
// (each analyser's own stats_interval included; the agent publishes the
// latest stats every Config.StatsInterval). The av_sync settings are
// videoqc's av-* properties: videoqc owns A/V sync.
func (s Stream) Spec() event.Spec {
	// A user's own pipeline (without placeholders) holds only the analysers
	// it names; properties for an absent one would be an error.
	own := s.Pipeline != "" && !launch.IsTemplate(s.Pipeline)
	props := map[string]string{}
	if !own || strings.Contains(s.Pipeline, "videoqc") {
		for k, v := range s.Video.Props() {
			props["videoqc."+k] = v
		}
		for k, v := range s.AVSync.Props() {
			props["videoqc."+k] = v
		}
	}
	if !own || strings.Contains(s.Pipeline, "audioqc") {
		for k, v := range s.Audio.Props() {
			props["audioqc."+k] = v
		}
	}
	return event.Spec{
		Name:         s.Name,
		Source:       s.Source,
		Pipeline:     s.Pipeline,
		HWAccel:      s.HWAccel,
		Properties:   props,
		StallTimeout: s.StallTimeout,
		Sync:         s.Sync,
		Loop:         s.Loop,
	}
}

// Check runs the pipeline package's validation of every enabled stream
// (launch-string syntax, known elements, a videoqc or audioqc present) and
// reports the first failure at the stream's source or pipeline line.
func (c *Config) Check(validate func(event.Spec) error) error {
	if validate == nil {
		return nil
	}
	for _, s := range c.Streams {
		if !s.Enabled {
			continue
		}
		if err := validate(s.Spec()); err != nil {
			key := "source"
			if s.Pipeline != "" {
				key = "pipeline"
			}
			return c.errAt(s.path.key(key), "%v", err)
		}
	}
	return nil
}
