#!/usr/bin/env bash
# Runs the real unit under a real systemd on a machine where systemd is not
# PID 1 (containers, CI VMs): systemd boots as PID 1 of new pid/mount/uts/
# ipc/net/cgroup namespaces, starts systemd/avwatch.service with the agent on
# a looping clip, and checks what only a live service shows: READY=1 reaches
# "active", credentials, state/cache directories, the process's user, groups,
# capabilities, seccomp, MQTT alerts from inside the sandbox, reload, the
# watchdog killing a wedged (SIGSTOPped) agent and restarting it, a clean stop.
#
#   sudo packaging/systemd-lab.sh [BIN] [CLIP]    (defaults: bin/avwatch, testvideos/out/black.ts)
#
# Manual check, not part of `make test`: needs root and about 90 s.
# Host safety: the namespaces get their own /tmp and /run (tmpfs)
# and overlays on /etc and /var whose upper layers live in that /run, so
# systemd-tmpfiles, sysusers and the service cannot write to the host's
# files. (Without the private /tmp, a booting systemd empties the host's /tmp.)
# What stays shared: /proc (the host's), the kernel, and the cgroup2 tree,
# where the empty cgroups systemd made are removed at the end.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(readlink -f "${1:-$here/bin/avwatch}")
clip=$(readlink -f "${2:-$here/testvideos/out/black.ts}")
[ "$(id -u)" -eq 0 ] || { echo "systemd-lab: needs root" >&2; exit 1; }
[ -x "$bin" ] && [ -f "$clip" ] || { echo "systemd-lab: need $bin (make build) and $clip (make testvideos)" >&2; exit 1; }
[ -d /run/systemd/system ] && { echo "systemd-lab: systemd runs here already; use systemctl" >&2; exit 1; }

lab=$(mktemp -d /var/tmp/avwatch-lab.XXXXXX)
port=21883
cat > "$lab/avwatch.yaml" <<EOF
device: lab
mqtt:
  username: lab
  password_file: \${CREDENTIALS_DIRECTORY}/mqtt-password
  embedded:
    listen: 127.0.0.1:$port
streams:
  - name: lab
    source: file://$clip
    loop: true
EOF
cat > "$lab/inner.sh" <<EOF
#!/bin/bash
set -euo pipefail
mount --make-rprivate /
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
for d in etc var; do
  mkdir -p /run/ov/\$d/upper /run/ov/\$d/work
  mount -t overlay overlay -o lowerdir=/\$d,upperdir=/run/ov/\$d/upper,workdir=/run/ov/\$d/work /\$d
done
umount -R /sys/fs/cgroup 2>/dev/null || true
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /run/systemd/system/avwatch.service.d
sed "s#^ExecStart=/usr/bin/avwatch #ExecStart=$bin #" $here/systemd/avwatch.service > /run/systemd/system/avwatch.service
printf '[Unit]\nDefaultDependencies=no\n' > /run/systemd/system/avwatch.service.d/lab.conf
printf '[Unit]\nDescription=lab\nDefaultDependencies=no\nWants=systemd-journald.socket avwatch.service\n' > /run/systemd/system/lab.target
systemd-sysusers $here/systemd/sysusers.conf >/dev/null 2>&1
mkdir -p /etc/avwatch && cp $lab/avwatch.yaml /etc/avwatch/avwatch.yaml
printf 's3cret\n' > /etc/avwatch/mqtt-password && chmod 600 /etc/avwatch/mqtt-password
# systemd leaves mount propagation alone in a container, but credentials need
# shared mounts; this namespace is a private copy, so nothing reaches the host.
mount --make-rshared /
exec env container=avwatch-lab /lib/systemd/systemd --system --unit=lab.target --show-status=no
EOF
chmod +x "$lab/inner.sh"
setsid unshare --pid --fork --mount --uts --ipc --net --cgroup --propagation private "$lab/inner.sh" >"$lab/boot.log" 2>&1 &

pid1=""
cleanup() {
  [ -n "$pid1" ] && kill -9 "$pid1" 2>/dev/null || true
  sleep 1
  for d in /sys/fs/cgroup/unified/*/ /sys/fs/cgroup/*/; do
    case "$d" in */init.scope/|*/system.slice/|*.mount/|*/system-*.slice/) find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true ;; esac
  done
  rm -rf "$lab"
}
trap cleanup EXIT
for _ in $(seq 50); do pid1=$(pgrep -f "container=avwatch-lab|unit=lab.target" | head -1 || true); [ -n "$pid1" ] && break; sleep 0.2; done
[ -n "$pid1" ] || { cat "$lab/boot.log"; exit 1; }
ns() { nsenter -t "$pid1" -a "$@"; }
prop() { ns systemctl show avwatch -p "$1" --value; }
fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi; }

for _ in $(seq 60); do [ "$(prop ActiveState 2>/dev/null)" = active ] && break; sleep 0.5; done
check "Type=notify: active after READY=1 ($(prop StatusText))" '[ "$(prop ActiveState)" = active ]'
main=$(pgrep -f "^$bin run" | head -1)
status() { awk -v k="$1:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$main/status"; }
uid=$(ns id -u avwatch); video=$(ns getent group video | cut -d: -f3); render=$(ns getent group render | cut -d: -f3)
check "runs as avwatch ($uid) in video ($video) and render ($render)" \
  '[ "$(status Uid | cut -d" " -f1)" = "$uid" ] && status Groups | grep -qw "$video" && status Groups | grep -qw "$render"'
check "no capabilities, NoNewPrivs, seccomp filter" \
  '[ "$(status CapEff)" = 0000000000000000 ] && [ "$(status NoNewPrivs)" = 1 ] && [ "$(status Seccomp)" = 2 ]'
check "state directory holds the outbox, owned by avwatch" '[ "$(ns stat -c %U /var/lib/avwatch/outbox)" = avwatch ]'
check "credential read (password_file under \$CREDENTIALS_DIRECTORY)" '! ns journalctl -u avwatch -o cat | grep -q password_file'
# The black clip starts black: a start alert arrives within seconds.
check "alert over MQTT from inside the sandbox" \
  'ns timeout 30 mosquitto_sub -h 127.0.0.1 -p $port -u lab -P s3cret -t avwatch/lab/lab/alerts -C 1 -W 30 | grep -q "\"type\":\"black\""'
check "systemctl reload (SIGHUP)" 'ns systemctl reload avwatch && sleep 1 && ns journalctl -u avwatch -o cat | grep -q SIGHUP'
t0=$(prop WatchdogTimestampMonotonic); sleep 16
check "WATCHDOG=1 pings arrive" '[ "$(prop WatchdogTimestampMonotonic)" != "$t0" ]'
kill -STOP "$main"
r=""; for _ in $(seq 90); do r=$(prop Result); [ "$r" = watchdog ] && break; sleep 0.5; done
check "a wedged agent is killed by the watchdog (Result=$r)" '[ "$r" = watchdog ]'
for _ in $(seq 60); do [ "$(prop ActiveState)" = active ] && break; sleep 0.5; done
check "and restarted (NRestarts=$(prop NRestarts))" '[ "$(prop ActiveState)" = active ] && [ "$(prop NRestarts)" -ge 1 ]'
echo "      $(ns systemd-analyze security avwatch --no-pager | tail -1)"
ns systemctl stop avwatch
check "clean stop (Result=$(prop Result), status $(prop ExecMainStatus))" '[ "$(prop Result)" = success ]'
exit $fail
