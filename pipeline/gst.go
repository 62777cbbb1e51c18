// Package pipeline runs avwatch streams: it builds (pipeline/launch),
// validates and runs GStreamer pipelines, turns their bus messages into
// event.Events, watches for stalls, restarts live sources and falls back from
// hardware to software decoding.
package pipeline

/*
#cgo pkg-config: gstreamer-1.0
#include <stdlib.h>
#include "avw.h"
*/
import "C"

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/avwatch/avwatch/elements"
	"github.com/avwatch/avwatch/pipeline/launch"
)

var (
	initOnce sync.Once
	initErr  error
)

// Init initialises GStreamer and registers avwatch's elements, once per
// process. Start, Validate and the other entry points call it.
func Init() error {
	initOnce.Do(func() {
		gst.Init(nil)
		if err := elements.Register(nil); err != nil {
			initErr = fmt.Errorf("registering avwatch elements: %w", err)
		}
	})
	return initErr
}

// Version is the GStreamer version string, e.g. "GStreamer 1.22.0".
func Version() string {
	Init()
	v := C.avw_version()
	defer C.free(unsafe.Pointer(v))
	return C.GoString(v)
}

// Registry is the live GStreamer registry as a launch.Registry.
type Registry struct{}

// Has reports whether an element factory named f exists and its plugin
// loads (a factory the registry cache lists but the plugin no longer
// provides cannot be made: a GPU decoder whose GPU went away).
func (Registry) Has(f string) bool {
	Init()
	cs := C.CString(f)
	defer C.free(unsafe.Pointer(cs))
	return C.avw_has_factory(cs) != 0
}

// Rank returns a factory's rank, -1 when absent.
func Rank(f string) int {
	Init()
	cs := C.CString(f)
	defer C.free(unsafe.Pointer(cs))
	return int(C.avw_get_rank(cs))
}

// HasProperty reports whether elements made by factory have the property.
func HasProperty(factory, prop string) bool {
	Init()
	cf, cp := C.CString(factory), C.CString(prop)
	defer C.free(unsafe.Pointer(cf))
	defer C.free(unsafe.Pointer(cp))
	return C.avw_factory_has_property(cf, cp) != 0
}

// Klass returns a factory's klass metadata ("Codec/Decoder/Video/Hardware").
func Klass(f string) string {
	Init()
	cs := C.CString(f)
	defer C.free(unsafe.Pointer(cs))
	k := C.avw_factory_klass(cs)
	if k == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(k))
	return C.GoString(k)
}

// BestDecoder returns the video decoder decodebin3 would pick for caps now
// (after any rank raise): the highest-ranked decoder accepting them.
func BestDecoder(caps string) string { return first(Decoders(caps, "Video")) }

// BestAudioDecoder is BestDecoder for audio caps.
func BestAudioDecoder(caps string) string { return first(Decoders(caps, "Audio")) }

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Decoders lists the decoders decodebin3 would consider for caps now, best
// first; media is "Video" or "Audio" (the factories' klass).
func Decoders(caps, media string) []string {
	Init()
	cs, cm := C.CString(caps), C.CString(media)
	defer C.free(unsafe.Pointer(cs))
	defer C.free(unsafe.Pointer(cm))
	d := C.avw_decoders(cs, cm)
	if d == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(d))
	if *d == 0 {
		return nil
	}
	return strings.Split(C.GoString(d), ",")
}

var (
	rankMu    sync.Mutex
	origRanks = map[string]int{}
)

// raiseRanks makes decodebin3 prefer the named decoders, process-wide: ranks
// are a property of the registry, not of one pipeline. That is why only auto
// streams rely on it; explicit profiles and software name their decoder.
func raiseRanks(names []string) {
	rankMu.Lock()
	defer rankMu.Unlock()
	for _, n := range names {
		r := Rank(n)
		if r < 0 || r >= launch.RankHardware {
			continue
		}
		if _, ok := origRanks[n]; !ok {
			origRanks[n] = r
		}
		cs := C.CString(n)
		C.avw_set_rank(cs, C.int(launch.RankHardware))
		C.free(unsafe.Pointer(cs))
	}
}

// restoreRanks undoes raiseRanks (tests).
func restoreRanks() {
	rankMu.Lock()
	defer rankMu.Unlock()
	for n, r := range origRanks {
		cs := C.CString(n)
		C.avw_set_rank(cs, C.int(r))
		C.free(unsafe.Pointer(cs))
	}
	origRanks = map[string]int{}
}

// LivePipelines is the number of GStreamer pipelines this package created
// that still exist. Tests assert it returns to zero: nothing leaked.
func LivePipelines() int { return int(C.avw_live_pipelines()) }

// parseError is a launch string that does not parse.
type parseError struct {
	msg     string
	missing []string
	code    int
}

func (e *parseError) Error() string { return e.msg }

// GstParseError codes (gst/gstparse.h).
const (
	parseErrSyntax        = 0
	parseErrNoSuchElement = 1
	parseErrNoSuchProp    = 2
	parseErrLink          = 3
	// a value that does not fit the property
	parseErrCouldNotSetProp = 4
)

// parse builds a pipeline from a launch string.
func parse(desc string) (*C.GstElement, error) {
	if err := Init(); err != nil {
		return nil, err
	}
	cd := C.CString(desc)
	defer C.free(unsafe.Pointer(cd))
	var cerr, cmissing *C.char
	var code C.int
	p := C.avw_parse(cd, &cerr, &cmissing, &code)
	if p != nil {
		return p, nil
	}
	pe := &parseError{code: int(code)}
	if cerr != nil {
		pe.msg = C.GoString(cerr)
		C.free(unsafe.Pointer(cerr))
	}
	if cmissing != nil {
		pe.missing = strings.Split(C.GoString(cmissing), ",")
		C.free(unsafe.Pointer(cmissing))
	}
	return nil, pe
}

// element is one element of a parsed pipeline.
type element struct{ factory, name string }

func inventory(p *C.GstElement) []element {
	s := C.avw_inventory(p)
	defer C.free(unsafe.Pointer(s))
	var out []element
	for _, line := range strings.Split(C.GoString(s), "\n") {
		if f, n, ok := strings.Cut(line, "="); ok {
			out = append(out, element{f, n})
		}
	}
	return out
}

// unrefPipeline drops a pipeline that never ran.
func unrefPipeline(p *C.GstElement) {
	in := C.avw_inst_new(p)
	C.avw_inst_free(in)
}

// teardownTimeout bounds the wait for a pipeline to reach NULL.
var teardownTimeout = 5 * time.Second

// abandoned counts pipelines whose NULL transition never returned.
var abandoned atomic.Int64

// freeInst takes a pipeline to NULL and frees it, but waits at most
// teardownTimeout: GStreamer 1.22 can deadlock in the NULL transition (seen
// with decodebin3's multiqueue on a damaged file), and a stream must never
// hang on it. An abandoned pipeline keeps its threads and memory; it is
// counted (AbandonedPipelines) and the caller reports it.
func freeInst(in *C.avw_inst) bool {
	done := make(chan struct{})
	go func() {
		C.avw_inst_free(in)
		close(done)
	}()
	t := time.NewTimer(teardownTimeout)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		abandoned.Add(1)
		return false
	}
}

// AbandonedPipelines is the number of pipelines that did not stop within
// the teardown timeout (a GStreamer deadlock) and were left behind.
func AbandonedPipelines() int { return int(abandoned.Load()) }

// splitKey splits "element.prop".
func splitKey(key string) (string, string, error) {
	el, prop, ok := strings.Cut(key, ".")
	if !ok || el == "" || prop == "" {
		return "", "", fmt.Errorf("property %q: write element.property, e.g. videoqc.black-min-duration", key)
	}
	return el, prop, nil
}

// setProps applies "element.prop" -> value to p; check only validates. The
// element is found by name, else every element of that factory.
func setProps(p *C.GstElement, props map[string]string, check bool) []error {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		el, prop, err := splitKey(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ce, cp, cv := C.CString(el), C.CString(prop), C.CString(props[k])
		found := C.avw_find(p, ce)
		n := 0
		for e := found; *e != nil; e = (**C.GstElement)(unsafe.Add(unsafe.Pointer(e), unsafe.Sizeof(e))) {
			n++
			var msg *C.char
			if check {
				msg = C.avw_check_prop(*e, cp, cv)
			} else {
				msg = C.avw_set_prop(*e, cp, cv)
			}
			if msg != nil {
				errs = append(errs, fmt.Errorf("property %s: %s", k, C.GoString(msg)))
				C.free(unsafe.Pointer(msg))
			}
		}
		C.avw_free_found(found)
		C.free(unsafe.Pointer(ce))
		C.free(unsafe.Pointer(cp))
		C.free(unsafe.Pointer(cv))
		if n == 0 {
			errs = append(errs, fmt.Errorf("property %s: the pipeline has no element named or made by %q", k, el))
		}
	}
	return errs
}

// getProp reads "element.prop" from p (the first matching element).
func getProp(p *C.GstElement, key string) (string, error) {
	el, prop, err := splitKey(key)
	if err != nil {
		return "", err
	}
	ce, cp := C.CString(el), C.CString(prop)
	defer C.free(unsafe.Pointer(ce))
	defer C.free(unsafe.Pointer(cp))
	found := C.avw_find(p, ce)
	defer C.avw_free_found(found)
	if *found == nil {
		return "", fmt.Errorf("no element %q", el)
	}
	v := C.avw_get_prop(*found, cp)
	if v == nil {
		return "", fmt.Errorf("%s has no property %q", el, prop)
	}
	defer C.free(unsafe.Pointer(v))
	return C.GoString(v), nil
}
