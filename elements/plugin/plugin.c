// GstPluginDesc of libgstavwatch.so. GStreamer finds it through the
// exported gst_plugin_avwatch_get_desc (see plugin.go); the name must match
// the file name libgst<name>.so.
#include <gst/gst.h>

extern gboolean avwPluginInit(GstPlugin *plugin);

static gboolean avw_plugin_init(GstPlugin *plugin) { return avwPluginInit(plugin); }

/* The oldest GStreamer minor the plugin supports (1.20, which
 * scripts/check-gst120.sh builds and runs against), not the one it is built
 * with: GStreamer refuses a plugin whose desc names a newer minor than its
 * own, so a Debian 12 (1.22) build would not load on 1.20 otherwise. */
#define AVW_GST_MINOR_MIN 20

const GstPluginDesc avw_plugin_desc = {
	GST_VERSION_MAJOR,
	GST_VERSION_MINOR < AVW_GST_MINOR_MIN ? GST_VERSION_MINOR : AVW_GST_MINOR_MIN,
	"avwatch",
	"avwatch audio/video quality analysers (videoqc, audioqc)",
	avw_plugin_init,
	"0.1.0",
	"LGPL",
	"avwatch",
	"avwatch",
	"https://github.com/avwatch/avwatch",
	NULL,
};
