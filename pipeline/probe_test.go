package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/container"
	"github.com/avwatch/avwatch/pipeline/launch"
	"github.com/avwatch/avwatch/testvideos"
)

// TestListingAgreesWithGStreamer: wherever the container package answers
// from a file's index, its answer is GStreamer's (the pads parsebin
// exposes): on the test sources, the damaged inputs, the testvideos clips
// and, when it has been built (make ffcorpus), the ffmpeg corpus.
func TestListingAgreesWithGStreamer(t *testing.T) {
	var files []string
	for _, c := range []testsource.Clip{
		{Video: true, Audio: true},
		{Video: true},
		{Audio: true},
		{Video: true, Codec: "h265"},
		{Video: true, Audio: true, AudioCodec: "ac3"}, // stream type 0x81
		{Container: "mp4", Video: true, Audio: true},
		{Container: "mp4", Video: true, Audio: true, FastStart: true},
		{Container: "mp4", Video: true, Codec: "h265"},
		{Container: "mp4", Audio: true},
		{Container: "mkv", Video: true, Audio: true},
	} {
		files = append(files, testsource.Make(t, c))
	}
	for _, k := range testsource.Corruptions {
		files = append(files, testsource.Corrupt(t, k))
	}
	for _, dir := range []string{testvideos.Dir(t), filepath.Join("..", "testvideos", "ffout")} {
		for _, ext := range []string{"ts", "mp4", "mov", "mkv", "webm"} {
			m, _ := filepath.Glob(filepath.Join(dir, "*."+ext))
			files = append(files, m...)
		}
	}
	listed := 0
	for _, f := range files {
		s, ok := container.List(f)
		if !ok {
			t.Logf("%-28s left to GStreamer", filepath.Base(f))
			continue
		}
		listed++
		src, err := launch.ParseSource(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := probeGStreamer(context.Background(), src, 5*time.Second, 50*time.Millisecond, nil)
		if err != nil || m != mediaOf(s) {
			t.Errorf("%s: listed %+v, GStreamer says %+v, %v", f, mediaOf(s), m, err)
		}
	}
	// The ten clean test-source files at least.
	if listed < 10 {
		t.Errorf("only %d of %d files listed from their index", listed, len(files))
	}
	if _, err := os.Stat(filepath.Join("..", "testvideos", "ffout")); err != nil {
		t.Log("ffmpeg corpus not built (make ffcorpus): not compared")
	}
}
