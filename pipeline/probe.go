package pipeline

/*
#include <stdlib.h>
#include "avw.h"
*/
import "C"

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/avwatch/avwatch/pipeline/container"
	"github.com/avwatch/avwatch/pipeline/integrity"
	"github.com/avwatch/avwatch/pipeline/launch"
)

// fileProbeTimeout: a healthy file shows its streams in milliseconds. The
// wait only runs out when parsebin dropped the demuxer's error (it filters
// errors posted while it plugs an element, and qtdemux's "no playable
// streams" for an MP4 without its index races into that window).
const fileProbeTimeout = 3 * time.Second

// settle is how long to wait for more streams after the first when the
// element never says no-more-pads (a stream listed but damaged).
func settle(src launch.Source) time.Duration {
	if src.Live() {
		return time.Second
	}
	return 300 * time.Millisecond
}

// probeMedia learns which streams a source carries, so that the generated
// pipeline has exactly one branch per stream (a branch without a stream
// would never end) and can name the video decoder. A file's index answers
// at once where the container package understands it; anything else is
// asked of GStreamer (probeGStreamer). tick runs between bus polls (the
// stall watchdog).
func probeMedia(ctx context.Context, src launch.Source, timeout, poll time.Duration, tick func()) (launch.Media, error) {
	if src.Kind == launch.File {
		// No index, nothing to probe (and parsebin may lose qtdemux's
		// error about it, see fileProbeTimeout).
		if err := integrity.Playable(src.Path); err != nil {
			return launch.Media{}, err
		}
		if s, ok := container.List(src.Path); ok {
			return mediaOf(s), nil
		}
	}
	return probeGStreamer(ctx, src, timeout, poll, tick)
}

// mediaOf converts the container package's answer.
func mediaOf(s container.Streams) launch.Media {
	return launch.Media{Video: s.Video, Audio: s.Audio, Codec: launch.CodecFromCaps(s.VideoCaps)}
}

// probeGStreamer runs the source into a parsebin (or, for RTSP, rtspsrc
// alone, whose pads carry the SDP's encoding names) and records the pads it
// exposes until no-more-pads. Nothing is decoded. (decodebin3 stopping
// before its decoders was used first; its multiqueue deadlocks in the NULL
// transition now and then on damaged files.)
func probeGStreamer(ctx context.Context, src launch.Source, timeout, poll time.Duration, tick func()) (launch.Media, error) {
	var desc string
	if src.Kind == launch.RTSP {
		desc = fmt.Sprintf("rtspsrc location=%s latency=200 name=probe", launch.Quote(src.URI))
	} else {
		frag, err := launch.SourceFragment(launch.Input{Source: src})
		if err != nil {
			return launch.Media{}, err
		}
		desc = frag + " ! parsebin name=probe"
	}
	p, err := parse(desc)
	if err != nil {
		return launch.Media{}, fmt.Errorf("probing %s: %v", src.URI, err)
	}
	cname := C.CString("probe")
	pr := C.avw_probe_attach(p, cname)
	C.free(unsafe.Pointer(cname))
	in := C.avw_inst_new(p)
	defer freeInst(in)
	defer C.avw_probe_unref(pr)
	// PAUSED is enough for a file; a live source only produces data in
	// PLAYING. A failure's reason is on the bus, read below.
	if C.avw_inst_set_state(in, C.GST_STATE_PAUSED) == C.GST_STATE_CHANGE_NO_PREROLL {
		C.avw_inst_set_state(in, C.GST_STATE_PLAYING)
	}
	if src.Kind == launch.File && timeout > fileProbeTimeout {
		timeout = fileProbeTimeout
	}
	deadline := time.Now().Add(timeout)
	var firstSeen time.Time
	streams := func() (launch.Media, bool, string) {
		var noMore C.int
		cs := C.avw_probe_streams(pr, &noMore)
		s := C.GoString(cs)
		C.free(unsafe.Pointer(cs))
		m, _ := mediaFromStreams(s)
		return m, noMore != 0, s
	}
	result := func(m launch.Media, all string, fail error) (launch.Media, error) {
		if m.Video || m.Audio {
			return m, nil
		}
		if f := streamKinds(all); f != "" {
			return launch.Media{}, fmt.Errorf("%s: no audio or video stream (found %s)", src.URI, f)
		}
		return launch.Media{}, fail
	}
	for {
		if ctx.Err() != nil {
			return launch.Media{}, ctx.Err()
		}
		if m, done, all := streams(); done {
			return result(m, all, fmt.Errorf("%s: no streams", src.URI))
		} else if m.Video || m.Audio {
			if firstSeen.IsZero() {
				firstSeen = time.Now()
			} else if time.Since(firstSeen) >= settle(src) {
				return m, nil
			}
		}
		if time.Now().After(deadline) {
			m, _, all := streams()
			fail := fmt.Errorf("%s: no audio or video arrived within %s", src.URI, timeout)
			if src.Kind == launch.File {
				fail = fmt.Errorf("%s: no audio or video stream found within %s: the file is damaged or not a media file", src.URI, timeout)
			}
			return result(m, all, fail)
		}
		m := C.avw_inst_pop(in, C.gint64(poll))
		if tick != nil {
			tick()
		}
		if m == nil {
			continue
		}
		var info C.avw_msg
		C.avw_msg_read(m, &info)
		typ := info._type
		text, debug, srcName := C.GoString(info.text), C.GoString(info.debug), C.GoString(info.src)
		C.avw_msg_clear(&info)
		C.avw_msg_unref(m)
		switch typ {
		case C.GST_MESSAGE_ERROR:
			// After the pads are out, unlinked ones end in not-linked: what
			// was exposed is the answer.
			m, _, all := streams()
			return result(m, all, fmt.Errorf("%s: %s", src.URI, errorText(srcName, text, debug)))
		case C.GST_MESSAGE_EOS:
			m, _, all := streams()
			return result(m, all, fmt.Errorf("%s: ended before any audio or video stream was found", src.URI))
		}
	}
}

// streamKinds summarises a collection for an error message: "subtitle,
// other (application/x-foo)".
func streamKinds(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		kind, caps, ok := strings.Cut(line, "|")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(caps, ",")
		out = append(out, kind+" ("+strings.TrimSpace(name)+")")
	}
	return strings.Join(out, ", ")
}

// mediaFromStreams reads avw_msg.streams ("video|caps\n" per stream).
// complete is false while a video stream has no caps yet.
func mediaFromStreams(s string) (m launch.Media, complete bool) {
	complete = true
	for _, line := range strings.Split(s, "\n") {
		kind, caps, ok := strings.Cut(line, "|")
		if !ok {
			continue
		}
		if kind == "other" { // RTP before depayloading
			kind = launch.RTPMedia(caps)
		}
		switch kind {
		case "video":
			if !m.Video {
				m.Video = true
				m.Codec = launch.CodecFromCaps(caps)
				if caps == "" {
					complete = false
				}
			}
		case "audio":
			m.Audio = true
		}
	}
	return m, complete
}

// errorText makes a GStreamer error readable: the element, the message, and
// the useful tail of the debug string ("reason not-negotiated (-4)").
func errorText(src, text, debug string) string {
	s := text
	if src != "" {
		s = src + ": " + text
	}
	if debug != "" {
		tail := debug
		if i := strings.LastIndex(debug, ":\n"); i >= 0 {
			tail = debug[i+2:]
		} else if i := strings.LastIndex(debug, "): "); i >= 0 {
			tail = debug[i+3:]
			if strings.HasPrefix(tail, "/Gst") { // only the element's path
				tail = ""
				if j := strings.Index(debug[i+3:], ": "); j >= 0 {
					tail = debug[i+3+j+2:]
				}
			}
		}
		tail = strings.TrimSpace(strings.ReplaceAll(tail, "\n", " "))
		if tail != "" && !strings.Contains(s, tail) && len(tail) < 200 {
			s += " (" + tail + ")"
		}
	}
	return s
}
