#!/usr/bin/env bash
# avwatch check against a decode-only pipeline on the same files, in the
# same run: the same demux and decoders (decodebin3) into fakesinks, no
# conversion and no analysis. Runs alternate; the fastest of each is kept.
# Speed is compared on CPU time (user+sys of the process and its threads):
# on a shared machine wall time mostly measures the neighbours. Wall time
# is printed too.
# When build/libgstavwatch.so exists (make plugin), the launch string avwatch
# generates is also run by gst-launch-1.0: "string" is what the pipeline
# costs (decode + conversion + videoqc + audioqc), so check/string is the
# runner's own overhead (process, probe, container check, bus handling).
# Bar (issue 5): avwatch check runs at >= 90% of decode-only speed.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${AVWATCH_BIN:-bin/avwatch}
[ -x "$bin" ] || go build -o "$bin" ./cmd/avwatch
dir=${AVWATCH_TESTVIDEOS:-testvideos/out}
runs=${PIPELINE_BENCH_RUNS:-3}
clips=()
for c in ${PIPELINE_BENCH_CLIPS:-control.mp4 black.ts}; do [ -f "$dir/$c" ] && clips+=("$dir/$c"); done
if [ ${#clips[@]} -eq 0 ]; then
  echo "pipeline bench: no test clips in $dir (make testvideos)" >&2
  exit 1
fi
plugdir=""
if [ -f build/libgstavwatch.so ]; then
  plugdir=$(mktemp -d)
  trap 'rm -rf "$plugdir"' EXIT
  ln -s "$PWD/build/libgstavwatch.so" "$plugdir/"
fi

# measure CMD... -> "wall cpu" seconds of one run. avwatch check exits 1
# when it finds defects; only 2 (error) is a failure.
measure() {
  local TIMEFORMAT='%R %U %S' t rc=0
  t=$({ time "$@" >/dev/null 2>&1 || rc=$?; } 2>&1)
  if [ "$rc" -ge 2 ]; then echo "pipeline bench: $* failed ($rc)" >&2; return 1; fi
  echo "$t" | awk '{printf "%.3f %.3f\n", $1, $2 + $3}'
}
best() { sort -g -k"$1" | head -1 | cut -d' ' -f"$1"; }

printf '%-14s %9s %9s %9s %9s %9s %7s %8s %5s\n' clip dec-wall chk-wall dec-cpu str-cpu chk-cpu speed runner bar
status=0
for f in "${clips[@]}"; do
  desc=$("$bin" pipeline --sync=false "$f" 2>/dev/null)
  # The decode-only pipeline gets the same branches as avwatch's.
  branches=""
  case "$desc" in *dec.video_0*) branches+=" dec.video_0 ! fakesink sync=false" ;; esac
  case "$desc" in *dec.audio_0*) branches+=" dec.audio_0 ! fakesink sync=false" ;; esac
  dec=""; chk=""; str=""
  for _ in $(seq "$runs"); do
    # shellcheck disable=SC2086
    dec+="$(measure gst-launch-1.0 -q filesrc location="$f" ! decodebin3 name=dec $branches)"$'\n'
    chk+="$(measure "$bin" check --progress=none "$f")"$'\n'
    if [ -n "$plugdir" ]; then
      # shellcheck disable=SC2086
      str+="$(GST_PLUGIN_PATH=$plugdir measure gst-launch-1.0 -q $desc)"$'\n'
    fi
  done
  dw=$(echo -n "$dec" | best 1); dc=$(echo -n "$dec" | best 2)
  cw=$(echo -n "$chk" | best 1); cc=$(echo -n "$chk" | best 2)
  sc="-"; runner="-"
  if [ -n "$str" ]; then
    sc=$(echo -n "$str" | best 2)
    runner=$(awk -v s="$sc" -v c="$cc" 'BEGIN{printf "+%.0f%%", 100*(c-s)/s}')
  fi
  speed=$(awk -v d="$dc" -v c="$cc" 'BEGIN{printf "%.0f", 100*d/c}')
  ok=ok; [ "$speed" -ge 90 ] || { ok=FAIL; status=1; }
  printf '%-14s %9s %9s %9s %9s %9s %6s%% %8s %5s\n' "$(basename "$f")" "$dw" "$cw" "$dc" "$sc" "$cc" "$speed" "$runner" "$ok"
done
echo "(speed = decode-only CPU / check CPU; runner = check CPU over the same string in gst-launch-1.0)"
if [ $status -ne 0 ]; then
  echo "pipeline: avwatch check below 90% of decode-only speed (CPU time)"
else
  echo "pipeline: avwatch check at >= 90% of decode-only speed (CPU time)"
fi
exit $status
