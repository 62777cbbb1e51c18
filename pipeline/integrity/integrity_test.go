package integrity

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ts(packets, pkt, off int) []byte {
	b := make([]byte, packets*pkt)
	for i := 0; i < packets; i++ {
		b[i*pkt+off] = 0x47
		b[i*pkt+off+1] = byte(i) // payload that is not a sync byte
	}
	return b
}

func box(typ string, payload int) []byte {
	b := make([]byte, 8+payload)
	binary.BigEndian.PutUint32(b, uint32(8+payload))
	copy(b[4:], typ)
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func garbage(n int) []byte {
	r := rand.New(rand.NewSource(1))
	b := make([]byte, n)
	r.Read(b)
	for i := range b {
		if b[i] == 0x47 {
			b[i] = 0x48
		}
	}
	return b
}

func check(t *testing.T, data []byte) error {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return Check(context.Background(), p)
}

func TestCheck(t *testing.T) {
	whole := ts(10000, 188, 0)
	mp4 := cat(box("ftyp", 16), box("moov", 500), box("mdat", 100000))
	cases := []struct {
		name string
		data []byte
		want string // "" valid
	}{
		{"ts", whole, ""},
		{"m2ts", ts(100, 192, 4), ""},
		{"ts204", ts(100, 204, 0), ""},
		{"ts cut inside a packet", whole[:len(whole)-100], "cut off: the file ends 88 bytes into a 188-byte packet"},
		{"ts cut at a packet boundary", whole[:188*500], ""}, // indistinguishable from a shorter file
		{"ts header then garbage", cat(whole[:188*20], garbage(188*1000)), "1000 of 1020 packets have no sync byte, the first at byte 3760"},
		{"mp4", mp4, ""},
		{"mp4 last box to EOF", cat(box("ftyp", 16), []byte{0, 0, 0, 0, 'm', 'd', 'a', 't'}, garbage(50)), ""},
		{"mp4 largesize", cat(box("ftyp", 16), []byte{0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, 0, 0, 0, 24}, make([]byte, 8)), ""},
		{"mp4 cut", mp4[:len(mp4)/2], `cut off: the "mdat" box at byte 532 needs 100008 bytes`},
		{"mp4 moov first then garbage", cat(box("ftyp", 16), box("moov", 500), garbage(5000)), "no valid box at byte 532"},
		{"mp4 stray bytes", cat(mp4, []byte{1, 2, 3}), "3 stray bytes"},
		{"unknown container", garbage(5000), ""},
		{"empty", nil, ""},
	}
	for _, c := range cases {
		err := check(t, c.data)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestPlayable(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		data []byte
		ok   bool
	}{
		"moov first":      {cat(box("ftyp", 16), box("moov", 100), box("mdat", 1000)), true},
		"moov last":       {cat(box("ftyp", 16), box("mdat", 1000), box("moov", 100)), true},
		"moov cut off":    {cat(box("ftyp", 16), box("mdat", 1000))[:500], false},
		"moov never came": {cat(box("ftyp", 16), box("mdat", 1000)), false},
		"not mp4":         {ts(10, 188, 0), true},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		os.WriteFile(p, c.data, 0o644)
		if err := Playable(p); (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(ts(10, 188, 0))
	f.Add(cat(box("ftyp", 16), box("moov", 20)))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		Check(context.Background(), p) // must not panic or hang
		Playable(p)
	})
}
