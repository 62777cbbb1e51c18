package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/elements/videodetect"
)

// TestLoadablePlugin builds libgstavwatch.so (into <repo>/build, where
// `make plugin` puts it; go's build cache makes this a few seconds after
// the first ~2 min build) and uses it from the GStreamer command-line
// tools, in a process of their own: gst-inspect-1.0 lists videoqc with its
// properties, and gst-launch-1.0 -m prints its messages.
func TestLoadablePlugin(t *testing.T) {
	for _, tool := range []string{"gst-inspect-1.0", "gst-launch-1.0"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian: gstreamer1.0-tools; `make deps` installs it): %v", tool, err)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(root, "build", "libgstavwatch.so")
	start := time.Now()
	build := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", so, "./elements/plugin")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	os.Remove(strings.TrimSuffix(so, ".so") + ".h")
	t.Logf("plugin built in %v", time.Since(start).Round(time.Millisecond))

	// A private registry: the test sees this build, not a cached scan.
	env := append(os.Environ(),
		"GST_PLUGIN_PATH="+filepath.Dir(so),
		"GST_REGISTRY="+filepath.Join(t.TempDir(), "registry.bin"))
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	inspect := run("gst-inspect-1.0", "videoqc")
	for _, want := range []string{"Filter/Analyzer/Video", "libgstavwatch.so", "NV12"} {
		if !strings.Contains(inspect, want) {
			t.Fatalf("gst-inspect-1.0 videoqc lacks %q:\n%s", want, inspect)
		}
	}
	for prop := range videodetect.DefaultSettings().Props() {
		if !strings.Contains(inspect, "\n  "+prop+" ") && !strings.Contains(inspect, "\n  "+prop+":") {
			t.Fatalf("gst-inspect-1.0 videoqc does not list property %q:\n%s", prop, inspect)
		}
	}

	launch := run("gst-launch-1.0", "-m", "videotestsrc", "pattern=black", "num-buffers=100", "!",
		"video/x-raw,width=320,height=240,framerate=25/1", "!", "videoqc", "black-min-duration=1", "!", "fakesink")
	for _, want := range []string{
		"videoqc, kind=(string)defect, event=(string)start, type=(string)black, pts=(guint64)0",
		"videoqc, kind=(string)defect, event=(string)end, type=(string)black, pts=(guint64)4000000000",
		"videoqc, kind=(string)snapshot, type=(string)black",
		"videoqc, kind=(string)stats",
	} {
		if !strings.Contains(launch, want) {
			t.Fatalf("gst-launch-1.0 -m output lacks %q:\n%s", want, launch)
		}
	}
}
