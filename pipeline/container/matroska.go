package container

import (
	"io"
	"strings"
)

// Matroska and WebM: the EBML header, then a Segment whose Tracks element
// (before the first Cluster in every muxer we know) lists the tracks;
// matroskademux exposes a pad per track as soon as it has read them.

const (
	ebmlHeader = 0x1A45DFA3
	segment    = 0x18538067
	tracks     = 0x1654AE6B
	cluster    = 0x1F43B675
	trackEntry = 0xAE
	trackType  = 0x83
	codecID    = 0x86
	flagEnable = 0xB9
	encodings  = 0x6D80
)

// maxMKVScan bounds how far into the file List looks for the Tracks
// element, and maxTracks its size.
const (
	maxMKVScan = 16 << 20
	maxTracks  = 1 << 20
)

// isEBML recognises a Matroska or WebM file by its first element.
func isEBML(b []byte) bool {
	return len(b) >= 4 && b[0] == 0x1A && b[1] == 0x45 && b[2] == 0xDF && b[3] == 0xA3
}

// vint reads an EBML variable-length integer: with its length marker for
// an element ID, without it for a size (unknown: all value bits set).
func vint(b []byte, keepMarker bool) (v uint64, n int, unknown bool) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, false
	}
	n = 1
	for m := byte(0x80); b[0]&m == 0; m >>= 1 {
		n++
	}
	if n > 8 || len(b) < n {
		return 0, 0, false
	}
	first := uint64(b[0])
	if !keepMarker {
		first &= 0xff >> n
	}
	v, ones := first, first == 0xff>>n
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
		ones = ones && c == 0xff
	}
	return v, n, ones && !keepMarker
}

// element reads the header of the element at b: its ID, the header's
// length and its payload size (-1: unknown).
func element(b []byte) (id uint64, hdr int, size int64, ok bool) {
	id, n, _ := vint(b, true)
	if n == 0 || n > 4 {
		return 0, 0, 0, false
	}
	s, m, unknown := vint(b[n:], false)
	if m == 0 {
		return 0, 0, 0, false
	}
	if unknown {
		return id, n + m, -1, true
	}
	return id, n + m, int64(s), true
}

func listMKV(r io.ReaderAt, size int64) (Streams, bool) {
	hb := make([]byte, 12) // the longest header: a 4-byte ID and an 8-byte size
	at := func(pos int64) (id uint64, hdr int, sz int64, ok bool) {
		n, _ := r.ReadAt(hb, pos)
		id, hdr, sz, ok = element(hb[:n])
		return id, hdr, sz, ok && (sz < 0 || pos+int64(hdr)+sz <= size)
	}
	id, hdr, sz, ok := at(0)
	if !ok || id != ebmlHeader || sz < 0 {
		return Streams{}, false
	}
	pos := int64(hdr) + sz
	if id, hdr, _, ok = at(pos); !ok || id != segment {
		return Streams{}, false
	}
	// The Segment's children, in order, until Tracks.
	for pos += int64(hdr); pos < size && pos < maxMKVScan; {
		id, hdr, sz, ok := at(pos)
		if !ok || sz < 0 || id == cluster {
			return Streams{}, false
		}
		if id == tracks {
			if sz > maxTracks {
				return Streams{}, false
			}
			b := make([]byte, sz)
			if _, err := r.ReadAt(b, pos+int64(hdr)); err != nil && !(err == io.EOF && len(b) == 0) {
				return Streams{}, false
			}
			return listTracks(b)
		}
		pos += int64(hdr) + sz
	}
	return Streams{}, false
}

// children calls fn for each child element of payload b; false when b is
// not a clean run of elements or fn says so.
func children(b []byte, fn func(id uint64, p []byte) bool) bool {
	for len(b) > 0 {
		id, hdr, sz, ok := element(b)
		if !ok || sz < 0 || int64(hdr)+sz > int64(len(b)) {
			return false
		}
		if !fn(id, b[hdr:int64(hdr)+sz]) {
			return false
		}
		b = b[int64(hdr)+sz:]
	}
	return true
}

// Video codec IDs whose media type matroskademux decides from the ID.
var mkvVideo = map[string]string{
	"V_MPEG4/ISO/AVC":  "video/x-h264",
	"V_MPEGH/ISO/HEVC": "video/x-h265",
	"V_AV1":            "video/x-av1",
	"V_VP9":            "video/x-vp9",
	"V_VP8":            "video/x-vp8",
	"V_MPEG2":          "video/mpeg, mpegversion=(int)2",
	"V_MPEG1":          "video/mpeg, mpegversion=(int)1",
	"V_MJPEG":          "image/jpeg",
}

// Audio codec ID prefixes matroskademux knows.
var mkvAudio = []string{"A_AAC", "A_AC3", "A_EAC3", "A_DTS", "A_OPUS", "A_VORBIS", "A_FLAC", "A_PCM/", "A_MPEG/L2", "A_MPEG/L3", "A_ALAC", "A_TRUEHD"}

func listTracks(b []byte) (Streams, bool) {
	var s Streams
	ok := children(b, func(id uint64, p []byte) bool {
		if id != trackEntry {
			return true
		}
		typ, codec, enabled := uint64(0), "", true
		clean := children(p, func(id uint64, v []byte) bool {
			switch id {
			case trackType:
				typ = ebmlUint(v)
			case codecID:
				codec = strings.TrimRight(string(v), "\x00")
			case flagEnable:
				enabled = ebmlUint(v) != 0
			case encodings:
				return false // compressed or encrypted frames: left to matroskademux
			}
			return true
		})
		if !clean || !enabled {
			return false
		}
		switch typ {
		case 1:
			caps, known := mkvVideo[codec]
			if !known {
				return false
			}
			s.add(true, caps)
		case 2:
			for _, a := range mkvAudio {
				if strings.HasPrefix(codec, a) {
					s.add(false, "")
					return true
				}
			}
			return false
		case 0x11: // subtitles: a text pad, no branch
		default:
			return false
		}
		return true
	})
	if !ok || !s.any() {
		return Streams{}, false
	}
	return s, true
}

// ebmlUint reads a big-endian unsigned EBML integer (at most 8 bytes).
func ebmlUint(v []byte) uint64 {
	var n uint64
	for _, c := range v {
		n = n<<8 | uint64(c)
	}
	return n
}
