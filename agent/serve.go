package agent

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Serve runs the agent as a daemon until SIGTERM or SIGINT, reloading the
// config on SIGHUP. It is what `avwatch run` does once the config loaded.
func Serve(o Options) error {
	a, err := New(o)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-hup:
				a.log.Info("SIGHUP: reloading the config", "file", o.ConfigPath)
				a.Reload(ctx) // logs its own outcome
			case <-ctx.Done():
				return
			}
		}
	}()
	return a.Run(ctx)
}
