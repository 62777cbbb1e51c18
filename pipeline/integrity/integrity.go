// Package integrity checks a media file's container structure, the damage a
// decoder silently walks over: GStreamer ends a cut-off transport stream
// with a clean EOS, and decodes garbage after a valid header without a bus
// error. `avwatch check` reports these as errors (exit code 2) next to the
// defects it found in what did decode.
package integrity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/avwatch/avwatch/pipeline/container"
)

// Check checks the file at path. An MPEG transport stream must be a whole
// number of packets, each starting with the sync byte; an ISO BMFF file
// (MP4, MOV) must be a chain of boxes ending exactly at the end of the file.
// Other containers are not checked (nil).
func Check(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, 1024)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	head = head[:n]
	if pkt, off := container.TSPacket(head); pkt > 0 {
		return checkTS(ctx, f, st.Size(), pkt, off)
	}
	if container.IsBMFF(head) {
		return checkBMFF(f, st.Size())
	}
	return nil
}

// Playable is the quick part of Check, cheap enough to run before a file
// is opened: an ISO BMFF file whose chain of boxes has no index (moov) can
// not be decoded at all (a recording cut off before its index was written).
// Other files: nil.
func Playable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	if !container.IsBMFF(head[:n]) {
		return nil
	}
	for pos := int64(0); pos+8 <= st.Size(); {
		typ, size, err := container.BoxAt(f, pos, head)
		if err != nil && !errors.Is(err, container.ErrLargeSize) {
			return nil // unreadable: leave it to the decoder
		}
		if string(typ) == "moov" {
			return nil
		}
		if err != nil || size < 8 || !container.Printable(typ) {
			break
		}
		pos += size
	}
	return fmt.Errorf("MP4 has no index (moov box): the file was cut off before it was finished, nothing in it can be decoded")
}

func checkTS(ctx context.Context, f *os.File, size int64, pkt, off int) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	buf := make([]byte, pkt*5577) // ~1 MiB, whole packets
	var (
		pos, bad, total int64
		firstBad        int64 = -1
	)
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		n, err := io.ReadFull(f, buf)
		for i := 0; i+pkt <= n; i += pkt {
			total++
			if buf[i+off] != 0x47 {
				bad++
				if firstBad < 0 {
					firstBad = pos + int64(i)
				}
			}
		}
		pos += int64(n)
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if bad > 0 {
		return fmt.Errorf("MPEG-TS is corrupt: %d of %d packets have no sync byte, the first at byte %d", bad, total, firstBad)
	}
	if rest := size % int64(pkt); rest != 0 {
		return fmt.Errorf("MPEG-TS is cut off: the file ends %d bytes into a %d-byte packet", rest, pkt)
	}
	return nil
}

func checkBMFF(f *os.File, size int64) error {
	hdr := make([]byte, 16)
	for pos := int64(0); pos < size; {
		if size-pos < 8 {
			return fmt.Errorf("MP4 is cut off: %d stray bytes after the last box at byte %d", size-pos, pos)
		}
		typ, boxSize, err := container.BoxAt(f, pos, hdr)
		switch {
		case errors.Is(err, container.ErrLargeSize):
			return fmt.Errorf("MP4 is cut off inside the %q box header at byte %d", typ, pos)
		case err != nil:
			return err
		case !container.Printable(typ):
			return fmt.Errorf("MP4 is corrupt: no valid box at byte %d", pos)
		case container.LargeHeader(hdr) && boxSize < 16:
			return fmt.Errorf("MP4 is corrupt: %q box at byte %d has size %d", typ, pos, boxSize)
		case boxSize == 0: // extends to the end of the file
			return nil
		case boxSize < 8:
			return fmt.Errorf("MP4 is corrupt: %q box at byte %d has size %d", typ, pos, boxSize)
		case pos+boxSize > size:
			return fmt.Errorf("MP4 is cut off: the %q box at byte %d needs %d bytes, the file ends %d bytes into it", typ, pos, boxSize, size-pos)
		}
		pos += boxSize
	}
	return nil
}
