package container

import (
	"encoding/binary"
	"io"
)

// MPEG-TS: the single program's PMT and the first PES packet of each of
// its audio and video streams.

// maxTSScan bounds how far List reads into a transport stream for its
// tables and the first packet of every stream (they come within the first
// few hundred milliseconds of any broadcast or recording).
const maxTSScan = 8 << 20

// tsMedia is what an elementary stream becomes: video with these caps, or
// audio.
type tsMedia struct {
	video bool
	caps  string
}

// Stream types whose media tsdemux decides from the type alone (with
// ATSC's AC-3 and E-AC-3 in the user range). 0x06 depends on its
// descriptors (tsPrivate); other private types are left to GStreamer.
var tsTypes = map[byte]tsMedia{
	0x01: {true, "video/mpeg, mpegversion=(int)1"},
	0x02: {true, "video/mpeg, mpegversion=(int)2"},
	0x10: {true, "video/mpeg, mpegversion=(int)4"},
	0x1b: {true, "video/x-h264"},
	0x24: {true, "video/x-h265"},
	0x03: {false, ""}, // MPEG-1 audio
	0x04: {false, ""}, // MPEG-2 audio
	0x0f: {false, ""}, // AAC, ADTS
	0x11: {false, ""}, // AAC, LATM
	0x81: {false, ""}, // AC-3 (ATSC)
	0x87: {false, ""}, // E-AC-3 (ATSC)
}

// Stream types that never become an audio or video pad: private sections,
// DSM-CC, ID3 metadata, SCTE-35 splice information.
var tsOther = map[byte]bool{0x05: true, 0x0d: true, 0x15: true, 0x86: true}

// tsPrivate reads a DVB private stream (type 0x06) by its descriptors:
// AC-3 or E-AC-3 audio, or teletext or subtitles (other: no branch);
// known false for anything else.
func tsPrivate(desc []byte) (t tsMedia, other, known bool) {
	for len(desc) >= 2 && 2+int(desc[1]) <= len(desc) {
		switch desc[0] {
		case 0x6a, 0x7a: // AC-3, enhanced AC-3
			return t, false, true
		case 0x56, 0x59: // teletext, subtitling
			return t, true, true
		}
		desc = desc[2+int(desc[1]):]
	}
	return t, false, false
}

type tsScan struct {
	pmtPID  int          // -1 until the PAT is read
	streams map[int]bool // audio/video PID -> its first PES seen
	found   Streams
}

func listTS(r io.ReaderAt, size int64, pkt, off int) (Streams, bool) {
	sc := tsScan{pmtPID: -1}
	buf := make([]byte, pkt*1024)
	for pos := int64(0); pos < size && pos < maxTSScan; {
		n, err := r.ReadAt(buf, pos)
		n -= n % pkt
		if n == 0 {
			break
		}
		for i := 0; i+pkt <= n; i += pkt {
			done, ok := sc.packet(buf[i+off : i+off+188])
			if !ok {
				return Streams{}, false
			}
			if done {
				return sc.found, true
			}
		}
		pos += int64(n)
		if err != nil {
			break
		}
	}
	return Streams{}, false
}

// packet reads one 188-byte packet. done: every audio and video stream of
// the program has started; ok false: List cannot answer for this file.
func (sc *tsScan) packet(p []byte) (done, ok bool) {
	if p[0] != 0x47 {
		return false, false
	}
	pid := int(p[1]&0x1f)<<8 | int(p[2])
	pusi := p[1]&0x40 != 0
	afc := p[3] >> 4 & 3
	payload := p[4:]
	if afc&2 != 0 {
		if len(payload) < 1 || int(payload[0])+1 > len(payload) {
			return false, false
		}
		payload = payload[1+int(payload[0]):]
	}
	if afc&1 == 0 {
		payload = nil
	}
	switch {
	case pid == 0 && pusi && sc.pmtPID < 0:
		return false, sc.pat(payload)
	case pid == sc.pmtPID && pusi && sc.streams == nil:
		return false, sc.pmt(payload)
	case sc.streams != nil && pusi:
		seen, listed := sc.streams[pid]
		if !listed || seen {
			return false, true
		}
		if p[3]>>6 != 0 || len(payload) < 3 || payload[0] != 0 || payload[1] != 0 || payload[2] != 1 {
			return false, false // scrambled, or not a PES: leave it to GStreamer
		}
		sc.streams[pid] = true
		for _, seen := range sc.streams {
			if !seen {
				return false, true
			}
		}
		return true, true
	}
	return false, true
}

// section returns the PSI section that starts in a packet's payload,
// checked by its CRC; ok false when it is damaged or continues into the
// next packet (a table that large is rare enough to leave to GStreamer).
func section(payload []byte, table byte) ([]byte, bool) {
	if len(payload) < 1 || 1+int(payload[0]) > len(payload) {
		return nil, false
	}
	s := payload[1+int(payload[0]):]
	if len(s) < 3 || s[0] != table {
		return nil, false
	}
	n := 3 + (int(s[1]&0x0f)<<8 | int(s[2]))
	if n < 12 || n > len(s) || crc32MPEG(s[:n]) != 0 {
		return nil, false
	}
	return s[:n-4], true
}

func (sc *tsScan) pat(payload []byte) bool {
	s, ok := section(payload, 0x00)
	if !ok {
		return false
	}
	programs := 0
	for i := 8; i+4 <= len(s); i += 4 {
		if binary.BigEndian.Uint16(s[i:]) == 0 { // the network information table
			continue
		}
		programs++
		sc.pmtPID = int(binary.BigEndian.Uint16(s[i+2:]) & 0x1fff)
	}
	// Several programs: which one tsdemux plays is its call.
	return programs == 1
}

func (sc *tsScan) pmt(payload []byte) bool {
	s, ok := section(payload, 0x02)
	if !ok || len(s) < 12 { // up to program_info_length
		return false
	}
	i := 12 + int(binary.BigEndian.Uint16(s[10:])&0x0fff)
	sc.streams = map[int]bool{}
	for i+5 <= len(s) {
		typ := s[i]
		pid := int(binary.BigEndian.Uint16(s[i+1:]) & 0x1fff)
		end := i + 5 + int(binary.BigEndian.Uint16(s[i+3:])&0x0fff)
		if end > len(s) {
			return false
		}
		desc := s[i+5 : end]
		i = end
		t, known := tsTypes[typ]
		switch {
		case tsOther[typ]:
			continue
		case typ == 0x06: // private: what it holds says a descriptor
			var other bool
			if t, other, known = tsPrivate(desc); other {
				continue
			}
		}
		if !known {
			return false
		}
		if _, dup := sc.streams[pid]; dup {
			return false
		}
		sc.streams[pid] = false
		sc.found.add(t.video, t.caps)
	}
	return i == len(s) && len(sc.streams) > 0
}

// crc32MPEG is the CRC of MPEG-2 PSI sections (polynomial 0x04C11DB7, not
// reflected, initial value all ones); over a section with its CRC it is 0.
func crc32MPEG(b []byte) uint32 {
	crc := ^uint32(0)
	for _, c := range b {
		crc ^= uint32(c) << 24
		for k := 0; k < 8; k++ {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
