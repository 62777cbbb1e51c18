// Command plugin is built with -buildmode=c-shared into libgstavwatch.so,
// the loadable GStreamer plugin that exports avwatch's elements to
// gst-launch-1.0, gst-inspect-1.0 and any GStreamer application:
//
//	make plugin
//	GST_PLUGIN_PATH=$PWD/build gst-inspect-1.0 videoqc
//
// Go programs must not load it (two Go runtimes in one process); they call
// elements.Register(nil) instead.
package main

/*
#cgo pkg-config: gstreamer-1.0
#include <gst/gst.h>
extern const GstPluginDesc avw_plugin_desc;
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/avwatch/avwatch/elements"
)

//export avwPluginInit
func avwPluginInit(plugin *C.GstPlugin) C.gboolean {
	if err := elements.Register(gst.FromGstPluginUnsafeNone(unsafe.Pointer(plugin))); err != nil {
		fmt.Fprintln(os.Stderr, "avwatch plugin:", err)
		return C.FALSE
	}
	return C.TRUE
}

//export gst_plugin_avwatch_get_desc
func gst_plugin_avwatch_get_desc() *C.GstPluginDesc { return &C.avw_plugin_desc }

func main() {}
