package agent

import (
	"context"
	"time"
)

// startWatchdog pings systemd (WATCHDOG=1) at half the watchdog interval,
// but only after the supervisor loop answered: a wedged loop stops the
// pings and systemd restarts the service. The returned channel closes when
// the pinger has exited.
func (a *Agent) startWatchdog(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	iv := a.notify.WatchdogInterval()
	if iv <= 0 {
		close(done)
		return done
	}
	half := iv / 2
	go func() {
		defer close(done)
		t := time.NewTicker(half)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if a.inLoop(ctx, half, func() {}) {
				a.notify.Watchdog()
			} else if ctx.Err() == nil {
				a.log.Error("watchdog: the supervisor loop did not answer; not pinging systemd", "waited", half.String())
			}
		}
	}()
	return done
}
