// Package payload defines the MQTT topics and the JSON payloads the agent
// publishes. It is the wire contract: agent/schema holds a JSON Schema for
// each payload, and `avwatch watch` decodes with these same types.
package payload

import (
	"time"

	"github.com/avwatch/avwatch/elements/defect"
)

// Topics builds topic names under <prefix>/<device>/.
type Topics struct {
	Prefix string
	Device string
}

func (t Topics) base() string { return t.Prefix + "/" + t.Device + "/" }

// Status is the device's retained "online"/"offline"; "offline" is also the
// Last Will, so a dead agent shows as offline.
func (t Topics) Status() string { return t.base() + "status" }

// Outbox carries the retained OutboxStatus (queued and dropped counts).
func (t Topics) Outbox() string { return t.base() + "outbox" }

func (t Topics) StreamStatus(stream string) string { return t.base() + stream + "/status" }
func (t Topics) Alerts(stream string) string       { return t.base() + stream + "/alerts" }
func (t Topics) Defect(stream string, ty defect.Type) string {
	return t.base() + stream + "/defects/" + string(ty)
}
func (t Topics) Snapshot(stream string) string { return t.base() + stream + "/snapshot" }
func (t Topics) Stats(stream string) string    { return t.base() + stream + "/stats" }

// Device status values.
const (
	Online  = "online"
	Offline = "offline"
)

// Alert is one edge of a defect window, on <stream>/alerts at QoS 1.
type Alert struct {
	// ID is unique per alert; a QoS 1 redelivery carries the same ID.
	ID string `json:"id"`
	// Seq increases by one per message the device queues (alerts and
	// defect states share the counter), across restarts: a receiver sees
	// gaps only where the outbox was full and dropped.
	Seq    uint64      `json:"seq"`
	Device string      `json:"device"`
	Stream string      `json:"stream"`
	Type   defect.Type `json:"type"`
	Event  defect.Edge `json:"event"`
	// MediaTimeS is the media time (seconds) of the first bad frame or
	// sample for a start, of the first good one for an end, counted from
	// the first frame of the pipeline run (for a file: from its start).
	MediaTimeS float64 `json:"media_time_s"`
	// PTSS is the same instant as the raw buffer timestamp (seconds), for
	// matching with other tools on the same stream.
	PTSS float64 `json:"pts_s"`
	// Time is the wall-clock time the agent saw the edge (UTC).
	Time time.Time `json:"time"`
	// DurationS is on end alerts only: the window's media duration.
	DurationS *float64 `json:"duration_s,omitempty"`
	Value     float64  `json:"value"`
	Threshold float64  `json:"threshold"`
	Severity  string   `json:"severity"`
	Channel   *int     `json:"channel,omitempty"`
	OffsetMs  *float64 `json:"offset_ms,omitempty"`
	// DigitalZero marks silence made of exact zero samples.
	DigitalZero bool `json:"digital_zero,omitempty"`
	// StartID is, on an end, the ID of the start it closes.
	StartID string `json:"start_id,omitempty"`
	// ClosedBy is set when the agent, not the detector, ended the window:
	// "stream_stopped" (the stream stopped or restarted while it was open).
	ClosedBy string `json:"closed_by,omitempty"`
}

// DefectState is the retained current state of one defect type of a
// stream, on <stream>/defects/<type>, so a dashboard that connects late
// sees what is wrong now.
type DefectState struct {
	Device string      `json:"device"`
	Stream string      `json:"stream"`
	Type   defect.Type `json:"type"`
	Active bool        `json:"active"`
	// Since is when the state last changed (wall clock, UTC).
	Since time.Time `json:"since"`
	// MediaTimeS of the edge that set the state.
	MediaTimeS float64 `json:"media_time_s"`
	// AlertID is the alert that set the state.
	AlertID   string  `json:"alert_id"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Severity  string  `json:"severity"`
	// Channels lists the audio channels with the defect open (channel_loss).
	Channels []int `json:"channels,omitempty"`
}

// StreamStatus is the retained <stream>/status.
type StreamStatus struct {
	Device   string    `json:"device"`
	Stream   string    `json:"stream"`
	State    string    `json:"state"` // starting|playing|reconnecting|down|stopped
	Decoder  string    `json:"decoder,omitempty"`
	Fallback bool      `json:"fallback,omitempty"`
	Since    time.Time `json:"since"`
	Message  string    `json:"message,omitempty"`
	Restarts int       `json:"restarts"`
}

// Stats is <stream>/stats, published every stats interval: the latest
// statistics each analysis element reported (fps, frames analysed,
// features, loudness, cost), keyed by element then statistic name.
type Stats struct {
	Device   string                        `json:"device"`
	Stream   string                        `json:"stream"`
	Time     time.Time                     `json:"time"`
	State    string                        `json:"state"`
	Elements map[string]map[string]float64 `json:"elements"`
}

// OutboxStatus is the retained <device>/outbox: how many alerts wait for
// the broker, and how many were dropped because the outbox was full.
type OutboxStatus struct {
	Device  string    `json:"device"`
	Time    time.Time `json:"time"`
	Queued  int       `json:"queued"`
	Dropped uint64    `json:"dropped"`
}

// Severity ranks defect types: critical means nothing usable is going out,
// major is a visible/audible outage, minor is degraded quality.
func Severity(t defect.Type) string {
	switch t {
	case defect.SignalLoss:
		return "critical"
	case defect.Black, defect.Freeze, defect.Silence, defect.ChannelLoss:
		return "major"
	}
	return "minor"
}
