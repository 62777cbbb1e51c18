// Package elements registers avwatch's GStreamer elements. Go programs call
// Register after gst.Init; the loadable plugin (elements/plugin) calls it
// with its GstPlugin.
package elements

import (
	"fmt"
	"sync"

	"github.com/go-gst/go-gst/gst"

	"github.com/avwatch/avwatch/elements/audioqc"
	"github.com/avwatch/avwatch/elements/videoqc"
)

var once sync.Once
var onceErr error

// Register registers every avwatch element with plugin (nil: statically,
// in-process). Registering twice in one process is a no-op.
func Register(plugin *gst.Plugin) error {
	once.Do(func() {
		for name, reg := range map[string]func(*gst.Plugin) error{
			"videoqc": videoqc.Register,
			"audioqc": audioqc.Register,
		} {
			if err := reg(plugin); err != nil {
				onceErr = fmt.Errorf("registering %s: %w", name, err)
				return
			}
		}
	})
	return onceErr
}
