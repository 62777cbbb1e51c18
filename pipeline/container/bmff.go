package container

import (
	"encoding/binary"
	"io"
)

// ISO BMFF (MP4, MOV): the tracks in the moov box.

// maxMoov bounds the index read into memory (a two-hour MP4's is a few MB).
const maxMoov = 64 << 20

func listBMFF(r io.ReaderAt, size int64) (Streams, bool) {
	hdr := make([]byte, 16)
	for pos := int64(0); pos+8 <= size; {
		typ, boxSize, err := BoxAt(r, pos, hdr)
		if err != nil || !Printable(typ) {
			return Streams{}, false
		}
		hlen := int64(8)
		if LargeHeader(hdr) {
			hlen = 16
		}
		if boxSize == 0 {
			boxSize = size - pos
		}
		if boxSize < hlen || pos+boxSize > size {
			return Streams{}, false
		}
		if string(typ) == "moov" {
			if boxSize-hlen > maxMoov {
				return Streams{}, false
			}
			moov := make([]byte, boxSize-hlen)
			if _, err := r.ReadAt(moov, pos+hlen); err != nil {
				return Streams{}, false
			}
			return listMoov(moov)
		}
		pos += boxSize
	}
	return Streams{}, false
}

// boxes calls fn for each box in b (a box's payload), stopping at the
// first false; false when b is not a clean chain of boxes.
func boxes(b []byte, fn func(typ string, payload []byte) bool) bool {
	for len(b) > 0 {
		if len(b) < 8 {
			return false
		}
		size := uint64(binary.BigEndian.Uint32(b))
		hlen := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return false
			}
			size, hlen = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hlen || size > uint64(len(b)) {
			return false
		}
		if !fn(string(b[4:8]), b[hlen:size]) {
			return true
		}
		b = b[size:]
	}
	return true
}

// child returns the payload of the first box of type typ in b.
func child(b []byte, typ string) ([]byte, bool) {
	var out []byte
	found := false
	boxes(b, func(t string, p []byte) bool {
		if t == typ {
			out, found = p, true
			return false
		}
		return true
	})
	return out, found
}

func listMoov(moov []byte) (Streams, bool) {
	var s Streams
	ok := true
	clean := boxes(moov, func(typ string, p []byte) bool {
		switch typ {
		case "trak":
			ok = listTrak(p, &s)
		case "mvex", "cmov":
			// Fragmented (the samples are in moof boxes, the moov's
			// tables are empty) or a compressed index.
			ok = false
		}
		return ok
	})
	if !clean || !ok || !s.any() {
		return Streams{}, false
	}
	return s, true
}

// Handlers of tracks qtdemux exposes as neither audio nor video (text,
// subtitles, timecode, hints, metadata): they need no branch.
var otherHandlers = map[string]bool{
	"text": true, "sbtl": true, "subt": true, "clcp": true, "subp": true,
	"tmcd": true, "hint": true, "meta": true, "odsm": true, "sdsm": true,
}

// Video sample entries whose media type does not depend on anything else
// in the track (mp4v does: MPEG-4 part 2, MPEG-2 or JPEG by its esds).
var videoEntries = map[string]string{
	"avc1": "video/x-h264", "avc3": "video/x-h264",
	"hvc1": "video/x-h265", "hev1": "video/x-h265",
	"av01": "video/x-av1", "vp09": "video/x-vp9", "vp08": "video/x-vp8",
	"jpeg": "image/jpeg", "mjpa": "image/jpeg",
}

func listTrak(trak []byte, s *Streams) bool {
	mdia, ok := child(trak, "mdia")
	if !ok {
		return false
	}
	hdlr, ok := child(mdia, "hdlr")
	if !ok || len(hdlr) < 12 {
		return false
	}
	handler := string(hdlr[8:12])
	if otherHandlers[handler] {
		return true
	}
	if handler != "vide" && handler != "soun" {
		return false
	}
	tkhd, ok := child(trak, "tkhd")
	if !ok || len(tkhd) < 4 || tkhd[3]&1 == 0 {
		return false // a disabled track: whether it is exposed is qtdemux's call
	}
	minf, ok := child(mdia, "minf")
	if !ok {
		return false
	}
	stbl, ok := child(minf, "stbl")
	if !ok {
		return false
	}
	stsd, ok := child(stbl, "stsd")
	if !ok || len(stsd) < 16 || binary.BigEndian.Uint32(stsd[4:]) == 0 {
		return false
	}
	entry := string(stsd[12:16]) // version/flags, count, then the first entry's size and type
	if samples(stbl) == 0 {
		return false // an empty track: qtdemux may drop it
	}
	if handler == "soun" {
		if entry == "enca" {
			return false
		}
		s.add(false, "")
		return true
	}
	caps, known := videoEntries[entry]
	if !known {
		return false
	}
	s.add(true, caps)
	return true
}

// samples is the track's sample count from its sample size table.
func samples(stbl []byte) uint32 {
	for _, t := range []string{"stsz", "stz2"} {
		if b, ok := child(stbl, t); ok && len(b) >= 12 {
			return binary.BigEndian.Uint32(b[8:])
		}
	}
	return 0
}
