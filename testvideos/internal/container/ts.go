// Package container post-processes muxed clips in pure Go: it damages the
// H.264 payload of chosen pictures in an MPEG-TS file, and pins the
// wall-clock dates mp4mux writes so that MP4 output is byte-reproducible.
package container

import (
	"encoding/binary"
	"errors"
	"fmt"
)

const tsPacket = 188

// PES is one video PES packet of a transport stream: the TS packets that
// carry it and its presentation time (90 kHz).
type PES struct {
	PTS     int64
	Packets []int // indexes of the TS packets, in order
}

// VideoPES lists the PES packets of the first H.264 stream (stream type
// 0x1B) of a transport stream.
func VideoPES(ts []byte) ([]PES, error) {
	if len(ts)%tsPacket != 0 {
		return nil, fmt.Errorf("transport stream: length %d is not a multiple of 188", len(ts))
	}
	n := len(ts) / tsPacket
	pmtPID, videoPID := -1, -1
	var out []PES
	for i := 0; i < n; i++ {
		p := ts[i*tsPacket : (i+1)*tsPacket]
		if p[0] != 0x47 {
			return nil, fmt.Errorf("transport stream: packet %d has no sync byte", i)
		}
		pusi := p[1]&0x40 != 0
		pid := int(binary.BigEndian.Uint16(p[1:3]) & 0x1FFF)
		payload := payloadOf(p)
		if payload == nil {
			continue
		}
		switch {
		case pid == 0 && pusi && pmtPID < 0:
			sec := payload[1+int(payload[0]):]
			// PAT: first program after the 8-byte section header.
			if len(sec) >= 12 {
				pmtPID = int(binary.BigEndian.Uint16(sec[10:12]) & 0x1FFF)
			}
		case pid == pmtPID && pusi && videoPID < 0:
			sec := payload[1+int(payload[0]):]
			if len(sec) < 12 {
				continue
			}
			secLen := int(binary.BigEndian.Uint16(sec[1:3]) & 0x0FFF)
			progInfo := int(binary.BigEndian.Uint16(sec[10:12]) & 0x0FFF)
			pos, end := 12+progInfo, min(3+secLen-4, len(sec))
			for pos+5 <= end {
				st := sec[pos]
				epid := int(binary.BigEndian.Uint16(sec[pos+1:pos+3]) & 0x1FFF)
				esInfo := int(binary.BigEndian.Uint16(sec[pos+3:pos+5]) & 0x0FFF)
				if st == 0x1B {
					videoPID = epid
					break
				}
				pos += 5 + esInfo
			}
		case pid == videoPID && videoPID >= 0:
			if pusi {
				pts, err := pesPTS(payload)
				if err != nil {
					return nil, fmt.Errorf("transport stream: packet %d: %w", i, err)
				}
				out = append(out, PES{PTS: pts})
			}
			if len(out) > 0 {
				out[len(out)-1].Packets = append(out[len(out)-1].Packets, i)
			}
		}
	}
	if videoPID < 0 {
		return nil, errors.New("transport stream: no H.264 stream in the PMT")
	}
	return out, nil
}

// payloadOf returns the payload of a TS packet after any adaptation field.
func payloadOf(p []byte) []byte {
	afc := (p[3] >> 4) & 3
	switch afc {
	case 1:
		return p[4:]
	case 3:
		l := int(p[4])
		if 5+l >= tsPacket {
			return nil
		}
		return p[5+l:]
	}
	return nil
}

func pesPTS(b []byte) (int64, error) {
	if len(b) < 14 || b[0] != 0 || b[1] != 0 || b[2] != 1 {
		return 0, errors.New("PES start code missing")
	}
	if b[7]&0x80 == 0 {
		return 0, errors.New("PES without PTS")
	}
	p := b[9:14]
	return int64(p[0]>>1&7)<<30 | int64(p[1])<<22 | int64(p[2]>>1)<<15 | int64(p[3])<<7 | int64(p[4]>>1), nil
}

// FlipBits flips one bit (chosen by next) in the payload of each TS
// packet between fractions from and to of one PES packet, sparing the
// first packet like Damage. Sparse bit errors let the entropy decoder run
// on garbage for a while before it notices, which is what makes the
// decoded picture blocky rather than smoothly concealed.
func FlipBits(ts []byte, pes PES, from, to float64, next func() uint64) int {
	n := len(pes.Packets)
	a, b := max(1, int(from*float64(n))), min(n, int(to*float64(n)))
	var flips int
	for _, idx := range pes.Packets[a:b] {
		pl := payloadOf(ts[idx*tsPacket : (idx+1)*tsPacket])
		if len(pl) == 0 {
			continue
		}
		r := next()
		pl[int(r%uint64(len(pl)))] ^= 1 << ((r >> 32) & 7)
		flips++
	}
	return flips
}

// Damage overwrites, with bytes from next, the payload of the TS packets
// between fractions from and to of one PES packet. The first packet (PES
// header, access unit delimiter, parameter sets, slice header) is always
// spared: the decoder must recognise the picture and then fail inside its
// slice data, which is what a bit error in transmission looks like. TS
// headers and adaptation fields are left intact so demuxing is unaffected.
// It returns the number of payload bytes overwritten.
func Damage(ts []byte, pes PES, from, to float64, next func() byte) int {
	n := len(pes.Packets)
	a, b := max(1, int(from*float64(n))), min(n, int(to*float64(n)))
	var bytes int
	for _, idx := range pes.Packets[a:b] {
		p := ts[idx*tsPacket : (idx+1)*tsPacket]
		pl := payloadOf(p)
		for i := range pl {
			pl[i] = next()
		}
		bytes += len(pl)
	}
	return bytes
}
