package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/avwatch/avwatch/agent/payload"
)

// statusDoc is GET /status.
type statusDoc struct {
	Device  string                 `json:"device"`
	MQTT    mqttStatus             `json:"mqtt"`
	Outbox  payload.OutboxStatus   `json:"outbox"`
	Streams []payload.StreamStatus `json:"streams"`
}

type mqttStatus struct {
	Connected bool     `json:"connected"`
	Brokers   []string `json:"brokers"`
	LastError string   `json:"last_error,omitempty"`
	Acked     uint64   `json:"acked"`
}

// startHTTP serves /healthz (200 while the supervisor loop answers) and
// /status (JSON) on addr.
func (a *Agent) startHTTP(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http.listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !a.inLoop(r.Context(), 2*time.Second, func() {}) {
			http.Error(w, "supervisor loop not answering", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		doc := statusDoc{
			Device:  a.topics.Device,
			MQTT:    mqttStatus{Connected: a.pub.Connected(), Brokers: a.cfg.BrokerURLs(), LastError: a.pub.LastError(), Acked: a.pub.Acked()},
			Outbox:  payload.OutboxStatus{Device: a.topics.Device, Time: time.Now().UTC(), Queued: a.ob.Len(), Dropped: a.ob.Dropped()},
			Streams: a.streamStatuses(),
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(doc)
	})
	a.http = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, BaseContext: func(net.Listener) context.Context { return context.Background() }}
	go a.http.Serve(ln)
	a.log.Info("http: serving /healthz and /status", "addr", ln.Addr().String())
	return nil
}
