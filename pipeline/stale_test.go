package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avwatch/avwatch/internal/testsource"
	"github.com/avwatch/avwatch/pipeline/event"
	"github.com/avwatch/avwatch/pipeline/launch"
)

// staleSource is a GStreamer plugin that registers a video decoder, ranked
// above every software one, only while AVW_STALE_REGISTER is set: what
// nvcodec does with CUDA. A registry written while it was set outlives it,
// as nvcodec's outlives a GPU that went away (seen on an H100 with
// CUDA_VISIBLE_DEVICES= and the registry kept). It says it was built for
// 1.20 whatever the headers: GStreamer refuses a plugin built for a newer
// minor version, and make check-gst120 runs this test with 1.20.
const staleSource = `#define PACKAGE "avwstale"
#include <gst/gst.h>
typedef struct { GstElement parent; } AvwStale;
typedef struct { GstElementClass parent; } AvwStaleClass;
G_DEFINE_TYPE(AvwStale, avw_stale, GST_TYPE_ELEMENT)
static GstStaticPadTemplate sink_t = GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-h264"));
static GstStaticPadTemplate src_t = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw"));
static void avw_stale_class_init(AvwStaleClass *k) {
	gst_element_class_set_static_metadata(GST_ELEMENT_CLASS(k), "stale", "Codec/Decoder/Video/Hardware", "test", "avwatch");
	gst_element_class_add_static_pad_template(GST_ELEMENT_CLASS(k), &sink_t);
	gst_element_class_add_static_pad_template(GST_ELEMENT_CLASS(k), &src_t);
}
static void avw_stale_init(AvwStale *s) {}
static gboolean init(GstPlugin *p) {
	if (g_getenv("AVW_STALE_REGISTER") == NULL) return TRUE;
	return gst_element_register(p, "avwstaledec", GST_RANK_PRIMARY + 100, avw_stale_get_type());
}
GST_PLUGIN_DEFINE(1, 20, avwstale, "test", init, "1.0", "LGPL", "avwatch", "avwatch")
`

// TestStaleDecoderDemoted: a hardware decoder the registry cache lists but
// whose plugin no longer provides it is neither chosen by hwaccel auto nor
// left for decodebin3 to pick (decodebin3 does not skip a decoder it fails
// to make: the stream stopped with "not-linked"). The stream decodes in
// software. Runs in a child process, which needs its own registry.
func TestStaleDecoderDemoted(t *testing.T) {
	if os.Getenv("AVW_STALE_CHILD") != "" {
		staleChild(t)
		return
	}
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("needs a C compiler")
	}
	if !(Registry{}).Has("avdec_h264") {
		t.Skip("needs avdec_h264 (gstreamer1.0-libav)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "stale.c")
	if err := os.WriteFile(src, []byte(staleSource), 0o644); err != nil {
		t.Fatal(err)
	}
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "gstreamer-1.0").Output()
	if err != nil {
		t.Skipf("needs pkg-config and the GStreamer headers (libgstreamer1.0-dev): %v", err)
	}
	args := append([]string{"-shared", "-fPIC", "-o", filepath.Join(dir, "libgstavwstale.so"), src}, strings.Fields(string(flags))...)
	if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	env := append(os.Environ(), "GST_REGISTRY_1_0="+filepath.Join(dir, "registry.bin"), "GST_PLUGIN_PATH_1_0="+dir)
	inspect := exec.Command("gst-inspect-1.0", "avwstaledec")
	inspect.Env = append(env, "AVW_STALE_REGISTER=1")
	if out, err := inspect.CombinedOutput(); err != nil {
		t.Fatalf("registry with avwstaledec: %v\n%s", err, out)
	}
	child := exec.Command(os.Args[0], "-test.run=^TestStaleDecoderDemoted$", "-test.v")
	child.Env = append(env, "GST_REGISTRY_UPDATE=no", "AVW_STALE_CHILD=1")
	out, err := child.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func staleChild(t *testing.T) {
	// The registry says avwstaledec, and decodebin3 would take it.
	if got := BestDecoder("video/x-h264"); got != "avwstaledec" {
		t.Fatalf("stale registry not in effect: decodebin3 would pick %q", got)
	}
	clip := testsource.Make(t, testsource.Clip{Video: true, Seconds: 2, Format: "I420"})
	fams := []launch.Family{{Profile: launch.NVIDIA, Name: "stale (test)", Decoders: map[launch.Codec]string{launch.H264: "avwstaledec"}}}
	s, err := StartWith(context.Background(), event.Spec{Name: "stale", Source: clip, HWAccel: "auto"}, Options{Families: fams, StatsInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, s, 20*time.Second)
	s.Stop()
	var decoders []string
	for _, e := range evs {
		switch e.Kind {
		case event.KindDecoder:
			decoders = append(decoders, e.Decoder)
		case event.KindError:
			t.Errorf("error: %s", e.Message)
		}
	}
	if len(decoders) != 1 || decoders[0] != "avdec_h264" {
		t.Errorf("decoders %v, want [avdec_h264]; events %v", decoders, kinds(evs))
	}
	if last := evs[len(evs)-1]; last.State != event.Stopped {
		t.Errorf("ended %v", kinds(evs))
	}
	if r := Rank("avwstaledec"); r != 0 {
		t.Errorf("avwstaledec rank %d after the run, want 0 (none)", r)
	}
}
