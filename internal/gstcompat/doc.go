// Package gstcompat keeps avwatch building against, and running on,
// GStreamer 1.20 (Ubuntu 22.04, JetPack 6) as well as 1.22 (Debian 12).
//
// The work is done by gstcompat.h, which mk/compat.mk force-includes into
// every cgo compile (CGO_CFLAGS=-include ...): go-gst v1.4.0, which we
// cannot edit, calls gst_debug_message_get_id (GStreamer 1.22); the header
// turns that call into a run-time lookup that yields NULL ("") on 1.20.
// Without it go-gst does not compile against 1.20, and a 1.22 build needs
// libgstreamer 1.22 to start.
//
// The test here guards, in make test, that the avwatch binary references no
// GStreamer symbol newer than 1.20 and no GLib symbol newer than 2.72
// (Ubuntu 22.04's). scripts/check-gst120.sh (make check-gst120) goes
// further: it builds against 1.20 and runs with it.
package gstcompat
