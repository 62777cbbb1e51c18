// Package media drives the GStreamer pipelines of the test-clip generator
// and of its tests: encode Go-rendered frames to H.264, mux them with
// Go-synthesised sound, decode clips back to pixels and samples.
package media

/*
#cgo pkg-config: gstreamer-1.0
#include <gst/gst.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

var initOnce sync.Once

// Init initialises GStreamer once per process.
func Init() { initOnce.Do(func() { gst.Init(nil) }) }

// GstVersion is the runtime GStreamer version, e.g. "GStreamer 1.22.0".
func GstVersion() string {
	Init()
	s := C.gst_version_string()
	defer C.g_free(C.gpointer(s))
	return C.GoString(s)
}

// setDTS sets a buffer's decoding timestamp (go-gst v1.4.0 has no setter).
func setDTS(b *gst.Buffer, dts time.Duration) {
	(*C.GstBuffer)(unsafe.Pointer(b.Instance())).dts = C.GstClockTime(dts)
}

// run plays p until EOS while the workers feed and drain it. An error on
// the bus stops the pipeline (which unblocks the workers) and is returned.
func run(p *gst.Pipeline, timeout time.Duration, workers ...func() error) error {
	// The wrapper's finalizer drops the pipeline's last reference; if the GC
	// runs it while SetState is inside C (the Go value is dead by then) the
	// pipeline is disposed mid-change and the process crashes. Hold our own
	// reference until the pipeline is in NULL.
	p.Ref()
	defer func() {
		p.Unref()
		runtime.KeepAlive(p)
	}()
	bus := p.GetPipelineBus()
	if err := p.SetState(gst.StatePlaying); err != nil {
		return fmt.Errorf("pipeline will not start: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(workers))
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w()
		}()
	}
	var busErr error
	deadline := time.Now().Add(timeout)
	for busErr == nil {
		msg := bus.TimedPopFiltered(gst.ClockTime(200*time.Millisecond), gst.MessageEOS|gst.MessageError)
		if msg == nil {
			if time.Now().After(deadline) {
				busErr = fmt.Errorf("pipeline did not finish within %v", timeout)
			}
			continue
		}
		if msg.Type() == gst.MessageError {
			gerr := msg.ParseError()
			busErr = fmt.Errorf("%s: %s (%s)", msg.Source(), gerr.Error(), gerr.DebugString())
			break
		}
		break // EOS
	}
	if busErr != nil {
		p.SetState(gst.StateNull)
		wg.Wait()
		return busErr
	}
	wg.Wait()
	p.SetState(gst.StateNull)
	return errors.Join(errs...)
}
