#!/usr/bin/env bash
# Runs every benchmark part in scripts/bench.d/ in turn. Each part measures
# its own baseline in the same run (decode-only, ffmpeg) and prints ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for part in scripts/bench.d/*.sh; do
  [ -e "$part" ] || continue
  echo "=== ${part##*/}"
  bash "$part" || { echo "bench: $part failed" >&2; status=1; }
done
exit $status
