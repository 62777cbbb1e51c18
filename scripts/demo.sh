#!/usr/bin/env bash
# make demo: the real thing on one box. Two clips with injected defects are
# served as live MPEG-TS streams over UDP on loopback (gst-launch-1.0, looping),
# the agent (bin/avwatch run) watches both and publishes to its embedded MQTT
# broker, and `avwatch watch` shows the alerts arriving. Stops by itself after
# DEMO_SECONDS (default 60) or DEMO_ALERTS alerts (default 16), or on Ctrl-C,
# and cleans up everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${AVWATCH_BIN:-bin/avwatch}
CLIPS=${AVWATCH_TESTVIDEOS:-testvideos/out}
SECONDS_MAX=${DEMO_SECONDS:-60}
ALERTS_MAX=${DEMO_ALERTS:-16}

[ -x "$BIN" ] || { echo "demo: $BIN is missing; run make build (or make demo)" >&2; exit 1; }
if [ ! -f "$CLIPS/black.ts" ] || [ ! -f "$CLIPS/silence.ts" ]; then
  echo "demo: generating the test clips in $CLIPS ..." >&2
  go run ./testvideos/gen -out "$CLIPS"
fi
command -v gst-launch-1.0 >/dev/null || { echo "demo: gst-launch-1.0 missing; run make deps" >&2; exit 1; }

work=$(mktemp -d /tmp/avwatch-demo.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  # Agent first (SIGTERM: it stops its pipelines and flushes), then the rest.
  if [ -n "${agent:-}" ] && kill -0 "$agent" 2>/dev/null; then
    kill -TERM "$agent" 2>/dev/null || true
    wait "$agent" 2>/dev/null || true
  fi
  for p in "${pids[@]}"; do
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ $rc -ne 0 ] && [ -f "$work/agent.log" ]; then
    echo "demo: agent log ($work/agent.log):" >&2; tail -n 30 "$work/agent.log" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free ports: a Debian box with the mosquitto package already has a broker
# on 1883, so the demo's embedded broker takes another one.
port() { go run ./internal/tools/freeport; }
mqtt_port=$(port); video_port=$(port); radio_port=$(port)
while [ "$radio_port" = "$video_port" ]; do radio_port=$(port); done

# A live sender: the clip re-muxed to UDP at its real-time pace, forever.
# Each loop restarts its timestamps; the receiver's demuxer smooths that over.
sender() { # clip port
  setsid bash -c "while :; do gst-launch-1.0 -q filesrc location='$1' ! tsparse set-timestamps=true ! udpsink host=127.0.0.1 port=$2 sync=true || sleep 1; done" \
    >"$work/sender-$2.log" 2>&1 &
  pids+=($!)
}
sender "$CLIPS/black.ts" "$video_port"
sender "$CLIPS/silence.ts" "$radio_port"

cat >"$work/avwatch.yaml" <<CONF
# Written by scripts/demo.sh; see systemd/avwatch.yaml for every setting.
device: demo-box
stats_interval: 5s
mqtt:
  # No broker: the agent runs its embedded one here.
  embedded:
    listen: 127.0.0.1:$mqtt_port
outbox:
  dir: $work/outbox
streams:
  - name: studio        # black.ts: picture goes black 5-8 s in every 20 s loop
    source: udp://127.0.0.1:$video_port
  - name: radio         # silence.ts: silence 4-7 s and 10-13 s in every 24 s loop
    source: udp://127.0.0.1:$radio_port
CONF

"$BIN" run --validate -c "$work/avwatch.yaml"
"$BIN" run -c "$work/avwatch.yaml" 2>"$work/agent.log" &
agent=$!
# Wait for the agent to say it runs: follow its log (no fixed sleep).
ready=1
exec 3< <(exec tail -n +1 -F "$work/agent.log" 2>/dev/null)
tailpid=$!
while IFS= read -r -t 60 line <&3; do
  case $line in
    *"avwatch agent running"*) ready=0; break ;;
    avwatch:*) break ;; # the agent's fatal error
  esac
done
kill "$tailpid" 2>/dev/null || true
exec 3<&-
if [ $ready -ne 0 ]; then
  echo "demo: the agent did not start" >&2; exit 1
fi

cat <<MSG

  avwatch demo: two live UDP streams with defects -> bin/avwatch run -> MQTT (embedded broker, port $mqtt_port)
  Showing what arrives with: $BIN watch --broker tcp://127.0.0.1:$mqtt_port
  (up to ${SECONDS_MAX}s or ${ALERTS_MAX} alerts; Ctrl-C stops earlier)

MSG
"$BIN" watch --broker "tcp://127.0.0.1:$mqtt_port" --for "${SECONDS_MAX}s" --alerts "$ALERTS_MAX" || true

kill -0 "$agent" 2>/dev/null || { echo "demo: the agent died" >&2; exit 1; }
n=$(grep -c 'msg=alert ' "$work/agent.log" || true)
echo
echo "demo: the agent raised $n alerts; stopping it (SIGTERM flushes its outbox) and the senders."
