#!/usr/bin/env bash
# avwatch check against a decode-only pipeline on the same files, in the
# same run: the same demux and decoders (decodebin3) into fakesinks, no
# conversion and no analysis.
#
# Bar (issue 5): avwatch check runs at >= 90% of decode-only speed.
#
# "speed" is throughput: decode-only wall time over check's wall time on
# the same file, i.e. how much longer a user waits for the QC report than
# for a bare decode. "cpu" is decode-only CPU time (user+sys, all threads)
# over check's: the work the analysis adds, which is what an edge box with
# many live streams pays; it is printed, not judged, because on these
# synthetic clips decoding is unusually cheap (720p H.264 at ~1.3 ms of CPU
# per frame), so a fixed analysis cost per frame shows as a larger share
# than on broadcast material.
#
# How it is measured, and why: on a shared 2-core machine a single run of
# either varies by +-10% (neighbours, frequency), more than the cost being
# measured. So the runs alternate in rounds (decode-only, check, floor,
# string; decode-only, ...). Each clip gets enough rounds for ~12 s of
# decode-only time (at least 9, at most 21), sized by one decode-only run
# first that is not counted (it also warms the page cache for both sides).
# Why that many: the per-round ratio below had a standard deviation of
# 6-14% on this VM (25-round runs on avsync_drift.ts), so the median of 5
# rounds, the old minimum, moved by ~4-5% (bootstrap) between bench runs,
# as much as the margin it was judged on; 9 rounds give ~3%, 21 ~2%.
# On the 2-core VM this part takes ~17 minutes for the 15 clips.
#
# Two statistics per clip:
#   speed  fastest check over fastest decode-only: the runs least disturbed.
#          A lucky decode-only run sets it alone, so on this host it moved
#          5-15% between bench runs on a 0.5 s clip, and the floor build
#          (no analysis at all) fell below 90% by it on some clips (73-92%).
#   pair   the median over rounds of decode-only wall / check wall within a
#          round: the two runs of a round are seconds apart and meet the
#          same host, which a drifting neighbour's load cancels out of; the
#          median drops the rounds where a burst hit one side only.
#   range  a distribution-free confidence interval for pair: the order
#          statistics x(k) and x(n+1-k) of the n round ratios, k the
#          largest with P(Binomial(n, 1/2) < k) <= 5% (so >= 90% coverage;
#          9 rounds: 2nd to 8th, 21 rounds: 7th to 15th).
# The bar is judged on pair; speed is printed beside it, and a clip under
# 90% is a clear miss only when its whole range is under 90%.
#
# When build/libgstavwatch.so exists (make plugin), the launch string avwatch
# generates is also run by gst-launch-1.0: "string" is what the pipeline
# costs (decode + conversion + videoqc + audioqc), so check/string is the
# runner's own overhead (process, probe, container check, bus handling).
#
# "floor" is avwatch check built with the tag avwatch_floor, whose videoqc
# and audioqc pass every buffer on unanalysed (elements/benchfloor): the
# same process, probe, pipeline, per-buffer calls into Go and bus handling,
# no detector. Its speed is the most any analysis could reach on this
# machine; speed against floor is what the detectors themselves cost.
#
# PIPELINE_BENCH_CLIPS (default: every clip in the directory) and
# PIPELINE_BENCH_RUNS (default: sized per clip as above) narrow or widen it.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${AVWATCH_BIN:-bin/avwatch}
[ -x "$bin" ] || go build -o "$bin" ./cmd/avwatch
floor=$(mktemp -d)/avwatch-floor
go build -tags avwatch_floor -o "$floor" ./cmd/avwatch
dir=${AVWATCH_TESTVIDEOS:-testvideos/out}
runs=${PIPELINE_BENCH_RUNS:-}
clips=()
if [ -n "${PIPELINE_BENCH_CLIPS:-}" ]; then
  for c in $PIPELINE_BENCH_CLIPS; do [ -f "$dir/$c" ] && clips+=("$dir/$c"); done
else
  for f in "$dir"/*.mp4 "$dir"/*.ts "$dir"/*.mkv; do [ -f "$f" ] && clips+=("$f"); done
fi
if [ ${#clips[@]} -eq 0 ]; then
  echo "pipeline bench: no test clips in $dir (make testvideos)" >&2
  exit 1
fi
plugdir=""
trap 'rm -rf "$(dirname "$floor")" ${plugdir:+"$plugdir"}' EXIT
if [ -f build/libgstavwatch.so ]; then
  plugdir=$(mktemp -d)
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

# ratios A B -> A's wall / B's wall per round, in %, sorted; A and B are
# "wall cpu" lines, one per round, in round order.
ratios() { paste -d' ' <(echo -n "$1") <(echo -n "$2") | awk '{print 100*$1/$3}' | sort -g; }

# pair A B -> the median of ratios A B.
pair() { ratios "$1" "$2" |
  awk '{v[NR]=$1} END{printf "%.0f", (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# prange A B -> "lo-hi", pair's confidence interval (range above), in %.
prange() { ratios "$1" "$2" |
  awk '{v[NR]=$1} END{n=NR; k=1; c=0; b=1; p=0.5^n
    # at step i, b = C(n, i-1), and c becomes P(Binomial(n, 1/2) < i)
    for (i=1; i<=(n+1)/2; i++) { c += b*p; if (c > 0.05) break; k = i; b = b*(n-i+1)/i }
    printf "%.0f-%.0f", v[k], v[n+1-k]}'; }

printf '%-24s %8s %8s %8s %8s %8s %8s %6s %6s %6s %6s %7s %6s %7s %5s %4s\n' clip dec-wall flr-wall chk-wall dec-cpu str-cpu chk-cpu floor fpair speed pair range cpu runner bar runs
status=0
nfail=0; nclear=0
sum_dc=0; sum_cc=0; sum_dw=0; sum_cw=0; sum_fw=0; pairs=""; fpairs=""
for f in "${clips[@]}"; do
  desc=$("$bin" pipeline --sync=false "$f" 2>/dev/null)
  # The decode-only pipeline gets the same branches as avwatch's.
  branches=""
  case "$desc" in *dec.video_0*) branches+=" dec.video_0 ! fakesink sync=false" ;; esac
  case "$desc" in *dec.audio_0*) branches+=" dec.audio_0 ! fakesink sync=false" ;; esac
  dec=""; chk=""; str=""; flr=""
  n=$runs
  if [ -z "$n" ]; then
    # shellcheck disable=SC2086
    w=$(measure gst-launch-1.0 -q filesrc location="$f" ! decodebin3 name=dec $branches | cut -d' ' -f1)
    n=$(awk -v w="$w" 'BEGIN{n=int(12/w+0.999); if(n<9)n=9; if(n>21)n=21; print n}')
  fi
  for _ in $(seq "$n"); do
    # shellcheck disable=SC2086
    dec+="$(measure gst-launch-1.0 -q filesrc location="$f" ! decodebin3 name=dec $branches)"$'\n'
    chk+="$(measure "$bin" check --progress=none "$f")"$'\n'
    flr+="$(measure "$floor" check --progress=none "$f")"$'\n'
    if [ -n "$plugdir" ]; then
      # shellcheck disable=SC2086
      str+="$(GST_PLUGIN_PATH=$plugdir measure gst-launch-1.0 -q $desc)"$'\n'
    fi
  done
  dw=$(echo -n "$dec" | best 1); dc=$(echo -n "$dec" | best 2)
  cw=$(echo -n "$chk" | best 1); cc=$(echo -n "$chk" | best 2)
  fw=$(echo -n "$flr" | best 1)
  sc="-"; runner="-"
  if [ -n "$str" ]; then
    sc=$(echo -n "$str" | best 2)
    runner=$(awk -v s="$sc" -v c="$cc" 'BEGIN{printf "%+.0f%%", 100*(c-s)/s}')
  fi
  cpu=$(awk -v d="$dc" -v c="$cc" 'BEGIN{printf "%.0f", 100*d/c}')
  speed=$(awk -v d="$dw" -v c="$cw" 'BEGIN{printf "%.0f", 100*d/c}')
  fspeed=$(awk -v d="$dw" -v c="$fw" 'BEGIN{printf "%.0f", 100*d/c}')
  sum_fw=$(awk -v a="$sum_fw" -v b="$fw" 'BEGIN{print a+b}')
  sum_dc=$(awk -v a="$sum_dc" -v b="$dc" 'BEGIN{print a+b}'); sum_cc=$(awk -v a="$sum_cc" -v b="$cc" 'BEGIN{print a+b}')
  sum_dw=$(awk -v a="$sum_dw" -v b="$dw" 'BEGIN{print a+b}'); sum_cw=$(awk -v a="$sum_cw" -v b="$cw" 'BEGIN{print a+b}')
  cpair=$(pair "$dec" "$chk"); fpair=$(pair "$dec" "$flr")
  pairs+="$cpair "; fpairs+="$fpair "
  crange=$(prange "$dec" "$chk")
  ok=ok
  if [ "$cpair" -lt 90 ]; then
    ok=FAIL; status=1; nfail=$((nfail + 1))
    [ "${crange#*-}" -ge 90 ] || nclear=$((nclear + 1))
  fi
  printf '%-24s %8s %8s %8s %8s %8s %8s %5s%% %5s%% %5s%% %5s%% %7s %5s%% %7s %5s %4s\n' "$(basename "$f")" "$dw" "$fw" "$cw" "$dc" "$sc" "$cc" "$fspeed" "$fpair" "$speed" "$cpair" "$crange" "$cpu" "$runner" "$ok" "$n"
done
tcpu=$(awk -v d="$sum_dc" -v c="$sum_cc" 'BEGIN{printf "%.0f", 100*d/c}')
tspeed=$(awk -v d="$sum_dw" -v c="$sum_cw" 'BEGIN{printf "%.0f", 100*d/c}')
tfloor=$(awk -v d="$sum_dw" -v c="$sum_fw" 'BEGIN{printf "%.0f", 100*d/c}')
mean() { echo "$1" | awk '{for(i=1;i<=NF;i++)s+=$i; printf "%.0f", s/NF}'; }
printf '%-24s %8.3f %8.3f %8.3f %8.3f %8s %8.3f %5s%% %5s%% %5s%% %5s%% %5s%%\n' "all ${#clips[@]} clips" "$sum_dw" "$sum_fw" "$sum_cw" "$sum_dc" "" "$sum_cc" "$tfloor" "$(mean "$fpairs")" "$tspeed" "$(mean "$pairs")" "$tcpu"
echo "(seconds: the fastest of 'runs' rounds; speed = decode-only wall / check wall, fastest of each; pair = median over"
echo " rounds of decode-only wall / check wall in the same round (the bar, >= 90%); range = pair's >= 90% confidence"
echo " interval (order statistics of the rounds); floor, fpair = the same for check built"
echo " without analysis (avwatch_floor); cpu = decode-only CPU / check CPU; runner = check CPU over the same string in"
echo " gst-launch-1.0; the all-clips row sums the fastest runs and averages pair and fpair)"
if [ $status -ne 0 ]; then
  echo "pipeline: avwatch check below 90% of decode-only speed (pair) on $nfail of ${#clips[@]} clips ($nclear with the whole range under 90%)"
else
  echo "pipeline: avwatch check at >= 90% of decode-only speed (pair) on every clip"
fi
exit $status
