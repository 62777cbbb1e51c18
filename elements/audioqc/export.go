package audioqc

// #include <gst/gst.h>
import "C"

import (
	"unsafe"

	"github.com/go-gst/go-glib/glib"
	"github.com/go-gst/go-gst/gst"
)

// goAudioqcTransformIP is audioqc's transform_ip. It finds the Go element
// from the GObject's private data (a map lookup, no allocation).
//
//export goAudioqcTransformIP
func goAudioqcTransformIP(trans, buf unsafe.Pointer) C.int {
	e, ok := glib.FromObjectUnsafePrivate(trans).(*element)
	if !ok {
		return C.int(gst.FlowError)
	}
	return C.int(e.transformIP(buf))
}
