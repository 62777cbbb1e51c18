// Package testsource makes what the pipeline tests feed on: small clips
// made with gst-launch-1.0, and live sources (a UDP MPEG-TS sender, an RTSP
// server) running as separate processes that a test can kill and restart
// like a camera that goes away.
package testsource

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Clip describes a generated clip.
type Clip struct {
	Container string // "ts" (MPEG-TS), "mp4" or "mkv"
	Video     bool
	Audio     bool
	Seconds   int
	Width     int    // default 320
	Height    int    // default 240
	FPS       int    // default 25
	Codec     string // "h264" (default) or "h265"
	// AudioCodec is "aac" (default) or "ac3".
	AudioCodec string
	// Pattern is the videotestsrc pattern (default "smpte", scrolling so
	// that it is not a frozen picture); "black" makes a black clip.
	Pattern string
	// Silent makes the audio digital silence instead of a -20 dBFS tone.
	Silent bool
	// FastStart puts the MP4 index (moov) first.
	FastStart bool
	// Baseline encodes H.264 constrained-baseline (what openh264dec takes).
	Baseline bool
	// Format pins the raw video format the encoder gets (e.g. "I420").
	// Unpinned, x264enc and x265enc take videotestsrc's first offer and
	// encode 4:4:4 at 10 or 12 bits, which NVDEC does not decode for H.264.
	Format string
}

var clipMu sync.Mutex

// Dir is where clips are cached between test runs (they are deterministic).
func Dir() string { return filepath.Join(os.TempDir(), "avwatch-testsource") }

// Make returns the path of the clip c, generating it once.
func Make(t testing.TB, c Clip) string {
	t.Helper()
	if c.Container == "" {
		c.Container = "ts"
	}
	if c.Width == 0 {
		c.Width, c.Height = 320, 240
	}
	if c.FPS == 0 {
		c.FPS = 25
	}
	if c.Codec == "" {
		c.Codec = "h264"
	}
	if c.Pattern == "" {
		c.Pattern = "smpte"
	}
	if c.Seconds == 0 {
		c.Seconds = 2
	}
	desc := launchFor(c, "OUT")
	sum := sha256.Sum256([]byte(desc))
	path := filepath.Join(Dir(), hex.EncodeToString(sum[:8])+"."+c.Container)
	clipMu.Lock()
	defer clipMu.Unlock()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(Dir(), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := path + fmt.Sprintf(".%d.tmp", os.Getpid())
	out, err := exec.Command("gst-launch-1.0", append([]string{"-q"}, strings.Fields(launchFor(c, tmp))...)...).CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		t.Fatalf("making clip %+v: %v\n%s", c, err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func launchFor(c Clip, out string) string {
	mux := "mpegtsmux name=mux"
	if c.Container == "mkv" {
		mux = "matroskamux name=mux"
	}
	if c.Container == "mp4" {
		mux = "mp4mux name=mux"
		if c.FastStart {
			mux += " faststart=true"
		}
	}
	var b strings.Builder
	if c.Video {
		enc := fmt.Sprintf("x264enc speed-preset=ultrafast key-int-max=%d ! h264parse", c.FPS)
		if c.Baseline {
			enc = fmt.Sprintf("x264enc speed-preset=ultrafast key-int-max=%d ! video/x-h264,profile=constrained-baseline ! h264parse", c.FPS)
		}
		if c.Codec == "h265" {
			enc = fmt.Sprintf("x265enc speed-preset=ultrafast key-int-max=%d ! h265parse", c.FPS)
		}
		format := ""
		if c.Format != "" {
			format = ",format=" + c.Format
		}
		fmt.Fprintf(&b, "videotestsrc num-buffers=%d pattern=%s horizontal-speed=4 ! video/x-raw,width=%d,height=%d,framerate=%d/1%s ! %s ! mux. ",
			c.Seconds*c.FPS, c.Pattern, c.Width, c.Height, c.FPS, format, enc)
	}
	if c.Audio {
		wave := "sine"
		if c.Silent {
			wave = "silence"
		}
		enc := "voaacenc ! aacparse"
		if c.AudioCodec == "ac3" {
			enc = "avenc_ac3 ! ac3parse"
		}
		fmt.Fprintf(&b, "audiotestsrc num-buffers=%d samplesperbuffer=960 wave=%s volume=0.1 ! audio/x-raw,rate=48000,channels=2 ! %s ! mux. ",
			c.Seconds*50, wave, enc)
	}
	fmt.Fprintf(&b, "%s ! filesink location=%s", mux, out)
	return b.String()
}
