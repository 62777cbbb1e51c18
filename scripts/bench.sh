#!/usr/bin/env bash
# Runs the benchmarks (filled in by issues 3, 4, 5, 8).
set -euo pipefail
go test -run '^$' -bench . -benchmem ./elements/...
