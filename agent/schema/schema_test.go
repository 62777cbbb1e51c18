package schema

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/agent/payload"
	"github.com/avwatch/avwatch/elements/defect"
)

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// The Go payload types and the schemas agree; real payloads from the agent
// are validated in the agent's tests.
func TestPayloadTypesMatchSchemas(t *testing.T) {
	dur, ch := 2.5, 1
	now := time.Now().UTC()
	id := "0123456789abcdef01234567"
	cases := map[string]any{
		Alert: payload.Alert{ID: id, Seq: 7, Device: "box", Stream: "lobby", Type: defect.Black, Event: defect.End,
			MediaTimeS: 12.5, Time: now, DurationS: &dur, Value: 0.99, Threshold: 0.98, Severity: "major", Channel: &ch, StartID: id},
		DefectState:  payload.DefectState{Device: "box", Stream: "lobby", Type: defect.ChannelLoss, Active: true, Since: now, AlertID: id, Severity: "major", Channels: []int{0, 1}},
		StreamStatus: payload.StreamStatus{Device: "box", Stream: "lobby", State: "playing", Decoder: "avdec_h264", Since: now},
		Stats:        payload.Stats{Device: "box", Stream: "lobby", Time: now, State: "playing", Elements: map[string]map[string]float64{"videoqc": {"fps": 25}}},
		Outbox:       payload.OutboxStatus{Device: "box", Time: now, Queued: 3, Dropped: 0},
	}
	for name, v := range cases {
		if err := Validate(name, mustJSON(v)); err != nil {
			t.Error(err)
		}
	}
}

func TestViolationsAreReported(t *testing.T) {
	bad := `{"id":"xyz","seq":0,"device":"box","stream":"s","type":"purple","event":"start","media_time_s":"1","time":"yesterday","value":1,"threshold":1,"severity":"major","extra":1}`
	err := Validate(Alert, []byte(bad))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`$.id: "xyz" does not match`, "$.seq: 0 < minimum 1", "$.type: purple is not one of", "$.media_time_s: type is string", `$.time: "yesterday" is not an RFC 3339`, `property "extra" is not in the schema`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

func TestEverySchemaIsSupported(t *testing.T) {
	for _, n := range Names() {
		// An empty object fails "required" but must not hit an unsupported keyword.
		err := Validate(n, []byte(`{}`))
		if err != nil && strings.Contains(err.Error(), "not supported by this validator") {
			t.Error(err)
		}
	}
}
