#!/usr/bin/env bash
# Runs a command with a private Mosquitto broker on a free loopback port and
# stops the broker afterwards, whatever the command's exit status.
# The broker's URL is exported as AVWATCH_TEST_MQTT (tcp://127.0.0.1:PORT).
# Usage: scripts/with-mosquitto.sh command [args...]
set -euo pipefail

command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { echo "with-mosquitto: mosquitto not installed (make deps)" >&2; exit 1; }
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

dir=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# Ask the kernel for a free port, then hand it to Mosquitto. A port taken in
# between makes Mosquitto fail to bind, which we detect and retry.
for attempt in 1 2 3 4 5; do
  port=$(go run ./internal/tools/freeport)
  cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
CONF
  "$MOSQUITTO" -c "$dir/mosquitto.conf" 2>"$dir/log" &
  pid=$!
  # Up when a QoS 1 publish is acknowledged (mosquitto_pub exits 0).
  for _ in $(seq 1 50); do
    if mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t avwatch/selftest -m up 2>/dev/null; then break 2; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
done
[ -n "$pid" ] || { echo "with-mosquitto: broker did not start:" >&2; cat "$dir/log" >&2; exit 1; }

export AVWATCH_TEST_MQTT="tcp://127.0.0.1:$port"
echo "with-mosquitto: broker at $AVWATCH_TEST_MQTT" >&2
set +e
"$@"
rc=$?
exit $rc
