#!/usr/bin/env bash
# Prints the Debian-valid version of this checkout: the tag (v1.2.3 -> 1.2.3)
# when HEAD is tagged, else 0.0.0~git<commit time>.<hash>, "~" so that any
# real release sorts above it; "+dirty" when the tree has local changes.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --git-dir >/dev/null 2>&1; then echo "0.0.0~unknown"; exit 0; fi
v=$(git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null | sed 's/^v//') || true
if [ -z "$v" ]; then
  v="0.0.0~git$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S 2>/dev/null || date -u +%Y%m%d%H%M%S).$(git rev-parse --short=7 HEAD 2>/dev/null || echo none)"
fi
if ! git diff --quiet HEAD -- 2>/dev/null; then v="$v+dirty"; fi
echo "$v"
