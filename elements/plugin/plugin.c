// GstPluginDesc of libgstavwatch.so. GStreamer finds it through the
// exported gst_plugin_avwatch_get_desc (see plugin.go); the name must match
// the file name libgst<name>.so.
#include <gst/gst.h>

extern gboolean avwPluginInit(GstPlugin *plugin);

static gboolean avw_plugin_init(GstPlugin *plugin) { return avwPluginInit(plugin); }

const GstPluginDesc avw_plugin_desc = {
	GST_VERSION_MAJOR,
	GST_VERSION_MINOR,
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
