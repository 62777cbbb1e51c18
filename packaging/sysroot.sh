#!/usr/bin/env bash
# Builds a sysroot with the target architecture's GStreamer/GLib headers and
# libraries from Debian's own .debs, for cgo cross builds.
#
#   packaging/sysroot.sh ARCH DIR
#
# Why not multiarch (dpkg --add-architecture + apt-get install pkg:arm64)?
# On Debian 12 libgstreamer-plugins-base1.0-dev is not "Multi-Arch: same":
# installing the arm64 one removes the amd64 one (and libgstrtspserver-1.0-dev
# with it), breaking native builds. So the packages are fetched with a private
# apt configuration (own lists and cache under DIR; the system's apt and dpkg
# are not touched), unpacked with dpkg-deb -x, and used with
# PKG_CONFIG_SYSROOT_DIR. The C library comes from the cross compiler
# (gcc-aarch64-linux-gnu brings libc6-dev-arm64-cross).
set -euo pipefail

arch=${1:?usage: $0 ARCH DIR}
dir=${2:?usage: $0 ARCH DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH)

# Headers and .pc files of every pkg-config module go-gst and the elements
# ask for (gstreamer, -base, -app, -video, -audio, -pbutils, -controller,
# -net, -sdp, glib, gobject, gio) and of their Requires(.private), plus the
# runtime libraries the linker follows from them.
pkgs=(
  libgstreamer1.0-dev libgstreamer1.0-0
  libgstreamer-plugins-base1.0-dev libgstreamer-plugins-base1.0-0
  libglib2.0-dev libglib2.0-0
  liborc-0.4-dev liborc-0.4-0
  libunwind-dev libunwind8
  libdw-dev libdw1 libelf-dev libelf1
  libffi-dev libffi8
  libpcre2-dev libpcre2-8-0
  libmount-dev libmount1 libblkid-dev libblkid1
  libselinux1-dev libselinux1 libsepol-dev libsepol2
  liblzma-dev liblzma5 zlib1g-dev zlib1g
  libbz2-1.0 libzstd1
  # Not linked against (the cross compiler brings its own C library), but
  # their control files tell build-deb.sh the Depends, and with them the
  # sysroot runs target binaries under qemu-user (-L sysroot).
  libc6 libgcc-s1
)

stamp=$dir/.complete-$arch
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${pkgs[*]}" ]; then
  exit 0
fi

apt=$dir/.apt
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/prefs"
: > "$apt/status"
# The system's sources, but the target architecture and private state.
cat > "$apt/apt.conf" <<EOF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Dir::State "$apt";
Dir::State::Lists "$apt/lists";
Dir::State::status "$apt/status";
Dir::Cache "$apt";
Dir::Cache::Archives "$apt/archives";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$apt/prefs";
Debug::NoLocking "true";
EOF
export APT_CONFIG=$apt/apt.conf
echo "sysroot: fetching $arch package lists" >&2
apt-get update -qq
echo "sysroot: downloading ${#pkgs[@]} $arch packages into $dir" >&2
(cd "$apt/archives" && apt-get download -qq "${pkgs[@]}")
# Data into the sysroot; control files (shlibs, symbols) into .control/PKG
# for build-deb.sh's dpkg-shlibdeps.
mkdir -p "$dir/.control"
for deb in "$apt/archives"/*_"$arch".deb; do
  dpkg-deb -x "$deb" "$dir"
  dpkg-deb -e "$deb" "$dir/.control/$(dpkg-deb --field "$deb" Package)"
done

# Absolute symlinks (e.g. /usr/lib/<triplet>/libz.so -> /lib/<triplet>/libz.so.1)
# would point into the build machine; make them point into the sysroot.
find "$dir" \( -path "$apt" -o -path "$dir/.control" \) -prune -o -type l -print | while read -r l; do
  t=$(readlink "$l")
  case "$t" in /*) ln -sfn "$dir$t" "$l" ;; esac
done

[ -f "$dir/usr/lib/$triplet/pkgconfig/gstreamer-video-1.0.pc" ] || {
  echo "sysroot: $dir lacks gstreamer-video-1.0.pc after unpacking" >&2; exit 1; }
rm -rf "$apt"
echo "${pkgs[*]}" > "$stamp"
