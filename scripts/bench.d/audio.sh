#!/usr/bin/env bash
# audioqc cost per second of 48 kHz 8-channel float audio, CPU time
# (getrusage), not wall time: the machine is shared.
#  1. Pure Go: every audio detector + the loudness meter (Analyzer) against
#     a baseline that only converts the same buffers, in the same run.
#  2. GStreamer: audiotestsrc ! audioqc ! fakesink against the same pipeline
#     with identity, in the same run (glue and callbacks included).
# Bar (issue 4): all audio detectors together < 1% of one core in real time
# (< 10 ms CPU per second of audio), 0 allocs/op.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(go test -run '^$' -bench '^Benchmark(Baseline|Analyzer)8ch48k$' -benchmem -benchtime "${AUDIO_BENCHTIME:-100x}" ./elements/audiodetect/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
  /^Benchmark/ {
    name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name); sub(/8ch48k$/, "", name)
    for (i = 2; i < NF; i++) {
      if ($(i+1) == "cpu-ms/s-audio") cpu[name] = $i
      if ($(i+1) == "allocs/op") allocs[name] = $i
    }
  }
  END {
    printf "\n%-22s %16s %8s %10s\n", "audio (Go, no cgo)", "cpu-ms/s-audio", "%core", "allocs/op"
    printf "%-22s %16.3f %8.3f %10s\n", "baseline (convert)", cpu["Baseline"], cpu["Baseline"] / 10, allocs["Baseline"]
    printf "%-22s %16.3f %8.3f %10s\n", "all detectors", cpu["Analyzer"], cpu["Analyzer"] / 10, allocs["Analyzer"]
    if (cpu["Baseline"] > 0) printf "%-22s %16.1f\n", "x baseline", cpu["Analyzer"] / cpu["Baseline"]
    if (cpu["Analyzer"] >= 10 || allocs["Analyzer"] != 0) { print "audio: over the bar (10 ms CPU per second of audio, 0 allocs/op)"; exit 1 }
    print "audio: within the bar (< 10 ms CPU per second of audio = 1% of a core, 0 allocs/op)"
  }'
echo
go test -run '^$' -bench '^BenchmarkPipeline8ch48k$' -benchtime "${AUDIO_PIPELINE_BENCHTIME:-3x}" ./elements/audioqc/ | grep -E '^Benchmark'
