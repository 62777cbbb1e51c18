#!/usr/bin/env bash
# Proves avwatch builds against, and runs with, GStreamer 1.20 + GLib 2.72
# (Ubuntu 22.04, the base of JetPack 6) on this Debian 12 (1.22) machine.
# `make check-gst120`. Needs the network and ~10 min cold on 2 cores
# (downloads ~35 MB, compiles go-gst against 1.20; ~3 min warm), so it is
# not part of make test.
#
#   scripts/check-gst120.sh [--no-tests]
#
# 1. A private sysroot of Ubuntu 22.04 packages in $GST120_DIR (default
#    build/gst120, git-ignored): GStreamer/GLib/ORC with headers, the
#    plugins (base, good, bad, ugly, libav, tools), rtsp-server, and those
#    of their libraries whose soname this machine lacks (the machine's own
#    serve the rest: the C library must stay the machine's, and a
#    same-soname Debian 12 library is a newer one). Fetched with a private
#    apt configuration (own lists, cache, status and keyring under
#    $GST120_DIR/apt; the system's apt and dpkg are not touched) and
#    unpacked with dpkg-deb -x. The Ubuntu archive key comes from Ubuntu's
#    ubuntu-keyring .deb, checked against a pinned SHA-256. UBUNTU_MIRROR
#    (required) is the Ubuntu archive mirror to fetch from: the project's
#    own build and tests reach only Debian's and Go's package registries,
#    so this opt-in check names no outside host itself.
# 2. Builds avwatch and libgstavwatch.so against 1.20 (pkg-config from the
#    sysroot) and, here, against 1.22 with the flags make uses (what
#    make build / make deb ship); unless --no-tests, also compiles and links
#    every test binary of the module against 1.20 (go test -run '^$').
# 3. Runs both builds with 1.20's libraries and plugins only (own registry)
#    and LD_BIND_NOW=1, so a symbol 1.20 lacks fails at load: avwatch doctor
#    reports 1.20; avwatch check finds the defects truth.json requires in
#    testvideos' black.ts and silence.ts (as the 1.22 run does); 1.20's
#    gst-inspect-1.0 / gst-launch-1.0 load the plugin and its videoqc and
#    audioqc post black and silence defects.
# 4. apt on Ubuntu 22.04 (simulated) resolves the Depends of the .deb that
#    packaging/build-deb.sh makes from the 1.22 build.
# 5. Unless --no-tests, runs the GStreamer tests (elements, pipeline,
#    cmd/avwatch) built against 1.20 with 1.20's runtime.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
GO=${GO:-go}
dir=${GST120_DIR:-$here/build/gst120}
mirror=${UBUNTU_MIRROR:-}
[ -n "$mirror" ] || { echo "check-gst120: set UBUNTU_MIRROR to an Ubuntu archive mirror (a URL ending in /ubuntu) to fetch 22.04's GStreamer 1.20 from" >&2; exit 2; }
suite=jammy
tests=1
for a in "$@"; do
  case "$a" in
    --no-tests) tests=0 ;;
    *) echo "usage: $0 [--no-tests]" >&2; exit 2 ;;
  esac
done
[ "$(dpkg --print-architecture)" = amd64 ] || { echo "check-gst120: runs on amd64 only" >&2; exit 1; }
triplet=x86_64-linux-gnu
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
root=$dir/root
say() { echo "check-gst120: $*" >&2; }
fail() { echo "check-gst120: FAIL: $*" >&2; exit 1; }

# ---------------------------------------------------------------- sysroot
# What the build and the smoke test need; apt adds their dependencies.
top=(
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libglib2.0-dev
  libgstrtspserver-1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools
)
keyring_deb=ubuntu-keyring_2021.03.26_all.deb
keyring_sha256=0d0e7ed6b112f5d03eabf3c7eb01ebdacf9c57714b279e90495cfc58c8c4520f
stamp=$root/.complete
want_stamp="$suite ${top[*]}"

# Which packages of apt's dependency closure go into the sysroot.
wanted() {
  case "$1" in
    # The machine's C library and its headers (2.36, newer than 2.35).
    libc6 | libc6-dev | libc-dev-bin | linux-libc-dev | libcrypt-dev | libtirpc-dev | libnsl-dev) return 1 ;;
    # What this check is about, whatever the machine has.
    libglib2.0-* | libgst* | liborc-0.4-* | gstreamer1.0-*) return 0 ;;
    # Headers and .pc files: pkg-config reads only the sysroot's.
    *-dev) return 0 ;;
    # Never loaded by anything GStreamer needs here.
    libperl* | libpython* | libicu* | libllvm*) return 1 ;;
    # A library: only when the machine lacks that soname (package name).
    lib*) ! dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^.i' ;;
    *) return 1 ;;
  esac
}

apt=$dir/apt
# A private apt for the Ubuntu archive: lists, cache, keyring and status of
# its own under $dir/apt (APT_CONFIG), kept for the install check below.
setup_apt() {
  export APT_CONFIG=$apt/apt.conf
  [ -f "$apt/.updated" ] && return 0
  rm -rf "$apt"
  mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/prefs"
  : > "$apt/status"
  say "fetching $keyring_deb"
  curl -fsS -o "$apt/$keyring_deb" "$mirror/pool/main/u/ubuntu-keyring/$keyring_deb" ||
    fail "cannot download $mirror/pool/main/u/ubuntu-keyring/$keyring_deb (set UBUNTU_MIRROR to an Ubuntu mirror)"
  echo "$keyring_sha256  $apt/$keyring_deb" | sha256sum -c --quiet ||
    fail "$keyring_deb does not have the pinned SHA-256"
  dpkg-deb --fsys-tarfile "$apt/$keyring_deb" |
    tar -xO ./etc/apt/trusted.gpg.d/ubuntu-keyring-2018-archive.gpg > "$apt/ubuntu.gpg"
  cat > "$apt/sources.list" <<EOF
deb [arch=amd64 signed-by=$apt/ubuntu.gpg] $mirror $suite main universe
deb [arch=amd64 signed-by=$apt/ubuntu.gpg] $mirror $suite-updates main universe
EOF
  cat > "$apt/apt.conf" <<EOF
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled "false";
Acquire::IndexTargets::deb::CNF::DefaultEnabled "false";
Dir::State "$apt";
Dir::State::Lists "$apt/lists";
Dir::State::status "$apt/status";
Dir::Cache "$apt";
Dir::Cache::Archives "$apt/archives";
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "/dev/null";
Dir::Etc::Trusted "/dev/null";
Dir::Etc::TrustedParts "/dev/null";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$apt/prefs";
Debug::NoLocking "true";
EOF
  say "fetching the $suite package lists"
  apt-get update -qq
  touch "$apt/.updated"
}

build_sysroot() {
  rm -rf "$root" "$apt"
  mkdir -p "$root"
  setup_apt
  # The whole dependency closure as if nothing were installed; wanted()
  # keeps what the sysroot needs.
  local closure pkgs=()
  closure=$(apt-get install -qq --print-uris --no-install-recommends "${top[@]}" | awk '{print $2}' | sed 's/_.*//')
  [ -n "$closure" ] || fail "apt resolved nothing for ${top[*]}"
  for p in $closure; do
    if wanted "$p"; then pkgs+=("$p"); fi
  done
  say "downloading ${#pkgs[@]} $suite packages"
  (cd "$apt/archives" && apt-get download -qq "${pkgs[@]}")
  for deb in "$apt/archives"/*.deb; do
    dpkg-deb -x "$deb" "$root"
  done
  rm -f "$apt/archives"/*.deb
  # Absolute symlinks (libfoo.so -> /lib/...) must stay inside the sysroot.
  find "$root" -type l -print | while read -r l; do
    t=$(readlink "$l")
    case "$t" in /*) ln -sfn "$root$t" "$l" ;; esac
  done
  [ -f "$root/usr/lib/$triplet/pkgconfig/gstreamer-video-1.0.pc" ] ||
    fail "$root lacks gstreamer-video-1.0.pc after unpacking"
  unset APT_CONFIG
  echo "$want_stamp" > "$stamp"
}

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
  build_sysroot
fi

libdir=$root/usr/lib/$triplet
gst120_env=(
  PKG_CONFIG_SYSROOT_DIR="$root"
  PKG_CONFIG_LIBDIR="$libdir/pkgconfig:$root/usr/share/pkgconfig"
  # The linker follows libgstreamer's own dependencies through these.
  CGO_LDFLAGS="-Wl,-rpath-link,$libdir:$root/lib/$triplet"
)
ver=$(env "${gst120_env[@]}" pkg-config --modversion gstreamer-1.0)
glibver=$(env "${gst120_env[@]}" pkg-config --modversion glib-2.0)
case "$ver" in 1.20.*) ;; *) fail "the sysroot's gstreamer-1.0.pc says $ver, not 1.20" ;; esac
say "sysroot $root: GStreamer $ver, GLib $glibver"

# The compat flags (mk/compat.mk) and nothing else from the Makefile.
cgo_cflags=$(make -s --no-print-directory print-gstcompat-cflags)
[ -n "$cgo_cflags" ] || fail "make print-gstcompat-cflags printed nothing"

# The tests that run GStreamer pipelines, run with 1.20 too (--no-tests
# skips them). Their own `go build`s of avwatch (cmd/avwatch) are against
# this machine's 1.22 with the compat header: the .deb's case.
test_pkgs=(elements/message elements/videoqc elements/audioqc elements/avsync/pipelinetest pipeline cmd/avwatch)
# Known 1.20 differences, skipped by name with the reason:
# pipeline TestValidate: 1.20's parser names the element instance in
# 'no property "x" in element "audioqc30"', 1.22 the factory ("audioqc").
declare -A test_skip=([pipeline]='^TestValidate$')

# ---------------------------------------------------------------- build
out=$dir/out
rm -rf "$out"
mkdir -p "$out/gst120" "$out/gst122"
say "building avwatch and libgstavwatch.so against GStreamer $ver"
env "${gst120_env[@]}" CGO_CFLAGS="$cgo_cflags" $GO build -trimpath -o "$out/gst120/avwatch" ./cmd/avwatch
env "${gst120_env[@]}" CGO_CFLAGS="$cgo_cflags" $GO build -trimpath -buildmode=c-shared \
  -o "$out/gst120/libgstavwatch.so" ./elements/plugin
if [ "$tests" = 1 ]; then
  say "compiling and linking every test binary against GStreamer $ver"
  env "${gst120_env[@]}" CGO_CFLAGS="$cgo_cflags" $GO test -count=1 -run '^$' ./... >"$out/test-link.log" 2>&1 ||
    { cat "$out/test-link.log" >&2; fail "go test -run '^\$' ./... against GStreamer $ver"; }
  mkdir -p "$out/tests"
  env "${gst120_env[@]}" CGO_CFLAGS="$cgo_cflags" $GO test -c -o "$out/tests/" "${test_pkgs[@]/#/./}"
fi
hostver=$(pkg-config --modversion gstreamer-1.0)
say "building the same here against GStreamer $hostver (what make build / make deb ship)"
CGO_CFLAGS="$cgo_cflags" $GO build -trimpath -o "$out/gst122/avwatch" ./cmd/avwatch
CGO_CFLAGS="$cgo_cflags" $GO build -trimpath -buildmode=c-shared -o "$out/gst122/libgstavwatch.so" ./elements/plugin
rm -f "$out"/*/libgstavwatch.h

# ---------------------------------------------------------------- smoke test
# The project's clips with ground truth (make testvideos): a black picture
# and digital / near silence, H.264 + MPEG audio in MPEG-TS, decoded by
# 1.20's tsdemux, h264parse, avdec_h264 and its audio decoders.
clips=${AVWATCH_TESTVIDEOS:-$here/testvideos/out}
for c in black.ts silence.ts truth.json; do
  [ -f "$clips/$c" ] || fail "$clips/$c missing: make testvideos"
done
v="video/x-raw,width=320,height=240,framerate=25/1"
a="audio/x-raw,rate=48000,channels=2"

# GStreamer 1.20 and only its plugins; a registry of its own.
run120=(
  env -u GST_PLUGIN_PATH -u GST_PLUGIN_SYSTEM_PATH -u GST_DEBUG
  LD_LIBRARY_PATH="$libdir:$root/lib/$triplet" LD_BIND_NOW=1
  GST_PLUGIN_SYSTEM_PATH_1_0="$libdir/gstreamer-1.0" GST_PLUGIN_PATH_1_0=
  GST_PLUGIN_SCANNER_1_0="$libdir/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner"
  GST_REGISTRY_1_0="$out/registry-$ver.bin" GST_REGISTRY_UPDATE=yes
)

# matches REPORT CLIP: every defect truth.json requires in CLIP (not a
# decoy, not optional) is in avwatch check's JSON REPORT of the same type,
# its start and end within 0.5 s (a smoke test; make accuracy measures).
matches() {
  jq -e -n --argjson rep "$1" --arg clip "$2" --slurpfile truth "$clips/truth.json" '
    [$truth[0].events[] | select(.clip == $clip and (.decoy | not) and (.optional | not))] as $want
    | ($want | length) > 0 and all($want[]; . as $w
        | any($rep.defects[]; .type == $w.type
            and (.start_s - $w.start_s | fabs) < 0.5 and (.end_s - $w.end_s | fabs) < 0.5))' >/dev/null
}
summary() { jq -r '"decoder \(.decoder): " + ([.defects[] | "\(.type) \(.start_s)-\(.end_s)"] | join(", "))' <<<"$1"; }

# check FLAVOR-LABEL RUNNER... BIN: avwatch check on both clips; the defects
# must match the truth.
check_clips() {
  local label=$1; shift
  local c rep rc
  for c in black.ts silence.ts; do
    rc=0
    rep=$("$@" check --json --progress none "$clips/$c" 2>"$out/check.err") || rc=$?
    [ "$rc" = 1 ] || { cat "$out/check.err" >&2; echo "$rep" >&2; fail "$label: avwatch check $c exited $rc, want 1 (defects found)"; }
    matches "$rep" "$c" || { echo "$rep" >&2; fail "$label: avwatch check $c misses a defect of truth.json"; }
    say "$label: check $c: $(summary "$rep")"
  done
}

# The same binary with this machine's GStreamer, for comparison.
check_clips "avwatch built against $hostver, run with $hostver" "$out/gst122/avwatch"

for flavor in gst120 gst122; do
  bin=$out/$flavor/avwatch
  what="avwatch built against $([ $flavor = gst120 ] && echo "$ver" || echo "$hostver")"
  lib=$("${run120[@]}" ldd "$bin" | awk '/libgstreamer-1.0/ {print $3}')
  [ "$lib" = "$libdir/libgstreamer-1.0.so.0" ] || fail "$what loads libgstreamer from '$lib', not the sysroot"

  doc=$("${run120[@]}" "$bin" doctor 2>&1) || { echo "$doc" >&2; fail "$what: avwatch doctor with GStreamer $ver"; }
  grep -q "1\.20\." <<<"$doc" || { echo "$doc" >&2; fail "$what: avwatch doctor does not report GStreamer 1.20"; }
  say "$what, run with $ver: doctor: $(head -1 <<<"$doc"); $(grep -m1 'present:' <<<"$doc" | sed 's/^ *//')"

  check_clips "$what, run with $ver" "${run120[@]}" "$bin"

  # The loadable plugin in 1.20's own tools.
  plug=("${run120[@]}" GST_PLUGIN_PATH_1_0="$out/$flavor")
  "${plug[@]}" "$root/usr/bin/gst-inspect-1.0" avwatch >"$out/inspect-$flavor.log" 2>&1 ||
    { cat "$out/inspect-$flavor.log" >&2; fail "libgstavwatch.so ($flavor) does not load in gst-inspect-1.0 $ver"; }
  msgs=$("${plug[@]}" "$root/usr/bin/gst-launch-1.0" -m \
    videotestsrc pattern=black num-buffers=100 ! $v ! videoqc ! fakesink \
    audiotestsrc wave=silence num-buffers=100 samplesperbuffer=1920 ! $a ! audioqc ! fakesink 2>&1) ||
    { echo "$msgs" >&2; fail "gst-launch-1.0 $ver with videoqc/audioqc from libgstavwatch.so ($flavor)"; }
  for t in black silence; do
    grep -q "kind=(string)defect, event=(string)start, type=(string)$t" <<<"$msgs" ||
      { echo "$msgs" >&2; fail "gst-launch-1.0 $ver: no $t defect from libgstavwatch.so ($flavor)"; }
  done
  say "libgstavwatch.so ($flavor) in gst-launch-1.0 $ver: black and silence defects posted"
done

# The .deb built here (Debian 12, 1.22) resolves its Depends on Ubuntu 22.04:
# apt-get's simulation, everything else from the archive.
deb=$(OUT=$out COMPRESS=none VERSION=0.0.0~gst120 BIN=$out/gst122/avwatch \
  PLUGIN_SO=$out/gst122/libgstavwatch.so packaging/build-deb.sh)
setup_apt
sim=$(apt-get install -s --no-install-recommends "$deb" 2>&1) ||
  { echo "$sim" >&2; fail "the .deb built here does not install on $suite"; }
grep -q '^Inst avwatch ' <<<"$sim" || { echo "$sim" >&2; fail "apt-get -s on $suite does not install avwatch"; }
unset APT_CONFIG
say "$(basename "$deb") installs on $suite (apt-get -s): Depends: $(dpkg-deb --field "$deb" Depends)"

# ---------------------------------------------------------------- tests
[ "$tests" = 1 ] || { say "OK: GStreamer $ver builds, links and runs avwatch (tests not run: --no-tests)"; exit 0; }
failed=()
for p in "${test_pkgs[@]}"; do
  bin=$out/tests/$(basename "$p").test
  skip=${test_skip[$p]:-}
  rc=0
  (cd "$p" && "${run120[@]}" CGO_CFLAGS="$cgo_cflags" AVWATCH_TESTVIDEOS="$clips" \
    "$bin" -test.timeout 10m -test.v ${skip:+-test.skip "$skip"} >"$out/tests/$(basename "$p").log" 2>&1) || rc=$?
  log=$out/tests/$(basename "$p").log
  say "go test ./$p with $ver: $(grep -c -- '^--- PASS' "$log") passed, $(grep -c -- '^--- FAIL' "$log") failed${skip:+ (skipped $skip)}"
  if [ "$rc" != 0 ]; then
    grep -B2 -A8 -- '--- FAIL' "$log" >&2 || tail -20 "$log" >&2
    # Timing-sensitive tests fail now and then on a loaded machine, with 1.22
    # too: the failed ones get one more run, and count only if they fail again.
    names=$(sed -n 's/^--- FAIL: \([^ ]*\) .*/\1/p' "$log" | paste -sd '|')
    rc=1
    if [ -n "$names" ]; then
      rc=0
      (cd "$p" && "${run120[@]}" CGO_CFLAGS="$cgo_cflags" AVWATCH_TESTVIDEOS="$clips" \
        "$bin" -test.timeout 10m -test.v -test.run "^($names)\$" >"$log.retry" 2>&1) || rc=$?
    fi
    if [ "$rc" = 0 ]; then
      say "go test ./$p with $ver: $names passed when run again (flaky, not counted)"
    else
      grep -B2 -A8 -- '--- FAIL' "$log.retry" >&2 || true
      failed+=("$p")
    fi
  fi
done
[ ${#failed[@]} -eq 0 ] || fail "tests failed with GStreamer $ver: ${failed[*]} (logs in $out/tests)"
say "OK: GStreamer $ver builds, links and runs avwatch"
