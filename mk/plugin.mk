# The loadable GStreamer plugin libgstavwatch.so: videoqc and audioqc for
# gst-launch-1.0 / gst-inspect-1.0 and any GStreamer application. Go
# programs register the elements statically instead (never load this .so
# into a Go process: two Go runtimes).
#
# go build decides what to rebuild from content, so the rule always runs it:
# the first c-shared build takes about 2 minutes on 2 cores, later ones a
# few seconds.
PLUGIN := build/libgstavwatch.so

.PHONY: plugin $(PLUGIN)
plugin: deps $(PLUGIN) ## Build build/libgstavwatch.so for gst-launch-1.0 / gst-inspect-1.0

$(PLUGIN):
	@mkdir -p $(dir $@)
	$(GO) build -buildmode=c-shared -trimpath -o $@ ./elements/plugin
	@rm -f $(@:.so=.h)
