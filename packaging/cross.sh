#!/usr/bin/env bash
# The cgo environment for building avwatch for a Debian architecture.
#   packaging/cross.sh ARCH            print KEY=VALUE lines to export, or say
#                                      exactly what is missing and exit 1
#   packaging/cross.sh ARCH --install  first install what is missing: the
#                                      cross compiler (apt, root or sudo) and
#                                      the target sysroot (packaging/sysroot.sh,
#                                      downloads into build/sysroot/ARCH)
# avwatch links GStreamer through cgo, so a cross build needs a C cross
# compiler and the target's GStreamer/GLib headers and libraries. Debian's
# multiarch cannot provide the latter next to the native ones on Debian 12
# (see sysroot.sh), hence a private sysroot.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-}
mode=${2:-}
[ -n "$arch" ] || { echo "usage: $0 ARCH [--install]" >&2; exit 2; }
native=$(dpkg --print-architecture)

if [ "$arch" = "$native" ]; then
  echo "CGO_ENABLED=1"
  exit 0
fi

case "$arch" in
  arm64) goarch=arm64; triplet=aarch64-linux-gnu ;;
  armhf) goarch=arm; triplet=arm-linux-gnueabihf ;;
  amd64) goarch=amd64; triplet=x86_64-linux-gnu ;;
  *) echo "cross: architecture $arch is not supported (amd64, arm64, armhf)" >&2; exit 1 ;;
esac
sysroot=$here/build/sysroot/$arch
aptpkgs=("gcc-$triplet" "libc6-dev-$arch-cross")

missing_apt() {
  local m=()
  command -v "$triplet-gcc" >/dev/null || m+=("gcc-$triplet")
  [ -f "/usr/$triplet/include/stdio.h" ] || m+=("libc6-dev-$arch-cross")
  echo "${m[@]}"
}
have_sysroot() { ls "$sysroot"/.complete-"$arch" >/dev/null 2>&1; }

if [ "$mode" = "--install" ]; then
  m=$(missing_apt)
  if [ -n "$m" ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null || { echo "cross: not root and no sudo: as root, apt-get install $m" >&2; exit 1; }
      sudo=sudo
    fi
    echo "cross: installing $m" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $m >/dev/null
  fi
  have_sysroot || "$here/packaging/sysroot.sh" "$arch" "$sysroot"
fi

m=$(missing_apt)
if [ -n "$m" ] || ! have_sysroot; then
  {
    echo "cross: building for $arch needs a cgo cross toolchain and $arch GStreamer headers/libraries; missing here:"
    [ -n "$m" ] && echo "  apt packages: $m   (as root: apt-get install --no-install-recommends $m)"
    have_sysroot || echo "  the $arch sysroot: packaging/sysroot.sh $arch build/sysroot/$arch   (downloads ~20 MB: package lists and 32 Debian $arch packages; touches nothing outside build/)"
    echo "or let it do both: packaging/cross.sh $arch --install   (make deb ARCH=$arch does)"
  } >&2
  exit 1
fi

libdir=$sysroot/usr/lib/$triplet
echo "GOARCH=$goarch"
[ "$goarch" = arm ] && echo "GOARM=7"
echo "CGO_ENABLED=1"
echo "CC=$triplet-gcc"
# Only the sysroot's .pc files; pkg-config prefixes their -I/-L with it.
echo "PKG_CONFIG_SYSROOT_DIR=$sysroot"
echo "PKG_CONFIG_LIBDIR=$libdir/pkgconfig:$sysroot/usr/share/pkgconfig"
# The linker follows the GStreamer libraries' own dependencies (libunwind,
# libdw, libffi, ...) through these; one argument, no spaces.
echo "CGO_LDFLAGS=-Wl,-rpath-link,$libdir:$sysroot/lib/$triplet"
