#!/usr/bin/env bash
# Packs what scripts/device/nvidia.sh needs on a GPU box that has the NVIDIA
# driver but no GStreamer and no network (the device machine this project is
# sometimes lent): GStreamer 1.22 from this Debian 12 box (the plugins the
# NVIDIA path and the test clips use, and their libraries, not glibc or
# libstdc++, which the GPU box's newer ones replace), avwatch, the pipeline
# test binary, the cached testsource clips TestNVIDIADecode asks for, and a
# few testvideos clips plus HEVC, AV1 and VP9 clips made here.
#
# libav (avdec_*) stays behind: with its libraries it is ~240 MB, over the
# 64 MiB a device call carries. Software decoding there is openh264dec
# (constrained baseline only) and AAC is faad, so the GPU's reports are best
# compared with software reports made here (by hand: see nvidia.sh).
#
# Usage: scripts/device/bundle.sh [DIR]   (default .dev, which .git/info/exclude
# should name; carry it with the call)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-.dev}
rm -rf "$dir" && mkdir -p "$dir/clips" "$dir/tmp/avwatch-testsource"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/gst/lib" "$stage/gst/plugins" "$stage/gst/bin"
P=/usr/lib/x86_64-linux-gnu/gstreamer-1.0
for p in app audioconvert audioparsers audioresample audiotestsrc coreelements coretracers faad isomp4 jpeg matroska mpegtsdemux mpg123 multifile nvcodec openh264 playback typefindfunctions videoconvertscale videoparsersbad videotestsrc; do
  cp "$P/libgst$p.so" "$stage/gst/plugins/"
done
make -s plugin >/dev/null && cp build/libgstavwatch.so "$stage/gst/plugins/"
cp /usr/bin/gst-launch-1.0 /usr/bin/gst-inspect-1.0 /usr/lib/x86_64-linux-gnu/gstreamer1.0/gstreamer-1.0/gst-plugin-scanner "$stage/gst/bin/"
go build -trimpath -o "$stage/avwatch" ./cmd/avwatch
go test -c -o "$stage/pipeline.test" ./pipeline
ldd "$stage/avwatch" "$stage/pipeline.test" "$stage"/gst/plugins/*.so "$stage"/gst/bin/* 2>/dev/null |
  awk '/=> \//{print $1, $3}' | sort -u |
  grep -v -E '^(libc\.so|libm\.so|libpthread|libdl\.so|librt\.so|libresolv|ld-linux|libstdc\+\+|libgcc_s)' |
  while read -r name path; do cp -L "$path" "$stage/gst/lib/$name"; done
tar -C "$stage" -cJf "$dir/bundle.tar.xz" .
# The clips TestNVIDIADecode makes with x264enc/x265enc (not carried): its
# software control makes them here, cached under $TMPDIR/avwatch-testsource.
TMPDIR=$PWD/$dir/tmp go test -count=1 -run TestNVIDIADecode ./pipeline >/dev/null
for c in black.ts blocky.ts control.mp4 loudness.mp4 stereo.ts; do
  cp "testvideos/out/$c" "$dir/clips/"
done
lavfi=(-loglevel error -f lavfi -i testsrc2=size=1280x720:rate=25:duration=6)
ffmpeg "${lavfi[@]}" -c:v libx265 -x265-params log-level=error -pix_fmt yuv420p "$dir/clips/hevc.mp4"
ffmpeg "${lavfi[@]}" -c:v libvpx-vp9 -b:v 2M -deadline realtime -cpu-used 8 "$dir/clips/vp9.webm"
ffmpeg "${lavfi[@]}" -c:v libsvtav1 -preset 10 -svtav1-params verbosity=0 "$dir/clips/av1.mp4" 2>/dev/null
ffmpeg -loglevel error -f lavfi -i testsrc2=size=1920x1080:rate=25:duration=60 -f lavfi -i sine=frequency=1000:duration=60 \
  -c:v libx264 -preset veryfast -crf 32 -pix_fmt yuv420p -g 50 -c:a aac -b:a 96k "$dir/clips/long1080.mp4"
gst-launch-1.0 -q videotestsrc num-buffers=150 pattern=ball ! video/x-raw,width=1280,height=720,framerate=25/1 ! x264enc ! video/x-h264,profile=constrained-baseline ! mpegtsmux ! filesink location="$dir/clips/baseline.ts"
cp scripts/device/nvidia.sh "$dir/"
du -sh "$dir"
