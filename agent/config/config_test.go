package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/avwatch/avwatch/pipeline/event"
)

const base = `outbox:
  dir: /tmp/avwatch-outbox
streams:
  - name: lobby
    source: file:///clips/a.ts
`

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestMinimalConfig(t *testing.T) {
	c, err := parse([]byte(base), "", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if c.Device != host || !c.Embedded() || c.BrokerURLs()[0] != "tcp://127.0.0.1:1883" || c.ClientID() != "avwatch-"+host {
		t.Fatalf("defaults not applied: %+v", c)
	}
	s := c.Streams[0]
	if !s.Enabled || s.HWAccel != "auto" || s.Restart != RestartOnFailure || s.StallTimeout != 5*time.Second || !s.Sync {
		t.Fatalf("stream defaults not applied: %+v", s)
	}
	if c.Line(`stream "lobby": source`) != 5 || c.Line(`stream "lobby": video.black.ratio`) != 4 {
		t.Fatalf("lines: %v", c.lines)
	}
}

func TestEnvSubstitution(t *testing.T) {
	cfg := `device: ${DEV}
mqtt:
  broker: ssl://${HOST:-broker.example}:8883
  username: u
  password: ${PW}
  qos: ${QOS}
  keepalive: ${KA:-15s}
  topic_prefix: "cost$$center"
` + base
	c, err := parse([]byte(cfg), "", env(map[string]string{"DEV": "box-7", "PW": "s3cr:t", "QOS": "2"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Device != "box-7" || c.MQTT.Brokers[0] != "ssl://broker.example:8883" || c.MQTT.Password != "s3cr:t" ||
		c.MQTT.QoS != 2 || c.MQTT.Keepalive != 15*time.Second || c.MQTT.TopicPrefix != "cost$center" {
		t.Fatalf("substitution: %+v", c.MQTT)
	}
}

func TestBrokerListAndRelativePaths(t *testing.T) {
	cfg := `mqtt:
  broker: [tcp://a:1883, ws://b:9001]
outbox:
  dir: state/outbox
streams:
  - name: x
    pipeline: videotestsrc ! videoqc ! fakesink
`
	c, err := parse([]byte(cfg), "/etc/avwatch", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.MQTT.Brokers, []string{"tcp://a:1883", "ws://b:9001"}) || c.Outbox.Dir != "/etc/avwatch/state/outbox" {
		t.Fatalf("%+v %+v", c.MQTT.Brokers, c.Outbox)
	}
}

// Every message is exact: the line, the key path and the fix are the
// interface a user at a terminal sees.
func TestBadConfigs(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	cases := []struct{ name, cfg, want string }{
		{"unknown top key", "devise: box\n" + base,
			`config line 1: devise: unknown key; did you mean "device"?`},
		{"unknown key, no close match", "mqtt:\n  colour: red\n" + base,
			`config line 2: mqtt.colour: unknown key; known keys here: broker, client_id, connect_timeout, embedded, home_assistant, keepalive, password, password_file, qos, reconnect_max, tls, topic_prefix, username`},
		{"unknown detector key", base + "    video:\n      black:\n        ratoi: 0.5\n",
			`config line 8: stream "lobby": video.black.ratoi: unknown key; did you mean "ratio"?`},
		{"wrong type int", "mqtt:\n  qos: high\n" + base,
			`config line 2: mqtt.qos: expected a whole number, got "high"`},
		{"qos 0", "mqtt:\n  qos: 0\n" + base,
			`config line 2: mqtt.qos: 0 is not allowed for alerts; use 1 (default) or 2: the outbox deletes an alert only once the broker acknowledged it`},
		{"duration without unit", "stats_interval: 10\n" + base,
			`config line 1: stats_interval: 10 has no unit; write a duration such as 5s, 500ms or 1m`},
		{"bad duration", "mqtt:\n  keepalive: 30 seconds\n" + base,
			`config line 2: mqtt.keepalive: "30 seconds" is not a duration; write e.g. 5s, 500ms or 1m`},
		{"bool as yes", base + "    enabled: yes\n",
			`config line 6: stream "lobby": enabled: expected true or false, got "yes"`},
		{"number for detector float", base + "    video:\n      black:\n        ratio: lots\n",
			`config line 8: stream "lobby": video.black.ratio: expected a number, got "lots"`},
		{"stream name with slash", "outbox:\n  dir: /o\nstreams:\n  - name: hall/left\n    source: rtsp://cam/1\n",
			`config line 4: stream "hall/left": name: "hall/left" contains '/', which MQTT topics reserve; use letters, digits, - _ or .`},
		{"stream name with plus", "outbox:\n  dir: /o\nstreams:\n  - name: a+b\n    source: rtsp://cam/1\n",
			`config line 4: stream "a+b": name: "a+b" contains '+', which MQTT topics reserve; use letters, digits, - _ or .`},
		{"stream name with hash", "outbox:\n  dir: /o\nstreams:\n  - name: \"#1\"\n    source: rtsp://cam/1\n",
			`config line 4: stream "#1": name: "#1" contains '#', which MQTT topics reserve; use letters, digits, - _ or .`},
		{"stream name with control char", "outbox:\n  dir: /o\nstreams:\n  - name: \"a\\tb\"\n    source: rtsp://cam/1\n",
			`config line 4: stream "a\tb": name: "a\tb" contains a control character; use letters, digits, - _ or .`},
		{"missing name", "outbox:\n  dir: /o\nstreams:\n  - source: rtsp://cam/1\n",
			`config line 4: streams[0]: name: missing; give every stream a unique name (it becomes an MQTT topic level)`},
		{"duplicate names", base + "  - name: lobby\n    source: rtsp://cam/2\n",
			`config line 6: stream "lobby": name: the name is already used by the stream at line 4; names must be unique`},
		{"no source", "outbox:\n  dir: /o\nstreams:\n  - name: a\n    hwaccel: auto\n",
			`config line 4: stream "a": has neither source nor pipeline; set source (a URI or file) or pipeline (a launch string)`},
		{"source and pipeline", base + "    pipeline: videotestsrc ! videoqc ! fakesink\n",
			`config line 6: stream "lobby": pipeline: both source and pipeline are set; keep one, or build on the source with placeholders such as {source} and {decode}`},
		{"template without source", "outbox:\n  dir: /o\nstreams:\n  - name: a\n    pipeline: \"{decode} ! videoqc ! fakesink\"\n",
			`config line 5: stream "a": pipeline: uses placeholders such as {source} but the stream has no source; add source`},
		{"bad hwaccel", base + "    hwaccel: cuda\n",
			`config line 6: stream "lobby": hwaccel: "cuda" is not supported; use one of auto, nvidia, jetson, vaapi, v4l2, rockchip, software`},
		{"bad restart", base + "    restart: sometimes\n",
			`config line 6: stream "lobby": restart: "sometimes" is not a restart policy; use always, on-failure or never`},
		{"unset env", "mqtt:\n  username: u\n  password: ${MQTT_PW}\n" + base,
			`config line 3: mqtt.password: environment variable MQTT_PW is not set; export it, or write ${MQTT_PW:-default}`},
		{"yaml syntax", "mqtt:\n  qos: 1\n   keepalive: 3s\n" + base,
			`config line 3: YAML syntax: mapping values are not allowed in this context; check the indentation, and quote values that contain ": " or start with a special character`},
		{"broker without port", "mqtt:\n  broker: tcp://broker.example\n" + base,
			`config line 2: mqtt.broker: "tcp://broker.example" has no port; add one, e.g. :1883 (tcp) or :8883 (ssl)`},
		{"broker bad scheme", "mqtt:\n  broker: [tcp://a:1883, http://b:80]\n" + base,
			`config line 2: mqtt.broker[1]: scheme "http" is not supported; use tcp://, ssl://, ws:// or wss://`},
		{"tls on plain tcp", "mqtt:\n  broker: tcp://a:1883\n  tls:\n    ca: " + notPEM + "\n" + base,
			`config line 3: mqtt.tls: TLS files are set but broker "tcp://a:1883" is not encrypted; use ssl:// (or wss://), or remove the tls section`},
		{"ca not pem", "mqtt:\n  broker: ssl://a:8883\n  tls:\n    ca: " + notPEM + "\n" + base,
			`config line 4: mqtt.tls.ca: ` + notPEM + ` holds no PEM certificate; point it at the CA certificate (-----BEGIN CERTIFICATE-----)`},
		{"ca missing", "mqtt:\n  broker: ssl://a:8883\n  tls:\n    ca: /nonexistent/ca.pem\n" + base,
			`config line 4: mqtt.tls.ca: cannot read /nonexistent/ca.pem: no such file or directory; fix the path or its permissions`},
		{"cert without key", "mqtt:\n  broker: ssl://a:8883\n  tls:\n    cert: /x.pem\n" + base,
			`config line 3: mqtt.tls: cert and key go together for mutual TLS; set both, or neither`},
		{"password without user", "mqtt:\n  password: pw\n" + base,
			`config line 1: mqtt.username: a password is set but no username; set mqtt.username`},
		{"duplicate key", "log_level: info\nlog_level: debug\n" + base,
			`config line 2: log_level: duplicate key (first at line 1); keep only one`},
		{"bad log level", "log_level: verbose\n" + base,
			`config line 1: log_level: "verbose" is not a log level; use debug, info, warn or error`},
		{"streams not a list", "outbox:\n  dir: /o\nstreams:\n  name: a\n",
			`config line 4: streams: expected a list of streams (lines starting with "- name: …"), got a mapping (key: value lines)`},
		{"no streams", "outbox:\n  dir: /o\n",
			"config: streams: no streams; add at least one, e.g.\n  streams:\n    - name: lobby\n      source: rtsp://camera.local/stream"},
		{"mapping for scalar", "device:\n  name: x\n" + base,
			`config line 2: device: expected a single value, got a mapping (key: value lines)`},
		{"prefix with wildcard", "mqtt:\n  topic_prefix: site/#\n" + base,
			`config line 2: mqtt.topic_prefix: "site/#" contains '#', which MQTT topics reserve; use letters, digits, - _ or .`},
		{"prefix trailing slash", "mqtt:\n  topic_prefix: site/\n" + base,
			`config line 2: mqtt.topic_prefix: "site/" has an empty topic level; remove leading, trailing or doubled /`},
		{"device with slash", "device: a/b\n" + base,
			`config line 1: device: "a/b" contains '/', which MQTT topics reserve; use letters, digits, - _ or .`},
		{"small outbox", "outbox:\n  dir: /o\n  max_messages: 1\nstreams:\n  - name: a\n    source: x.ts\n",
			`config line 3: outbox.max_messages: 1 is too small; keep at least 10 alerts (default 100000)`},
		{"empty file", "\n# nothing\n",
			`config: the file is empty; start from the annotated example systemd/avwatch.yaml`},
		{"two documents", base + "---\ndevice: x\n",
			`config line 6: a second YAML document (---) follows; keep the whole config in one document`},
		{"alias", "device: &d box\nlog_level: *d\n" + base,
			`config line 2: log_level: YAML aliases (*name) are not supported; write the value out`},
		{"unknown av_sync key", base + "    av_sync:\n      latems: 200\n",
			`config line 7: stream "lobby": av_sync.latems: unknown key; did you mean "late_ms"?`},
		{"av_sync limit out of range", base + "    av_sync:\n      late_ms: 0\n",
			`config line 7: stream "lobby": av_sync.late_ms: must be in (0,1000] (got 0)`},
		{"av_sync limit beyond the search range", base + "    av_sync:\n      late_ms: 1200\n",
			`config line 7: stream "lobby": av_sync.late_ms: must be in (0,1000] (got 1200)`},
		{"av_sync window too short", base + "    av_sync:\n      correlation:\n        window: 1s\n",
			`config line 8: stream "lobby": av_sync.correlation.window: must be in [4s,30s] (got 1s)`},
		{"unknown key far from any", "x: 1\n" + base,
			`config line 1: x: unknown key; known keys here: device, http, log_level, mqtt, outbox, stats_interval, streams`},
	}
	if len(cases) < 15 {
		t.Fatal("the issue asks for at least 15 bad configs")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse([]byte(tc.cfg), "", env(nil))
			if err == nil {
				t.Fatalf("no error for\n%s", tc.cfg)
			}
			if err.Error() != tc.want {
				t.Fatalf("config:\n%s\ngot:  %s\nwant: %s", tc.cfg, err, tc.want)
			}
		})
	}
}

// Check places the pipeline package's verdict at the stream's line.
func TestCheckWithValidator(t *testing.T) {
	cfg := base + "  - name: hall\n    pipeline: videotestsrc ! fakesink\n"
	c, err := parse([]byte(cfg), "", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var specs []event.Spec
	err = c.Check(func(s event.Spec) error {
		specs = append(specs, s)
		if s.Pipeline != "" {
			return errString("pipeline has no videoqc or audioqc element")
		}
		return nil
	})
	want := `config line 7: stream "hall": pipeline: pipeline has no videoqc or audioqc element`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if len(specs) != 2 || specs[0].Name != "lobby" || specs[0].Source != "file:///clips/a.ts" || specs[0].Properties["videoqc.black-ratio"] != "0.98" {
		t.Fatalf("specs: %+v", specs)
	}
	// A user pipeline gets properties only for the analysers it contains.
	if len(specs[1].Properties) != 0 {
		t.Fatalf("properties for absent elements: %v", specs[1].Properties)
	}
}

// The av_sync section becomes videoqc's av-* properties, defaults included,
// and only where the pipeline has a videoqc.
func TestAVSyncSection(t *testing.T) {
	cfg := base + "    av_sync:\n      late_ms: 150\n      correlation:\n        enabled: false\n" +
		"  - name: radio\n    pipeline: audiotestsrc ! audioqc ! fakesink\n"
	c, err := parse([]byte(cfg), "", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Streams[0].Spec().Properties
	for k, want := range map[string]string{"videoqc.av-late-ms": "150", "videoqc.av-correlation": "false",
		"videoqc.av-early-ms": "90", "videoqc.av-max-offset-ms": "1000", "videoqc.av-marker-tone-hz": "1000"} {
		if p[k] != want {
			t.Errorf("%s = %q, want %q", k, p[k], want)
		}
	}
	for k := range c.Streams[1].Spec().Properties {
		if strings.HasPrefix(k, "videoqc.") {
			t.Errorf("audio-only pipeline gets %s", k)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// The annotated example loads, and every key whose comment says "default"
// holds exactly the default: the documentation cannot drift from the code.
func TestExampleConfig(t *testing.T) {
	const file = "../../systemd/avwatch.yaml"
	c, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Streams) < 2 {
		t.Fatalf("example has %d streams", len(c.Streams))
	}
	raw, _ := os.ReadFile(file)
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	def := Defaults()
	def.Streams = []Stream{DefaultStream(), DefaultStream()}
	got := reflect.ValueOf(*c)
	want := reflect.ValueOf(def)
	checked := 0
	var walk func(n *yaml.Node, keys []string)
	walk = func(n *yaml.Node, keys []string) {
		switch n.Kind {
		case yaml.DocumentNode:
			walk(n.Content[0], keys)
		case yaml.SequenceNode:
			for i, e := range n.Content {
				walk(e, append(keys, "#"+string(rune('0'+i))))
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				kp := append(append([]string(nil), keys...), k.Value)
				comment := k.LineComment + v.LineComment
				if v.Kind != yaml.MappingNode && strings.Contains(comment, "default") {
					g, w := field(t, got, kp), field(t, want, kp)
					if !equalish(g, w) {
						t.Errorf("line %d: %s = %v, but the comment says default and the default is %v", k.Line, strings.Join(kp, "."), g, w)
					}
					checked++
				}
				walk(v, kp)
			}
		}
	}
	walk(&doc, nil)
	if checked < 30 {
		t.Fatalf("only %d keys marked default were checked", checked)
	}
}

// field follows yaml keys (and "#i" list indexes) through a value.
func field(t *testing.T, v reflect.Value, keys []string) any {
	for _, k := range keys {
		if strings.HasPrefix(k, "#") {
			v = v.Index(int(k[1] - '0'))
			continue
		}
		fields, _ := yamlFields(v.Type())
		i, ok := fields[k]
		if !ok {
			t.Fatalf("no field %q in %s", k, v.Type())
		}
		v = v.Field(i)
	}
	return v.Interface()
}

func equalish(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Slice && vb.Kind() == reflect.Slice && va.Len() == 0 && vb.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}
