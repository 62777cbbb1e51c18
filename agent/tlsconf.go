package agent

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/avwatch/avwatch/agent/config"
)

// tlsConfig builds the client TLS settings, or nil when no broker URL uses
// TLS. Config validation already checked that the files load; errors here
// mean they changed since.
func tlsConfig(cfg *config.Config) (*tls.Config, error) {
	secure := false
	for _, b := range cfg.BrokerURLs() {
		for _, s := range []string{"ssl://", "tls://", "mqtts://", "wss://"} {
			secure = secure || strings.HasPrefix(b, s)
		}
	}
	if !secure {
		return nil, nil
	}
	t := cfg.MQTT.TLS
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return nil, fmt.Errorf("mqtt.tls.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt.tls.ca: %s holds no PEM certificate", t.CA)
		}
		c.RootCAs = pool
	}
	if t.Cert != "" {
		kp, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("mqtt.tls.cert/key: %w", err)
		}
		c.Certificates = []tls.Certificate{kp}
	}
	return c, nil
}
