#!/usr/bin/env bash
# Builds dist/avwatch_<version>_<arch>.deb with dpkg-deb from binaries that
# are already built for ARCH (mk/install.mk's `deb` target builds them).
# The file layout comes from packaging/install.sh with PREFIX=/usr, so the
# package installs exactly what `make install PREFIX=/usr` would.
#
# Environment: ARCH (Debian arch, default native), VERSION (default
# packaging/version.sh), BIN, PLUGIN_SO (built for ARCH), OUT (default dist),
# COMPRESS (dpkg-deb -Z: xz by default; tests use none).
# Prints the path of the .deb on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
ARCH=${ARCH:-$(dpkg --print-architecture)}
VERSION=${VERSION:-$("$here/packaging/version.sh")}
BIN=${BIN:?BIN: the avwatch binary built for $ARCH}
PLUGIN_SO=${PLUGIN_SO:?PLUGIN_SO: libgstavwatch.so built for $ARCH}
OUT=${OUT:-$here/dist}

for t in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
  command -v "$t" >/dev/null || { echo "deb: $t missing: apt-get install dpkg-dev" >&2; exit 1; }
done
[ -f "$PLUGIN_SO" ] || { echo "deb: $PLUGIN_SO missing: make plugin (or PLUGIN_SO=...)" >&2; exit 1; }
triplet=$(dpkg-architecture -a"$ARCH" -qDEB_HOST_MULTIARCH 2>/dev/null)

# The binaries must be for ARCH: a native binary in an arm64 package installs
# fine and then fails with "Exec format error" on the box.
elf_machine() { LC_ALL=C readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p'; }
case "$ARCH" in
  amd64) want="Advanced Micro Devices X86-64" ;;
  arm64) want="AArch64" ;;
  armhf) want="ARM" ;;
  *) want="" ;;
esac
if [ -n "$want" ]; then
  for f in "$BIN" "$PLUGIN_SO"; do
    got=$(elf_machine "$f")
    [ "$got" = "$want" ] || { echo "deb: $f is built for '$got', not $ARCH ($want)" >&2; exit 1; }
  done
fi

# The package runs on GStreamer 1.20 only if the binaries were built with
# internal/gstcompat/gstcompat.h (mk/compat.mk; make build/plugin/deb do):
# otherwise go-gst links gst_debug_message_get_id and dpkg-shlibdeps rightly
# makes the package require libgstreamer 1.22.
for f in "$BIN" "$PLUGIN_SO"; do
  if [ -n "$(LC_ALL=C readelf --dyn-syms -W "$f" 2>/dev/null | awk '$7 == "UND" && $8 ~ /^gst_debug_message_get_id(@|$)/')" ]; then
    echo "deb: warning: $f links gst_debug_message_get_id (built without internal/gstcompat/gstcompat.h, see mk/compat.mk): the package will require GStreamer 1.22" >&2
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root

DESTDIR=$root PREFIX=/usr GST_PLUGINDIR=/usr/lib/$triplet/gstreamer-1.0 \
  BIN=$BIN PLUGIN_SO=$PLUGIN_SO "$here/packaging/install.sh" install

install -d -m 0755 "$root/DEBIAN"
for s in postinst prerm postrm; do
  install -m 0755 "$here/packaging/debian/$s" "$root/DEBIAN/$s"
done
# Conffiles: dpkg keeps the operator's edits on upgrade and removes them on purge.
printf '%s\n' /etc/avwatch/avwatch.yaml /etc/avwatch/mqtt-password > "$root/DEBIAN/conffiles"

# Library dependencies with versions from the shlibs/symbols files of the
# installed (multiarch) libraries; dpkg-shlibdeps wants a debian/control.
mkdir -p "$work/src/debian"
: > "$work/src/debian/control"
shlibargs=()
if [ "$ARCH" != "$(dpkg --print-architecture)" ]; then
  # Cross build: the target's libraries are not installed, so dpkg knows
  # nothing about them. packaging/sysroot.sh kept their control files.
  # Their symbols files go where dpkg-shlibdeps reads those of a package
  # being built: it then versions each dependency by the symbols the
  # binaries use, as for installed libraries. Their shlibs files (one
  # version per library, the sysroot's own: GStreamer 1.22, GLib 2.74, which
  # Ubuntu 22.04 / JetPack 6 do not have) serve, as debian/shlibs.local,
  # only the libraries without a symbols file (shlibs.local would win).
  sysroot=${SYSROOT:-$here/build/sysroot/$ARCH}
  ls "$sysroot"/.control/*/shlibs >/dev/null 2>&1 || {
    echo "deb: no shlibs in $sysroot/.control: run packaging/sysroot.sh $ARCH $sysroot" >&2; exit 1; }
  mkdir -p "$work/src/debian/sysroot/DEBIAN"
  cat /dev/null "$sysroot"/.control/*/symbols > "$work/src/debian/sysroot/DEBIAN/symbols" 2>/dev/null || true
  awk 'NR == FNR { if (/^[^ #*|]/) covered[$1] = 1; next }
       /^[a-z0-9-]+:/ { next }  # udeb: and other package types
       !(($1 ".so." $2) in covered)' \
    "$work/src/debian/sysroot/DEBIAN/symbols" "$sysroot"/.control/*/shlibs > "$work/src/debian/shlibs.local"
  shlibargs=("-l$sysroot/usr/lib/$triplet" "-l$sysroot/lib/$triplet")
fi
elves=()
for f in "$root/usr/bin/avwatch" "$root/usr/lib/$triplet/gstreamer-1.0/libgstavwatch.so"; do
  readelf -d "$f" 2>/dev/null | grep -q NEEDED && elves+=("-e$f")
done
shlibs=""
if [ ${#elves[@]} -gt 0 ]; then
  shlibs=$(cd "$work/src" && DEB_HOST_ARCH=$ARCH DEB_HOST_MULTIARCH=$triplet \
    dpkg-shlibdeps -O ${shlibargs[@]+"${shlibargs[@]}"} "${elves[@]}" 2>"$work/shlibdeps.err" \
    | sed -n 's/^shlibs:Depends=//p') || { cat "$work/shlibdeps.err" >&2; exit 1; }
fi

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$size/" \
  -e "s/@SHLIBS@, //; s/^Depends: /Depends: ${shlibs:+$shlibs, }/" \
  "$here/packaging/debian/control.in" > "$root/DEBIAN/control"

(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"

mkdir -p "$OUT"
deb=$OUT/avwatch_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Z"${COMPRESS:-xz}" --build "$root" "$deb" >/dev/null
echo "$deb"
