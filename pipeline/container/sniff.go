// Package container reads the structure of the two containers avwatch
// meets most, MPEG-TS and ISO BMFF (MP4, MOV), without GStreamer: what a
// file is, its boxes and packets, and (streams.go) which audio and video
// streams it carries. It is pure Go and reads only headers and indexes.
package container

import (
	"encoding/binary"
	"errors"
	"io"
)

// TSPacket recognises a transport stream starting at the file's first
// byte: 188-byte packets, 192 (M2TS, 4-byte timecode first) or 204 (with
// Reed-Solomon parity). off is the sync byte's offset in a packet; pkt is 0
// when b does not start with three packets of one of these sizes.
func TSPacket(b []byte) (pkt, off int) {
	for _, c := range []struct{ pkt, off int }{{188, 0}, {192, 4}, {204, 0}} {
		ok := len(b) > c.off+2*c.pkt
		for i := 0; ok && i < 3; i++ {
			ok = b[c.off+i*c.pkt] == 0x47
		}
		if ok {
			return c.pkt, c.off
		}
	}
	return 0, 0
}

// IsBMFF recognises an ISO BMFF file by its first box.
func IsBMFF(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	switch string(b[4:8]) {
	case "ftyp", "moov", "mdat", "free", "skip", "wide", "styp", "pdin":
		return true
	}
	return false
}

// ErrLargeSize: the 64-bit size of a box whose 32-bit size is 1 could not
// be read.
var ErrLargeSize = errors.New("box: 64-bit size cut off")

// BoxAt reads the header of the box at pos into hdr (16 bytes): its type
// (a view into hdr) and size, the 64-bit one where the 32-bit size is 1;
// 0 means the box extends to the end of the file.
func BoxAt(r io.ReaderAt, pos int64, hdr []byte) (typ []byte, size int64, err error) {
	if _, err := r.ReadAt(hdr[:8], pos); err != nil {
		return nil, 0, err
	}
	typ = hdr[4:8]
	size = int64(binary.BigEndian.Uint32(hdr[:4]))
	if size == 1 {
		if _, err := r.ReadAt(hdr[8:16], pos+8); err != nil {
			return typ, 0, ErrLargeSize
		}
		size = int64(binary.BigEndian.Uint64(hdr[8:16]))
	}
	return typ, size, nil
}

// LargeHeader reports whether the box header in hdr has a 64-bit size.
func LargeHeader(hdr []byte) bool { return binary.BigEndian.Uint32(hdr[:4]) == 1 }

// Printable reports whether a box type is four printable ASCII characters,
// which every real box type is: the cheapest sign of garbage.
func Printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
