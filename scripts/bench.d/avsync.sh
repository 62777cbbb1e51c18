#!/usr/bin/env bash
# A/V sync cost per second of media (pure Go, no GStreamer): the correlator,
# the whole sync group (audio metering + timestamp skew + markers +
# correlator), against a baseline that only reads the same media, in the
# same run. CPU time (getrusage), not wall time: the machine is shared.
# Bar (issue 8): the correlator < 2% of one core per stream, 0 allocs/op.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(go test -run '^$' -bench '^Benchmark(Baseline|Correlator|Group|AudioMeter)$' -benchtime "${AVSYNC_BENCHTIME:-100x}" ./elements/avsync/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
  /^Benchmark/ {
    name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
    for (i = 2; i < NF; i++) {
      if ($(i+1) == "cpu-ms/s-media") cpu[name] = $i
      if ($(i+1) == "allocs/op") allocs[name] = $i
    }
    order[++n] = name
  }
  END {
    base = cpu["Baseline"]
    printf "\n%-18s %14s %8s %10s %10s\n", "avsync", "cpu-ms/s-media", "%core", "x baseline", "allocs/op"
    bad = 0
    for (k = 1; k <= n; k++) {
      nm = order[k]
      ratio = (base > 0) ? cpu[nm] / base : 0
      printf "%-18s %14.3f %8.3f %10.1f %10s\n", nm, cpu[nm], cpu[nm] / 10, ratio, allocs[nm]
      if (nm ~ /^(Correlator|Group)/ && (cpu[nm] >= 20 || allocs[nm] != 0)) bad = 1
    }
    if (bad) { print "avsync: over the bar (20 ms CPU per second of media, 0 allocs/op)"; exit 1 }
    print "avsync: within the bar (< 20 ms CPU per second of media = 2% of a core, 0 allocs/op)"
  }'
