# install / uninstall / deb (issue 7). The layout lives in packaging/install.sh
# and is documented in systemd/README.md; PREFIX and DESTDIR come from the
# Makefile. Everything but the config follows PREFIX: the config is always
# /etc/avwatch (the unit reads it there) and the plugin goes where GStreamer
# scans (pkg-config's pluginsdir), whatever PREFIX says.
BINDIR        ?= $(PREFIX)/bin
UNITDIR       ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR   ?= $(PREFIX)/lib/sysusers.d
DOCDIR        ?= $(PREFIX)/share/doc/avwatch
SYSCONFDIR    ?= /etc
GST_PLUGINDIR ?=
# The plugin's path; mk/plugin.mk names it PLUGIN.
PLUGIN_SO     ?= $(PLUGIN)
# Debian architecture of the package (`make deb ARCH=arm64` cross-compiles).
ARCH          ?= $(shell dpkg --print-architecture 2>/dev/null || $(GO) env GOARCH)
# Package version; empty = packaging/version.sh (git tag or 0.0.0~git<time>.<hash>).
VERSION       ?=
DEB_BUILD      = build/deb/$(ARCH)

INSTALL_ENV = DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BINDIR="$(BINDIR)" UNITDIR="$(UNITDIR)" \
	SYSUSERSDIR="$(SYSUSERSDIR)" DOCDIR="$(DOCDIR)" SYSCONFDIR="$(SYSCONFDIR)" \
	GST_PLUGINDIR="$(GST_PLUGINDIR)" BIN="$(BIN)" PLUGIN_SO="$(PLUGIN_SO)"

.PHONY: install uninstall deb
install: build plugin ## Install binary, unit, user, example config, plugin (PREFIX, DESTDIR); enables nothing
	@$(INSTALL_ENV) packaging/install.sh install

uninstall: ## Remove what install put in place (keeps an edited config and the outbox)
	@$(INSTALL_ENV) packaging/install.sh uninstall

# The binaries are rebuilt for the package: versioned, and for ARCH with the
# cgo cross environment of packaging/cross.sh, which installs the cross
# compiler and fetches the target sysroot when missing (or says what is).
deb: deps ## Build dist/avwatch_<version>_<arch>.deb (ARCH=amd64|arm64)
	@set -e; cross=$$(packaging/cross.sh $(ARCH) --install) || exit 1; \
	  version="$(VERSION)"; [ -n "$$version" ] || version=$$(packaging/version.sh); \
	  mkdir -p $(DEB_BUILD); \
	  env $$cross $(MAKE) --no-print-directory build plugin BIN=$(DEB_BUILD)/avwatch \
	    PLUGIN=$(DEB_BUILD)/libgstavwatch.so \
	    GOFLAGS_BUILD="-trimpath -ldflags=-X=main.version=$$version"; \
	  deb=$$(ARCH=$(ARCH) VERSION="$$version" BIN=$(DEB_BUILD)/avwatch \
	    PLUGIN_SO=$(DEB_BUILD)/libgstavwatch.so packaging/build-deb.sh); \
	  dpkg-deb --field "$$deb" Package Version Architecture Depends; \
	  echo "$$deb"
