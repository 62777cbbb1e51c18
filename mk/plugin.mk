# The loadable GStreamer plugin libgstavwatch.so (issue 3 fills this in).
.PHONY: plugin
plugin: deps ## Build build/libgstavwatch.so for gst-launch-1.0 / gst-inspect-1.0
	@echo "plugin: not built yet" >&2; exit 1
