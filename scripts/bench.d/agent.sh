#!/usr/bin/env bash
# Agent: how fast a backlog of 10,000 alerts drains to a real Mosquitto
# (outbox -> Paho, QoS 1, in order, acked on disk) against the baseline of
# Paho publishing the same messages straight from memory in the same run;
# and what one fsync'd append costs alone vs shared by concurrent appenders
# (group commit). Bar (issue 6): 10,000 alerts drain within 30 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
run() { go test -run '^$' -bench "$1" -benchtime "${2:-3x}" "$3" 2>&1 | grep -E '^Benchmark' || true; }
if [ -z "${AVWATCH_TEST_MQTT:-}" ]; then
  exec scripts/with-mosquitto.sh bash "$0" "$@"
fi
drain=$(run '^BenchmarkDrain$' 3x ./agent/mqttpub/)
raw=$(run '^BenchmarkRawPahoBaseline$' 3x ./agent/mqttpub/)
echo "$drain"; echo "$raw"
rate() { awk '{for (i=1;i<=NF;i++) if ($(i+1)=="alerts/s") print $i}' <<<"$1" | head -1; }
d=$(rate "$drain"); r=$(rate "$raw")
if [ -n "$d" ] && [ -n "$r" ]; then
  awk -v d="$d" -v r="$r" 'BEGIN { printf "agent drain: %.0f alerts/s = %.2f x raw Paho (%.0f alerts/s); 10,000 alerts in %.2f s (bar: 30 s)\n", d, d/r, r, 10000/d }'
fi
app=$(run '^BenchmarkAppend' 2000x ./agent/outbox/)
echo "$app"
awk '/BenchmarkAppend-/{s=$3} /BenchmarkAppendParallel/{p=$3} END { if (s && p) printf "outbox append: %.0f us per alert alone (one fsync), %.0f us with 16 concurrent appenders (group commit): %.1f x\n", s/1000, p/1000, s/p }' <<<"$app"
