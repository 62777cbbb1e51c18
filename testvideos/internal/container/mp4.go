package container

import (
	"encoding/binary"
	"fmt"
)

// PinMP4Dates sets the creation and modification dates of the mvhd, tkhd
// and mdhd boxes to date (seconds since 1904-01-01). mp4mux writes the
// current time there, which is the only thing that differs between two
// runs of the generator.
func PinMP4Dates(b []byte, date uint32) error {
	n, err := walk(b, date, 0)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("mp4: no mvhd/tkhd/mdhd box found")
	}
	return nil
}

func walk(b []byte, date uint32, depth int) (int, error) {
	found := 0
	for pos := 0; pos+8 <= len(b); {
		size := int(binary.BigEndian.Uint32(b[pos:]))
		typ := string(b[pos+4 : pos+8])
		hdr := 8
		if size == 1 {
			if pos+16 > len(b) {
				return found, fmt.Errorf("mp4: truncated box %q", typ)
			}
			size = int(binary.BigEndian.Uint64(b[pos+8:]))
			hdr = 16
		} else if size == 0 {
			size = len(b) - pos
		}
		if size < hdr || pos+size > len(b) {
			return found, fmt.Errorf("mp4: box %q at %d has bad size %d", typ, pos, size)
		}
		body := b[pos+hdr : pos+size]
		switch typ {
		case "moov", "trak", "mdia":
			n, err := walk(body, date, depth+1)
			if err != nil {
				return found, err
			}
			found += n
		case "mvhd", "tkhd", "mdhd":
			if len(body) < 4+16 {
				return found, fmt.Errorf("mp4: %s box too short", typ)
			}
			if body[0] == 1 { // version 1: 64-bit dates
				binary.BigEndian.PutUint64(body[4:], uint64(date))
				binary.BigEndian.PutUint64(body[12:], uint64(date))
			} else {
				binary.BigEndian.PutUint32(body[4:], date)
				binary.BigEndian.PutUint32(body[8:], date)
			}
			found++
		}
		pos += size
	}
	return found, nil
}
