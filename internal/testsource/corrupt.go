package testsource

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// Corruptions lists the damaged inputs Corrupt makes.
var Corruptions = []string{
	"truncated-ts", "truncated-mp4", "truncated-faststart-mp4", "random-bytes",
	"ts-header-then-garbage", "mp4-header-then-garbage", "empty", "missing",
}

// Corrupt returns the path of a damaged input of the given kind (see
// Corruptions), made in a test temp dir from a valid 4 s clip.
func Corrupt(t testing.TB, kind string) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, kind)
	rnd := rand.New(rand.NewSource(int64(len(kind))))
	noise := func(n int) []byte {
		b := make([]byte, n)
		rnd.Read(b)
		return b
	}
	read := func(c Clip) []byte {
		b, err := os.ReadFile(Make(t, c))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ts := func() []byte { return read(Clip{Video: true, Audio: true, Seconds: 4}) }
	mp4 := func(fast bool) []byte {
		return read(Clip{Container: "mp4", Video: true, Audio: true, Seconds: 4, FastStart: fast})
	}
	var data []byte
	switch kind {
	case "truncated-ts":
		b := ts()
		data = b[:len(b)/2+77] // cut inside a packet, as a copy that stopped does
	case "truncated-mp4":
		b := mp4(false)
		data = b[:len(b)/2] // the index (moov) at the end is gone
	case "truncated-faststart-mp4":
		b := mp4(true)
		data = b[:len(b)/2] // index intact, half the media missing
	case "random-bytes":
		data = noise(200000)
	case "ts-header-then-garbage":
		data = append(ts()[:188*30], noise(300000)...)
	case "mp4-header-then-garbage":
		b := mp4(true)
		data = append(b[:8000], noise(300000)...)
	case "empty":
		data = []byte{}
	case "missing":
		return out
	default:
		t.Fatalf("unknown corruption %q", kind)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
