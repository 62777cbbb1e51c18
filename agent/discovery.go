package agent

import (
	"encoding/json"
	"regexp"

	"github.com/avwatch/avwatch/agent/config"
	"github.com/avwatch/avwatch/elements/defect"
)

var haUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_-]`)

// haDiscovery is a Home Assistant MQTT discovery config for a
// binary_sensor (https://www.home-assistant.io/integrations/binary_sensor.mqtt/).
type haDiscovery struct {
	Name                string   `json:"name"`
	UniqueID            string   `json:"unique_id"`
	ObjectID            string   `json:"object_id"`
	StateTopic          string   `json:"state_topic"`
	ValueTemplate       string   `json:"value_template"`
	PayloadOn           string   `json:"payload_on"`
	PayloadOff          string   `json:"payload_off"`
	DeviceClass         string   `json:"device_class"`
	AvailabilityTopic   string   `json:"availability_topic"`
	PayloadAvailable    string   `json:"payload_available"`
	PayloadNotAvailable string   `json:"payload_not_available"`
	Device              haDevice `json:"device"`
}

type haDevice struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
}

// publishDiscovery announces one "problem" binary sensor per stream and
// defect type, driven by the retained defects/<type> state.
func (a *Agent) publishDiscovery(cfg *config.Config) {
	ha := cfg.MQTT.HomeAssistant
	if !ha.Enabled {
		return
	}
	dev := haUnsafe.ReplaceAllString(cfg.Device, "_")
	for _, s := range cfg.Streams {
		if !s.Enabled {
			continue
		}
		for _, t := range defect.Types {
			id := "avwatch_" + dev + "_" + haUnsafe.ReplaceAllString(s.Name, "_") + "_" + string(t)
			b, _ := json.Marshal(haDiscovery{
				Name:                s.Name + " " + string(t),
				UniqueID:            id,
				ObjectID:            id,
				StateTopic:          a.topics.Defect(s.Name, t),
				ValueTemplate:       "{{ 'ON' if value_json.active else 'OFF' }}",
				PayloadOn:           "ON",
				PayloadOff:          "OFF",
				DeviceClass:         "problem",
				AvailabilityTopic:   a.topics.Status(),
				PayloadAvailable:    "online",
				PayloadNotAvailable: "offline",
				Device:              haDevice{Identifiers: []string{"avwatch_" + dev}, Name: "avwatch " + cfg.Device, Manufacturer: "avwatch", Model: "avwatch agent"},
			})
			a.pub.SetLatest(ha.Prefix+"/binary_sensor/"+id+"/config", b, true)
		}
	}
}
