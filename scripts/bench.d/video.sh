#!/usr/bin/env bash
# videoqc cost, two ways, each against a baseline measured in the same run.
#  1. Pure Go, real decoded frames: the three detectors per 1080p and 2160p
#     frame (Analyzer on frames decoded from the control clip), CPU time per
#     frame and allocs/op. Bar (issue 3): <= 500 us at 1080p, <= 2 ms at
#     2160p, 0 allocs/op.
#  2. In a decode pipeline, on the same file: GStreamer decode-only vs
#     decode + videoqc, and ffmpeg decode-only vs decode + blackdetect,
#     freezedetect, blockdetect. Each analysis overhead is printed as a
#     share of its own decode's CPU time (user+sys of the process, best of
#     VIDEO_BENCH_RUNS runs: the machine is shared, and CPU time is what an
#     edge box pays), and the ratio between the two overheads. Bar: videoqc's
#     overhead is the smaller.
# VIDEO_BENCH_FILE overrides the clip (default: the 1080p control clip).
set -euo pipefail
cd "$(dirname "$0")/../.."
clips=${AVWATCH_TESTVIDEOS:-$PWD/testvideos/out}
file=${VIDEO_BENCH_FILE:-$clips/control.mp4}
runs=${VIDEO_BENCH_RUNS:-3}
[ -f "$file" ] || go run ./testvideos/gen -out "$clips"

echo "--- Go (no cgo; AVX2 kernels where the CPU has them), real decoded frames (control clip, scaled for 2160p)"
out=$(AVWATCH_TESTVIDEOS=$clips go test -run '^$' -bench '^BenchmarkDecoded' -benchmem -benchtime "${VIDEO_BENCHTIME:-300x}" ./elements/videoqc/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
  /^BenchmarkDecoded/ {
    name=$1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkDecoded/, "", name)
    for (i = 2; i < NF; i++) {
      if ($(i+1) == "cpu-ns/op") cpu[name] = $i / 1000
      if ($(i+1) == "allocs/op") allocs[name] = $i
    }
  }
  END {
    printf "%-8s %14s %10s %10s\n", "", "cpu-us/frame", "budget", "allocs/op"
    printf "%-8s %14.0f %10s %10s\n", "1080p", cpu["1080p"], "500", allocs["1080p"]
    printf "%-8s %14.0f %10s %10s\n", "2160p", cpu["2160p"], "2000", allocs["2160p"]
    if (cpu["1080p"] > 500 || cpu["2160p"] > 2000 || allocs["1080p"] != 0 || allocs["2160p"] != 0) { print "video: over the bar"; exit 1 }
    print "video: within the bar (<= 500 us at 1080p, <= 2 ms at 2160p, 0 allocs/op)"
  }'

echo
echo "--- decode pipelines on $(basename "$file"), best of $runs runs (CPU = user+sys seconds)"
go build -buildmode=c-shared -trimpath -o build/libgstavwatch.so ./elements/plugin
rm -f build/libgstavwatch.h
export GST_PLUGIN_PATH=$PWD/build
export GST_REGISTRY=${TMPDIR:-/tmp}/avwatch-bench-registry.bin
filters=blackdetect,freezedetect,blockdetect
if ! ffmpeg -hide_banner -filters 2>/dev/null | grep -q ' blockdetect '; then
  echo "ffmpeg has no blockdetect (needs ffmpeg >= 5.0): comparing without it"
  filters=blackdetect,freezedetect
fi

# best "wall cpu" of $runs runs of a command
best() {
  local w c bw=1e9 bc=1e9 t
  for _ in $(seq "$runs"); do
    t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -1)
    w=$(echo "$t" | awk '{print $1}')
    c=$(echo "$t" | awk '{print $2 + $3}')
    bw=$(awk -v a="$bw" -v b="$w" 'BEGIN{print (b < a) ? b : a}')
    bc=$(awk -v a="$bc" -v b="$c" 'BEGIN{print (b < a) ? b : a}')
  done
  echo "$bw $bc"
}

gst() { gst-launch-1.0 -q filesrc location="$file" ! decodebin3 ! video/x-raw ! "$@" ! fakesink sync=false; }
gst identity >/dev/null 2>&1 || true # warm the registry and the file cache
gst_dec=$(best gst identity)
gst_vqc=$(best gst videoqc)
ff_dec=$(best ffmpeg -hide_banner -nostats -i "$file" -map 0:v:0 -f null -)
ff_det=$(best ffmpeg -hide_banner -nostats -i "$file" -map 0:v:0 -vf "$filters" -f null -)
frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$file")

awk -v gd="$gst_dec" -v gv="$gst_vqc" -v fd="$ff_dec" -v ff="$ff_det" -v n="$frames" -v filters="$filters" 'BEGIN {
  split(gd, a); split(gv, b); split(fd, c); split(ff, d)
  printf "%-44s %8s %8s %12s\n", "", "wall s", "cpu s", "cpu ms/frame"
  printf "%-44s %8.2f %8.2f %12.2f\n", "gstreamer decode only", a[1], a[2], 1000 * a[2] / n
  printf "%-44s %8.2f %8.2f %12.2f\n", "gstreamer decode + videoqc", b[1], b[2], 1000 * b[2] / n
  printf "%-44s %8.2f %8.2f %12.2f\n", "ffmpeg decode only", c[1], c[2], 1000 * c[2] / n
  printf "%-44s %8.2f %8.2f %12.2f\n", "ffmpeg decode + " filters, d[1], d[2], 1000 * d[2] / n
  vq = (b[2] - a[2]) / a[2]; fo = (d[2] - c[2]) / c[2]
  printf "\nanalysis overhead (share of its decode CPU time, %d frames):\n", n
  printf "  videoqc                         %6.1f %%  (%+.0f us/frame)\n", 100 * vq, 1e6 * (b[2] - a[2]) / n
  printf "  ffmpeg %-24s %6.1f %%  (%+.0f us/frame)\n", filters, 100 * fo, 1e6 * (d[2] - c[2]) / n
  if (vq > 0) printf "  ratio ffmpeg / videoqc          %6.1f x\n", fo / vq
  else printf "  ratio ffmpeg / videoqc          videoqc overhead within noise (<= 0)\n"
  if (vq >= fo) { print "video: videoqc overhead is not the smaller one"; exit 1 }
  print "video: videoqc overhead is the smaller one"
}'
