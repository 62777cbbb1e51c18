package broker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
)

// levelFilter passes records at or above min to h. mochi's listeners log
// the end of every client session that did not end cleanly as a warning
// with no message; one ended by closing the connection (the agent
// stopping, a watcher going away) is not worth a line, and the others get
// a message that says what they are.
type levelFilter struct {
	h   slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.h.Enabled(ctx, l)
}

func (f levelFilter) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "" {
		var closed bool
		r.Attrs(func(a slog.Attr) bool {
			if err, ok := a.Value.Any().(error); ok && (errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF)) {
				closed = true
			}
			return !closed
		})
		if closed {
			return nil
		}
		nr := slog.NewRecord(r.Time, r.Level, "embedded MQTT broker: a client session ended with an error", r.PC)
		r.Attrs(func(a slog.Attr) bool { nr.AddAttrs(a); return true })
		r = nr
	}
	return f.h.Handle(ctx, r)
}

func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{f.h.WithAttrs(a), f.min}
}
func (f levelFilter) WithGroup(g string) slog.Handler { return levelFilter{f.h.WithGroup(g), f.min} }
