//go:build !linux

package procs

// QuietMonitor does nothing outside Linux (see monitor_linux.go).
func QuietMonitor() bool { return false }

func threadID() int { return 0 }
