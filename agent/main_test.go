package agent

import (
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/avwatch/avwatch/agent/config"
	"github.com/avwatch/avwatch/agent/internal/fakestream"
	"github.com/avwatch/avwatch/agent/supervisor"
)

// TestMain lets the test binary double as an agent process for the tests
// that kill it (kill -9, LWT): with AVWATCH_TEST_CHILD_CONFIG set it runs
// agent.Serve, exactly as `avwatch run` does, with scripted fake://
// streams in place of GStreamer pipelines.
func TestMain(m *testing.M) {
	if path := os.Getenv("AVWATCH_TEST_CHILD_CONFIG"); path != "" {
		os.Exit(runChild(path))
	}
	os.Exit(m.Run())
}

func runChild(path string) int {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "avwatch:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	err = Serve(Options{
		Config: cfg, ConfigPath: path, Starter: fakestream.Scripted, Logger: log,
		Supervisor:   supervisor.Options{BackoffMin: 50e6},
		ReconnectMin: 100e6,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "avwatch:", err)
		return 1
	}
	return 0
}
