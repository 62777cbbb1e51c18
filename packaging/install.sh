#!/usr/bin/env bash
# Lays out (or removes) avwatch's installed files. One script for
# `make install`/`make uninstall` and for staging the .deb, so the package and
# a source install cannot drift apart. The layout is documented in
# systemd/README.md ("Installed files") and asserted by packaging/install_test.go.
#
# Usage: packaging/install.sh install|uninstall|list
# Settings (environment; mk/install.mk passes its make variables):
#   DESTDIR      staging root, empty for the live system
#   PREFIX       /usr/local; /usr for packages
#   BINDIR UNITDIR SYSUSERSDIR DOCDIR   derived from PREFIX unless set
#   SYSCONFDIR   /etc whatever PREFIX is: the unit reads /etc/avwatch
#   GST_PLUGINDIR  GStreamer's own plugin dir (pkg-config), not under PREFIX:
#                it is the only system directory GStreamer scans
#   BIN PLUGIN_SO CONFIG_SRC   the files to install
# On the live system (DESTDIR empty) install also creates the avwatch user and
# reloads systemd; it never enables or starts the service.
set -euo pipefail

action=${1:-}
here=$(cd "$(dirname "$0")/.." && pwd)

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
BINDIR=${BINDIR:-$PREFIX/bin}
UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
SYSUSERSDIR=${SYSUSERSDIR:-$PREFIX/lib/sysusers.d}
DOCDIR=${DOCDIR:-$PREFIX/share/doc/avwatch}
SYSCONFDIR=${SYSCONFDIR:-/etc}
if [ -z "${GST_PLUGINDIR:-}" ]; then
  GST_PLUGINDIR=$(pkg-config --variable=pluginsdir gstreamer-1.0 2>/dev/null) || {
    echo "install: cannot find GStreamer's plugin directory: install libgstreamer1.0-dev (pkg-config gstreamer-1.0) or set GST_PLUGINDIR=" >&2
    exit 1
  }
fi
BIN=${BIN:-$here/bin/avwatch}
PLUGIN_SO=${PLUGIN_SO:-$here/build/libgstavwatch.so}
CONFIG_SRC=${CONFIG_SRC:-$here/systemd/avwatch.yaml}
UNIT_SRC=$here/systemd/avwatch.service
SYSUSERS_SRC=$here/systemd/sysusers.conf
DROPINS_SRC=$here/systemd/dropins

confdir=$SYSCONFDIR/avwatch
# Drop-in examples, shipped as documentation: copy one to
# /etc/systemd/system/avwatch.service.d/ to use it.
dropins=()
for f in "$DROPINS_SRC"/*.conf; do [ -e "$f" ] && dropins+=("$(basename "$f")"); done

# The installed paths, one per line, without DESTDIR.
list() {
  echo "$BINDIR/avwatch"
  echo "$UNITDIR/avwatch.service"
  echo "$SYSUSERSDIR/avwatch.conf"
  for d in "${dropins[@]}"; do echo "$DOCDIR/examples/$d"; done
  echo "$confdir/avwatch.yaml"
  echo "$confdir/mqtt-password"
  echo "$GST_PLUGINDIR/libgstavwatch.so"
}

need() {
  [ -f "$1" ] || { echo "install: $1 is missing: $2" >&2; exit 1; }
}

live() { [ -z "$DESTDIR" ]; }
systemd_running() { [ -d /run/systemd/system ]; }

# Creates the user from the sysusers.d file; useradd where systemd-sysusers
# is absent (minimal containers, non-systemd images).
create_user() {
  if command -v systemd-sysusers >/dev/null; then
    systemd-sysusers "$SYSUSERSDIR/avwatch.conf"
    return
  fi
  getent group avwatch >/dev/null || groupadd --system avwatch
  getent passwd avwatch >/dev/null || useradd --system --gid avwatch --home-dir /var/lib/avwatch \
    --no-create-home --shell /usr/sbin/nologin --comment "avwatch audio/video monitor" avwatch
  for g in video render; do
    getent group "$g" >/dev/null || groupadd --system "$g"
    usermod -a -G "$g" avwatch
  done
}

do_install() {
  need "$BIN" "run \`make build\` first"
  need "$CONFIG_SRC" "the example config (systemd/avwatch.yaml) belongs to the source tree"
  need "$UNIT_SRC" "source tree incomplete"
  need "$SYSUSERS_SRC" "source tree incomplete"

  install -D -m 0755 "$BIN" "$DESTDIR$BINDIR/avwatch"
  # The unit names /usr/bin/avwatch; point it at this BINDIR.
  install -d -m 0755 "$DESTDIR$UNITDIR"
  sed "s#^ExecStart=/usr/bin/avwatch #ExecStart=$BINDIR/avwatch #" "$UNIT_SRC" > "$DESTDIR$UNITDIR/avwatch.service"
  chmod 0644 "$DESTDIR$UNITDIR/avwatch.service"
  install -D -m 0644 "$SYSUSERS_SRC" "$DESTDIR$SYSUSERSDIR/avwatch.conf"
  for d in "${dropins[@]}"; do
    install -D -m 0644 "$DROPINS_SRC/$d" "$DESTDIR$DOCDIR/examples/$d"
  done

  # Never overwrite the operator's config or password.
  install -d -m 0755 "$DESTDIR$confdir"
  if [ -e "$DESTDIR$confdir/avwatch.yaml" ]; then
    echo "install: keeping existing $confdir/avwatch.yaml (the shipped example is $CONFIG_SRC)" >&2
  else
    install -m 0644 "$CONFIG_SRC" "$DESTDIR$confdir/avwatch.yaml"
  fi
  # Empty = no password. It must exist: LoadCredential= fails the start
  # when its file is missing. Root-only: systemd (root) reads it and hands the
  # service a private copy.
  if [ ! -e "$DESTDIR$confdir/mqtt-password" ]; then
    install -m 0600 /dev/null "$DESTDIR$confdir/mqtt-password"
  fi

  if [ -f "$PLUGIN_SO" ]; then
    install -D -m 0644 "$PLUGIN_SO" "$DESTDIR$GST_PLUGINDIR/libgstavwatch.so"
  else
    echo "install: warning: $PLUGIN_SO not built (make plugin); gst-launch-1.0/gst-inspect-1.0 will not find videoqc/audioqc (the agent does not need it)" >&2
  fi

  if live; then
    create_user
    if systemd_running; then systemctl daemon-reload; fi
    cat >&2 <<EOF
install: done. Next:
  edit $confdir/avwatch.yaml (broker, streams); MQTT password, if any, into $confdir/mqtt-password
  systemctl enable --now avwatch
  journalctl -u avwatch -f
EOF
  fi
}

do_uninstall() {
  if live && systemd_running; then
    if systemctl is-enabled --quiet avwatch.service 2>/dev/null || systemctl is-active --quiet avwatch.service 2>/dev/null; then
      systemctl disable --now avwatch.service
    fi
  fi
  rm -f "$DESTDIR$BINDIR/avwatch" "$DESTDIR$UNITDIR/avwatch.service" \
    "$DESTDIR$SYSUSERSDIR/avwatch.conf" "$DESTDIR$GST_PLUGINDIR/libgstavwatch.so"
  for d in "${dropins[@]}"; do rm -f "$DESTDIR$DOCDIR/examples/$d"; done
  rmdir "$DESTDIR$DOCDIR/examples" "$DESTDIR$DOCDIR" 2>/dev/null || true

  # Config: remove only what the operator never changed.
  local kept=()
  if [ -f "$DESTDIR$confdir/avwatch.yaml" ]; then
    if [ -f "$CONFIG_SRC" ] && cmp -s "$CONFIG_SRC" "$DESTDIR$confdir/avwatch.yaml"; then
      rm -f "$DESTDIR$confdir/avwatch.yaml"
    else
      kept+=("$confdir/avwatch.yaml (edited)")
    fi
  fi
  if [ -f "$DESTDIR$confdir/mqtt-password" ]; then
    if [ -s "$DESTDIR$confdir/mqtt-password" ]; then
      kept+=("$confdir/mqtt-password (not empty)")
    else
      rm -f "$DESTDIR$confdir/mqtt-password"
    fi
  fi
  rmdir "$DESTDIR$confdir" 2>/dev/null || true

  if live; then
    if systemd_running; then systemctl daemon-reload; fi
    if [ -d /var/lib/avwatch ]; then kept+=("/var/lib/avwatch (outbox of undelivered alerts)"); fi
    if getent passwd avwatch >/dev/null; then kept+=("the avwatch user (userdel avwatch)"); fi
  fi
  if [ ${#kept[@]} -gt 0 ]; then
    echo "uninstall: kept:" >&2
    printf '  %s\n' "${kept[@]}" >&2
  fi
}

case "$action" in
  install) do_install ;;
  uninstall) do_uninstall ;;
  list) list ;;
  *) echo "usage: $0 install|uninstall|list" >&2; exit 2 ;;
esac
