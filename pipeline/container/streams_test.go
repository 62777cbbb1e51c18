package container

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// b builds a box of type typ around the concatenated payload parts.
func b(typ string, parts ...[]byte) []byte {
	p := bytes.Join(parts, nil)
	out := make([]byte, 8, 8+len(p))
	binary.BigEndian.PutUint32(out, uint32(8+len(p)))
	copy(out[4:], typ)
	return append(out, p...)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

type trakSpec struct {
	handler, entry string
	samples        uint32
	disabled       bool
}

func trak(s trakSpec) []byte {
	flags := uint32(7) // enabled, in movie, in preview
	if s.disabled {
		flags = 6
	}
	entry := b(s.entry, make([]byte, 70)) // the sample entry's own fields are not read
	return b("trak",
		b("tkhd", u32(flags), make([]byte, 80)),
		b("mdia",
			b("mdhd", make([]byte, 24)),
			b("hdlr", u32(0), u32(0), []byte(s.handler), make([]byte, 13)),
			b("minf", b("stbl",
				b("stsd", u32(0), u32(1), entry),
				b("stts", u32(0), u32(0)),
				b("stsz", u32(0), u32(0), u32(s.samples))))))
}

func mp4(moovExtra []byte, traks ...trakSpec) []byte {
	var parts [][]byte
	parts = append(parts, b("mvhd", make([]byte, 100)))
	for _, t := range traks {
		parts = append(parts, trak(t))
	}
	parts = append(parts, moovExtra)
	return bytes.Join([][]byte{b("ftyp", []byte("isom"), u32(0)), b("mdat", make([]byte, 1000)), b("moov", parts...)}, nil)
}

var (
	avc  = trakSpec{"vide", "avc1", 50, false}
	hevc = trakSpec{"vide", "hev1", 50, false}
	aac  = trakSpec{"soun", "mp4a", 100, false}
)

// tsPkt is one 188-byte packet of pid carrying payload (padded with an
// adaptation field of stuffing).
func tsPkt(pid int, start bool, payload []byte) []byte {
	p := make([]byte, 188)
	p[0] = 0x47
	p[1] = byte(pid >> 8 & 0x1f)
	if start {
		p[1] |= 0x40
	}
	p[2] = byte(pid)
	stuff := 184 - len(payload)
	if stuff == 0 {
		p[3] = 0x10
		copy(p[4:], payload)
		return p
	}
	p[3] = 0x30
	p[4] = byte(stuff - 1)
	if stuff > 1 {
		p[5] = 0
		for i := 6; i < 4+stuff; i++ {
			p[i] = 0xff
		}
	}
	copy(p[4+stuff:], payload)
	return p
}

// psi wraps a table section (from table_id on, CRC appended) behind a
// pointer field.
func psi(table byte, body []byte) []byte {
	n := len(body) + 5 + 4 // table_id_extension … last_section_number, CRC
	s := []byte{table, 0xb0 | byte(n>>8), byte(n), 0, 1, 0xc1, 0, 0}
	s = append(s, body...)
	s = binary.BigEndian.AppendUint32(s, crc32MPEG(s))
	return append([]byte{0}, s...)
}

func pat(programs ...[2]int) []byte {
	var body []byte
	for _, p := range programs {
		body = append(body, byte(p[0]>>8), byte(p[0]), 0xe0|byte(p[1]>>8), byte(p[1]))
	}
	return psi(0x00, body)
}

type es struct {
	typ  byte
	pid  int
	desc []byte // ES descriptors
}

func pmt(streams ...es) []byte {
	body := []byte{0xe1, 0x00, 0xf0, 0x00} // PCR PID 0x100, no program info
	for _, e := range streams {
		body = append(body, e.typ, 0xe0|byte(e.pid>>8), byte(e.pid), 0xf0|byte(len(e.desc)>>8), byte(len(e.desc)))
		body = append(body, e.desc...)
	}
	return psi(0x02, body)
}

var pes = []byte{0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0}

func tsFile(pkts ...[]byte) []byte { return bytes.Join(pkts, nil) }

// listCase writes data to a file in dir and checks what List says of it.
func listCase(t *testing.T, dir, name string, data []byte, want Streams, wantOK bool) {
	t.Helper()
	p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, ok := List(p); ok != wantOK || got != want {
		t.Errorf("%s: got %+v, %v; want %+v, %v", name, got, ok, want, wantOK)
	}
}

func TestList(t *testing.T) {
	h264AAC := Streams{Video: true, Audio: true, VideoCaps: "video/x-h264"}
	tsAV := tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})), tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil}, es{0x0f, 0x101, nil})),
		tsPkt(0x100, true, pes), tsPkt(0x100, false, nil), tsPkt(0x101, true, pes))
	m2ts := func(b []byte) []byte {
		var out []byte
		for i := 0; i < len(b); i += 188 {
			out = append(out, 0, 0, 0, 0)
			out = append(out, b[i:i+188]...)
		}
		return out
	}
	badCRC := tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})), tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil}, es{0x0f, 0x101, nil})),
		tsPkt(0x100, true, pes), tsPkt(0x101, true, pes))
	badCRC[2*188-1] ^= 1 // the PMT's CRC
	scrambled := tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})), tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil})), tsPkt(0x100, true, pes))
	scrambled[2*188+3] |= 0x80

	cases := []struct {
		name string
		data []byte
		want Streams
		ok   bool
	}{
		{"mp4 h264+aac", mp4(nil, avc, aac), h264AAC, true},
		{"mp4 h265 only", mp4(nil, hevc), Streams{Video: true, VideoCaps: "video/x-h265"}, true},
		{"mp4 audio only", mp4(nil, aac), Streams{Audio: true}, true},
		{"mp4 timecode and text tracks need no branch", mp4(nil, avc, trakSpec{"tmcd", "tmcd", 1, false}, aac, trakSpec{"text", "text", 3, false}), h264AAC, true},
		{"mp4 first video track names the codec", mp4(nil, avc, hevc), Streams{Video: true, VideoCaps: "video/x-h264"}, true},
		{"mp4 fragmented", mp4(b("mvex", b("trex", make([]byte, 24))), avc, aac), Streams{}, false},
		{"mp4 mp4v depends on its esds", mp4(nil, trakSpec{"vide", "mp4v", 5, false}), Streams{}, false},
		{"mp4 empty track", mp4(nil, avc, trakSpec{"soun", "mp4a", 0, false}), Streams{}, false},
		{"mp4 disabled track", mp4(nil, avc, trakSpec{"soun", "mp4a", 9, true}), Streams{}, false},
		{"mp4 encrypted audio", mp4(nil, avc, trakSpec{"soun", "enca", 9, false}), Streams{}, false},
		{"mp4 unknown handler", mp4(nil, avc, trakSpec{"auxv", "avc1", 9, false}), Streams{}, false},
		{"mp4 no tracks", mp4(nil), Streams{}, false},
		{"mp4 without moov", bytes.Join([][]byte{b("ftyp", u32(0)), b("mdat", make([]byte, 100))}, nil), Streams{}, false},
		{"mp4 moov cut off", mp4(nil, avc, aac)[:1200], Streams{}, false},
		{"ts h264+aac", tsAV, h264AAC, true},
		{"m2ts", m2ts(tsAV), h264AAC, true},
		{"ts mpeg-2 video, SCTE-35 ignored", tsFile(tsPkt(0, true, pat([2]int{0, 0x10}, [2]int{1, 0x1000})),
			tsPkt(0x1000, true, pmt(es{0x02, 0x100, nil}, es{0x86, 0x1f0, nil})), tsPkt(0x100, true, pes)),
			Streams{Video: true, VideoCaps: "video/mpeg, mpegversion=(int)2"}, true},
		{"ts private stream type", tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})), tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil}, es{0x06, 0x101, nil})),
			tsPkt(0x100, true, pes), tsPkt(0x101, true, pes)), Streams{}, false},
		{"ts AC-3, ATSC", tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})), tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil}, es{0x81, 0x101, nil})),
			tsPkt(0x100, true, pes), tsPkt(0x101, true, pes)), h264AAC, true},
		{"ts AC-3, DVB (private, AC-3 descriptor); DVB subtitles need no branch", tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})),
			tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil}, es{0x06, 0x102, []byte{0x0a, 4, 'e', 'n', 'g', 0, 0x6a, 1, 0}}, es{0x06, 0x103, []byte{0x59, 0}})),
			tsPkt(0x100, true, pes), tsPkt(0x102, true, pes)), h264AAC, true},
		{"ts private stream with a language descriptor only", tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})),
			tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil}, es{0x06, 0x101, []byte{0x0a, 4, 'e', 'n', 'g', 0}})),
			tsPkt(0x100, true, pes), tsPkt(0x101, true, pes)), Streams{}, false},
		{"ts a listed stream never starts", tsAV[:4*188], Streams{}, false},
		{"ts two programs", tsFile(tsPkt(0, true, pat([2]int{1, 0x1000}, [2]int{2, 0x1001})), tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil})),
			tsPkt(0x100, true, pes)), Streams{}, false},
		{"ts damaged PMT", badCRC, Streams{}, false},
		{"ts PMT shorter than its fixed fields", tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})), tsPkt(0x1000, true, psi(0x02, nil)), tsPkt(0x1fff, false, nil)), Streams{}, false},
		{"ts scrambled", scrambled, Streams{}, false},
		{"garbage", bytes.Repeat([]byte{1, 2, 3}, 1000), Streams{}, false},
		{"empty", nil, Streams{}, false},
	}
	dir := t.TempDir()
	for _, c := range cases {
		listCase(t, dir, c.name, c.data, c.want, c.ok)
	}
	if _, ok := List(filepath.Join(dir, "missing")); ok {
		t.Error("a missing file was listed")
	}
	if _, ok := List(dir); ok {
		t.Error("a directory was listed")
	}
}

func TestCRC32MPEG(t *testing.T) {
	// The CRC of "123456789" under CRC-32/MPEG-2 (the catalogue's check value).
	if got := crc32MPEG([]byte("123456789")); got != 0x0376e6e7 {
		t.Errorf("crc %#x", got)
	}
}

func FuzzList(f *testing.F) {
	f.Add(mp4(nil, avc, aac))
	f.Add(tsFile(tsPkt(0, true, pat([2]int{1, 0x1000})), tsPkt(0x1000, true, pmt(es{0x1b, 0x100, nil}, es{0x0f, 0x101, nil})),
		tsPkt(0x100, true, pes), tsPkt(0x101, true, pes)))
	f.Add(mkv(false, nil, mkvTrack{typ: 1, codec: "V_MPEG4/ISO/AVC"}, mkvTrack{typ: 2, codec: "A_AAC"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, ok := list(bytes.NewReader(data), int64(len(data)))
		if ok && !s.Video && !s.Audio {
			t.Fatalf("listed a file with no streams: %+v", s)
		}
		if !ok && s != (Streams{}) {
			t.Fatalf("not ok but %+v", s)
		}
	})
}

// ebml builds an element: its ID bytes, a 8-byte size, the payload.
func ebml(id uint32, parts ...[]byte) []byte {
	p := bytes.Join(parts, nil)
	var out []byte
	for s := 24; s >= 0; s -= 8 {
		if b := byte(id >> s); b != 0 || len(out) > 0 {
			out = append(out, b)
		}
	}
	out = append(out, 0x01) // an 8-byte size
	for s := 48; s >= 0; s -= 8 {
		out = append(out, byte(len(p)>>s))
	}
	return append(out, p...)
}

type mkvTrack struct {
	typ      byte
	codec    string
	disabled bool
	encoded  bool
}

func mkv(unknownSegment bool, before []byte, tr ...mkvTrack) []byte {
	var entries [][]byte
	for i, t := range tr {
		e := [][]byte{ebml(0xD7, []byte{byte(i + 1)}), ebml(0x83, []byte{t.typ}), ebml(0x86, []byte(t.codec))}
		if t.disabled {
			e = append(e, ebml(0xB9, []byte{0}))
		}
		if t.encoded {
			e = append(e, ebml(0x6D80, ebml(0x6240, ebml(0x5034, []byte{0}))))
		}
		entries = append(entries, ebml(0xAE, e...))
	}
	body := bytes.Join([][]byte{ebml(0x1549A966, ebml(0x2AD7B1, []byte{0x0f, 0x42, 0x40})), before,
		ebml(0x1654AE6B, entries...), ebml(0x1F43B675, make([]byte, 50))}, nil)
	seg := ebml(0x18538067, body)
	if unknownSegment {
		seg = append([]byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, body...)
	}
	return append(ebml(0x1A45DFA3, ebml(0x4282, []byte("matroska"))), seg...)
}

func TestListMatroska(t *testing.T) {
	avc := mkvTrack{typ: 1, codec: "V_MPEG4/ISO/AVC"}
	aac := mkvTrack{typ: 2, codec: "A_AAC"}
	cases := []struct {
		name string
		data []byte
		want Streams
		ok   bool
	}{
		{"h264+aac", mkv(false, nil, avc, aac), Streams{Video: true, Audio: true, VideoCaps: "video/x-h264"}, true},
		{"webm vp9+opus, live (unknown segment size)", mkv(true, nil, mkvTrack{typ: 1, codec: "V_VP9"}, mkvTrack{typ: 2, codec: "A_OPUS"}),
			Streams{Video: true, Audio: true, VideoCaps: "video/x-vp9"}, true},
		{"subtitles need no branch", mkv(false, nil, avc, mkvTrack{typ: 0x11, codec: "S_TEXT/UTF8"}), Streams{Video: true, VideoCaps: "video/x-h264"}, true},
		{"PCM audio only", mkv(false, nil, mkvTrack{typ: 2, codec: "A_PCM/INT/LIT"}), Streams{Audio: true}, true},
		{"a disabled track", mkv(false, nil, avc, mkvTrack{typ: 2, codec: "A_AAC", disabled: true}), Streams{}, false},
		{"header-stripped frames", mkv(false, nil, mkvTrack{typ: 1, codec: "V_MPEG4/ISO/AVC", encoded: true}), Streams{}, false},
		{"an unknown video codec", mkv(false, nil, mkvTrack{typ: 1, codec: "V_MS/VFW/FOURCC"}, aac), Streams{}, false},
		{"a cluster before the tracks", mkv(false, ebml(0x1F43B675, make([]byte, 10)), avc), Streams{}, false},
		{"cut off", mkv(false, nil, avc, aac)[:60], Streams{}, false},
	}
	dir := t.TempDir()
	for _, c := range cases {
		listCase(t, dir, c.name, c.data, c.want, c.ok)
	}
}

// FuzzTables: any PAT or PMT body with a valid CRC (which FuzzList's
// random bytes almost never have) is read without a panic.
func FuzzTables(f *testing.F) {
	f.Add([]byte(nil))
	f.Add([]byte{0xe1, 0x00, 0xf0, 0x00, 0x1b, 0xe1, 0x00, 0xf0, 0x00})
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1000 {
			return
		}
		sc := tsScan{pmtPID: -1}
		sc.pat(psi(0x00, body))
		sc.pmt(psi(0x02, body))
	})
}
