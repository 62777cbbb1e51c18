#!/usr/bin/env bash
# The cgo environment for building avwatch for a Debian architecture.
#   packaging/cross.sh ARCH            print KEY=VALUE lines to export, or say
#                                      exactly what is missing and exit 1
#   packaging/cross.sh ARCH --install  install what is missing (root; adds the
#                                      dpkg foreign architecture for ARCH)
# avwatch links GStreamer through cgo, so a cross build needs a C cross
# compiler and the target's GStreamer/GLib headers and libraries, which
# Debian provides side by side through multiarch (/usr/lib/<triplet>).
set -euo pipefail

arch=${1:-}
native=$(dpkg --print-architecture)
[ -n "$arch" ] || { echo "usage: $0 ARCH [--install]" >&2; exit 2; }

if [ "$arch" = "$native" ]; then
  echo "GOARCH=$(go env GOARCH)"
  echo "CGO_ENABLED=1"
  exit 0
fi

case "$arch" in
  arm64) goarch=arm64; triplet=aarch64-linux-gnu ;;
  armhf) goarch=arm; triplet=arm-linux-gnueabihf ;;
  amd64) goarch=amd64; triplet=x86_64-linux-gnu ;;
  *) echo "cross: architecture $arch is not supported (amd64, arm64, armhf)" >&2; exit 1 ;;
esac

# GStreamer headers for the target: what go-gst's pkg-config lines ask for.
devpkgs=("libgstreamer1.0-dev:$arch" "libgstreamer-plugins-base1.0-dev:$arch")
compiler=gcc-$triplet

missing=()
command -v "$triplet-gcc" >/dev/null || missing+=("$compiler")
foreign=yes
dpkg --print-foreign-architectures | grep -qx "$arch" || foreign=no
for p in "${devpkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${2:-}" = "--install" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "cross: --install needs root" >&2; exit 1; }
  if [ $foreign = no ]; then dpkg --add-architecture "$arch"; fi
  if [ ${#missing[@]} -gt 0 ] || [ $foreign = no ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$compiler" "${devpkgs[@]}" >/dev/null
  fi
  exit 0
fi

if [ $foreign = no ] || [ ${#missing[@]} -gt 0 ]; then
  {
    echo "cross: building for $arch needs a cgo cross toolchain and $arch GStreamer headers (Debian multiarch); missing here:"
    [ $foreign = no ] && echo "  dpkg foreign architecture $arch"
    for m in "${missing[@]}"; do echo "  $m"; done
    echo "Install them as root with:"
    [ $foreign = no ] && echo "  dpkg --add-architecture $arch"
    echo "  apt-get update"
    echo "  apt-get install $compiler ${devpkgs[*]}"
    echo "or: packaging/cross.sh $arch --install"
  } >&2
  exit 1
fi

echo "GOARCH=$goarch"
[ "$goarch" = arm ] && echo "GOARM=7"
echo "CGO_ENABLED=1"
echo "CC=$triplet-gcc"
# Only the target's .pc files: the host's would hand out x86 link paths.
echo "PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig"
