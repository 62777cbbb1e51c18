// Package sdnotify speaks systemd's notify protocol: one unix datagram per
// state change to the socket named by $NOTIFY_SOCKET. It is the whole
// protocol (sd_notify(3)), so no library is needed and nothing is polled.
package sdnotify

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Notifier sends states to the service manager. The zero value and a nil
// *Notifier are valid and do nothing, so callers need no "under systemd?"
// branches.
type Notifier struct {
	addr     *net.UnixAddr
	watchdog time.Duration
}

// FromEnv reads $NOTIFY_SOCKET and $WATCHDOG_USEC/$WATCHDOG_PID. It returns a
// no-op Notifier when the process is not run by a service manager. The
// variables are unset afterwards, as sd_notify's unset_environment does, so
// child processes (pipelines) never talk to systemd in our name.
func FromEnv() (*Notifier, error) {
	n := &Notifier{}
	sock := os.Getenv("NOTIFY_SOCKET")
	if sock != "" {
		if !strings.HasPrefix(sock, "/") && !strings.HasPrefix(sock, "@") {
			return nil, fmt.Errorf("sdnotify: NOTIFY_SOCKET=%q: only unix socket paths (/…) and abstract names (@…) are supported", sock)
		}
		name := sock
		if name[0] == '@' {
			// Abstract namespace: Go's net package writes a leading NUL for '@'.
			name = "@" + name[1:]
		}
		n.addr = &net.UnixAddr{Name: name, Net: "unixgram"}
	}
	if us := os.Getenv("WATCHDOG_USEC"); us != "" {
		v, err := strconv.ParseUint(us, 10, 64)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("sdnotify: WATCHDOG_USEC=%q is not a positive integer", us)
		}
		// WATCHDOG_PID, when set, says which process the watchdog is meant
		// for; a forked helper must not ping on the main process's behalf.
		if pid := os.Getenv("WATCHDOG_PID"); pid == "" || pid == strconv.Itoa(os.Getpid()) {
			n.watchdog = time.Duration(v) * time.Microsecond
		}
	}
	os.Unsetenv("NOTIFY_SOCKET")
	os.Unsetenv("WATCHDOG_USEC")
	os.Unsetenv("WATCHDOG_PID")
	return n, nil
}

// Enabled reports whether notifications go anywhere.
func (n *Notifier) Enabled() bool { return n != nil && n.addr != nil }

// WatchdogInterval is the service's WatchdogSec, or 0 when the watchdog is off.
func (n *Notifier) WatchdogInterval() time.Duration {
	if n == nil || n.addr == nil {
		return 0
	}
	return n.watchdog
}

// Notify sends one or more "KEY=value" assignments (newline-separated, e.g.
// "READY=1\nSTATUS=2 streams"). A new socket per call keeps no state to go
// stale across a manager restart; notifications are rare.
func (n *Notifier) Notify(state string) error {
	if !n.Enabled() {
		return nil
	}
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("sdnotify: %s: %w", n.addr.Name, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: %s: %w", n.addr.Name, err)
	}
	return nil
}

// Ready, Reloading, Stopping, Watchdog and Status are the states avwatch uses.
func (n *Notifier) Ready(status string) error {
	return n.Notify("READY=1\nSTATUS=" + status)
}

// Reloading must be followed by Ready once the new config is in effect.
// MONOTONIC_USEC is required by Type=notify-reload and harmless otherwise.
func (n *Notifier) Reloading() error {
	return n.Notify("RELOADING=1\nMONOTONIC_USEC=" + strconv.FormatInt(monotonicUsec(), 10))
}

func (n *Notifier) Stopping() error       { return n.Notify("STOPPING=1") }
func (n *Notifier) Watchdog() error       { return n.Notify("WATCHDOG=1") }
func (n *Notifier) Status(s string) error { return n.Notify("STATUS=" + s) }
