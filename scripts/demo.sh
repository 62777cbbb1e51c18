#!/usr/bin/env bash
# Placeholder until the agent exists (issue 6): shows the generated clips.
set -euo pipefail
dir=${AVWATCH_TESTVIDEOS:-testvideos/out}
echo "Generated clips in $dir:"; ls -l "$dir"
echo "Next: the agent (issue 6) will serve one as a live stream and show alerts here."
