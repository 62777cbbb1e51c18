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

	"github.com/avwatch/avwatch/pipeline/launch"
)

// probeCaps stop the probe's decodebin3 at elementary streams, before any
// decoder (a hardware one included) is opened. Not ANY: that matches the
// container itself (udpsrc already says video/mpegts) and nothing is
// demuxed. A format missing here is merely decoded during the probe.
const probeCaps = "video/x-raw(ANY); audio/x-raw(ANY); video/x-h264; video/x-h265; video/x-av1; video/x-vp9; video/x-vp8; " +
	"video/mpeg, systemstream=(boolean)false; image/jpeg; audio/mpeg; audio/x-ac3; audio/x-eac3; audio/x-opus; audio/x-vorbis; " +
	"audio/x-flac; audio/x-alaw; audio/x-mulaw; text/x-raw(ANY); subpicture/x-dvb; subpicture/x-dvd; subpicture/x-pgs; " +
	"application/x-teletext; meta/x-klv; application/x-rtp"

const fileProbeTimeout = 5 * time.Second

// probeMedia learns which streams a source carries: it runs the source into
// a decodebin3 that decodes nothing (see probeCaps) until decodebin3 posts its
// stream collection. The generated pipeline then has exactly one branch per
// stream (a branch without a stream would never preroll) and can name the
// video decoder. tick runs between bus polls (the stall watchdog).
func probeMedia(ctx context.Context, src launch.Source, timeout, poll time.Duration, tick func()) (launch.Media, error) {
	frag, err := launch.SourceFragment(launch.Input{Source: src})
	if err != nil {
		return launch.Media{}, err
	}
	p, err := parse(frag + " ! decodebin3 name=" + launch.DecodeName + " caps=" + launch.Quote(probeCaps))
	if err != nil {
		return launch.Media{}, fmt.Errorf("probing %s: %v", src.URI, err)
	}
	in := C.avw_inst_new(p)
	defer C.avw_inst_free(in)
	// PAUSED is enough for a file (the collection comes while prerolling);
	// a live source only produces data in PLAYING. A failure's reason is
	// on the bus, read below.
	if C.avw_inst_set_state(in, C.GST_STATE_PAUSED) == C.GST_STATE_CHANGE_NO_PREROLL {
		C.avw_inst_set_state(in, C.GST_STATE_PLAYING)
	}
	if src.Kind == launch.File && timeout > fileProbeTimeout {
		// A file's streams are known as soon as its header is read. Waiting
		// longer only matters when GStreamer lost the demuxer's error
		// (parsebin drops errors posted while it plugs an element).
		timeout = fileProbeTimeout
	}
	deadline := time.Now().Add(timeout)
	// A file's demuxer lists every stream at once. A live source may not:
	// rtspsrc adds one pad per media, and decodebin3 posts a collection per
	// input, so collections are merged for a short while.
	const settle = time.Second
	var seen *launch.Media
	var settleEnd time.Time
	var found string
	for {
		if ctx.Err() != nil {
			return launch.Media{}, ctx.Err()
		}
		now := time.Now()
		if seen != nil && (!src.Live() || now.After(settleEnd)) {
			return *seen, nil
		}
		if now.After(deadline) {
			if seen != nil {
				return *seen, nil
			}
			if found != "" {
				return launch.Media{}, fmt.Errorf("%s: no audio or video stream (found %s)", src.URI, found)
			}
			if src.Kind == launch.File {
				return launch.Media{}, fmt.Errorf("%s: no audio or video stream found within %s: the file is damaged or not a media file", src.URI, timeout)
			}
			return launch.Media{}, fmt.Errorf("%s: no audio or video arrived within %s", src.URI, timeout)
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
		text, debug, streams := C.GoString(info.text), C.GoString(info.debug), C.GoString(info.streams)
		srcName := C.GoString(info.src)
		C.avw_msg_clear(&info)
		C.avw_msg_unref(m)
		switch typ {
		case C.GST_MESSAGE_ERROR:
			if seen != nil { // e.g. not-linked after the collection: we know enough
				return *seen, nil
			}
			return launch.Media{}, fmt.Errorf("%s: %s", src.URI, errorText(srcName, text, debug))
		case C.GST_MESSAGE_EOS:
			if seen != nil {
				return *seen, nil
			}
			if found != "" {
				return launch.Media{}, fmt.Errorf("%s: no audio or video stream (found %s)", src.URI, found)
			}
			return launch.Media{}, fmt.Errorf("%s: ended before any audio or video stream was found", src.URI)
		case C.GST_MESSAGE_STREAM_COLLECTION:
			if srcName != launch.DecodeName {
				continue
			}
			media, complete := mediaFromStreams(streams)
			if !media.Video && !media.Audio {
				if f := streamKinds(streams); f != "" {
					found = f
				}
				continue
			}
			if seen == nil {
				seen = &launch.Media{}
				settleEnd = time.Now().Add(settle)
			}
			seen.Video = seen.Video || media.Video
			seen.Audio = seen.Audio || media.Audio
			if seen.Codec == launch.Unknown {
				seen.Codec = media.Codec
			}
			if complete && seen.Video && seen.Audio {
				return *seen, nil
			}
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
