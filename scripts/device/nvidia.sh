#!/usr/bin/env bash
# The NVIDIA decode path on a GPU box: what the box has, nvcodec's features,
# avwatch doctor and pipeline, TestNVIDIADecode, avwatch check --json with
# hwaccel nvidia on every carried clip (the reports come back in json.tar;
# nothing here compares them: the H100 run compared them by hand with
# `avwatch check --json --hwaccel software` on the build box), the agent, a
# decoder that fails at start, and check against decode-only pipelines with
# the same decoder.
#
# Usage on the GPU box: scripts/device/nvidia.sh DIR, DIR made by
# scripts/device/bundle.sh. Writes log.txt, json.tar, frames.tar and the
# registry under $OUT (or /tmp/nvidia-out). STEPS picks steps (default all:
# box features doctor test check agent xdg stale blocky speed long).
# Measured on an H100: box..speed took 315 s in one call (speed alone over
# half of it: every process pays ~2 s of CUDA start-up); test, stale,
# blocky, long together 60 s; a fresh machine adds ~30-60 s of start and
# transfer. With 15 minutes of device time a session, pick steps.
set -u
dir=$(cd "${1:-.dev}" && pwd)
out=${OUT:-/tmp/nvidia-out}
mkdir -p "$out" "$out/json"
exec > >(tee "$out/log.txt") 2>&1
G=/tmp/avwatch-bundle
rm -rf $G && mkdir -p $G && tar -C $G -xJf "$dir/bundle.tar.xz"
nvlib=$(dirname "$( (ldconfig -p | awk '/libnvcuvid.so.1 /{print $NF; exit}'; find / -name 'libnvcuvid.so.1' -not -path '/proc/*' 2>/dev/null) | head -1)" 2>/dev/null)
export LD_LIBRARY_PATH=$G/gst/lib${nvlib:+:$nvlib}
export GST_PLUGIN_SYSTEM_PATH_1_0=$G/gst/plugins GST_PLUGIN_SYSTEM_PATH=$G/gst/plugins
export GST_PLUGIN_SCANNER_1_0=$G/gst/bin/gst-plugin-scanner GST_PLUGIN_SCANNER=$G/gst/bin/gst-plugin-scanner
export GST_REGISTRY_1_0=/tmp/avwatch-registry.bin PATH=$G/gst/bin:$G:$PATH
steps=" ${STEPS:-box features doctor test check agent xdg stale blocky speed long} "
want() { [[ $steps == *" $1 "* ]]; }
step() { echo; echo "=== $*"; }
# wall CMD... -> seconds CMD took
wall() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f", (b-a)/1e9}'; }

if want box; then
step box
nproc; grep -m1 'model name' /proc/cpuinfo; grep PRETTY /etc/os-release; ldd --version | head -1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "libnvcuvid in: ${nvlib:-NOT FOUND}"; ls -la "$nvlib"/libnvcuvid* "$nvlib"/libcuda.so* 2>&1 | head -4

fi
if want features; then
step nvcodec features
timeout 60 gst-inspect-1.0 nvcodec | grep -E '^ +[a-z0-9]+: ' || GST_DEBUG=2,*nv*:6,*cuda*:6 timeout 60 gst-inspect-1.0 nvcodec 2>&1 | tail -40

step "nvh264dec rank and pads"
timeout 30 gst-inspect-1.0 nvh264dec 2>&1 | grep -i '^ *rank'
timeout 30 gst-inspect-1.0 nvh264sldec 2>&1 | grep -i '^ *rank' 
timeout 30 gst-inspect-1.0 nvh264dec 2>&1 | sed -n '/Pad Templates/,/Element has no clocking/p' | head -30

fi
if want doctor; then
step avwatch doctor
timeout 60 avwatch doctor

step avwatch pipeline
for h in auto nvidia; do timeout 30 avwatch pipeline --hwaccel $h --sync=false "$dir/clips/black.ts"; done

fi
if want test; then
step TestNVIDIADecode
(cd "$G" && TMPDIR=$dir/tmp timeout 180 ./pipeline.test -test.run TestNVIDIADecode -test.v -test.count=1 2>&1 | tail -25)

fi
if want check; then
step "avwatch check --hwaccel nvidia (each clip)"
for f in "$dir"/clips/*; do
  b=$(basename "$f")
  timeout 120 avwatch check --json --progress=none --hwaccel nvidia "$f" > "$out/json/$b.json" 2> "$out/json/$b.err"
  echo "$b rc=$? $(grep -o '"decoder":"[^"]*"' "$out/json/$b.json") $(grep -o '"type":"[a-z_]*"' "$out/json/$b.json" | sort | uniq -c | tr -s ' \n' ' ') $(head -c 300 "$out/json/$b.err")"
done

fi
if want agent; then
# The agent daemon on the GPU: one looping file stream, hwaccel auto, its
# embedded broker; avwatch watch prints the retained states and alerts.
step "agent: avwatch run with a GPU-decoded stream, avwatch watch"
mkdir -p /tmp/avw-agent
cat > /tmp/avw-agent/avwatch.yaml <<YAML
outbox:
  dir: /tmp/avw-agent/outbox
streams:
  - name: gpu
    source: $dir/clips/black.ts
    hwaccel: auto
    sync: false
    loop: true
YAML
XDG_RUNTIME_DIR=/tmp/avw-agent avwatch run -c /tmp/avw-agent/avwatch.yaml > /tmp/avw-agent/run.log 2>&1 &
agent=$!
XDG_RUNTIME_DIR=/tmp/avw-agent timeout 40 avwatch watch --json --alerts 2 --for 30s | cut -c1-400
kill -TERM $agent; wait $agent; echo "agent exit $?"; grep -i -E 'decoder|nvh|error|warn' /tmp/avw-agent/run.log | head -8
fi
if want xdg; then
# nvcodec's GL side asks for a Wayland display; libwayland prints an error
# when XDG_RUNTIME_DIR is unset, as it is for a system service.
step "stderr of check with XDG_RUNTIME_DIR unset, then set to an empty directory"
env -u XDG_RUNTIME_DIR avwatch check --progress=none --hwaccel nvidia "$dir/clips/black.ts" 2>&1 >/dev/null | sort | uniq -c
x=$(mktemp -d); XDG_RUNTIME_DIR=$x avwatch check --progress=none --hwaccel nvidia "$dir/clips/black.ts" 2>&1 >/dev/null | sort | uniq -c; echo "(end)"
fi
if want stale; then
# The registry cache lists nvcodec's decoders, but CUDA sees no GPU: what a
# box gets when the GPU goes away after GStreamer last scanned.
step "decoder that fails at start (no CUDA device visible, registry from before)"
timeout 60 gst-inspect-1.0 nvh264dec >/dev/null 2>&1
cp "$GST_REGISTRY_1_0" "$out/registry.bin"
timeout 60 avwatch check --json --progress=none --hwaccel software "$dir/clips/baseline.ts"; echo "hwaccel software, GPU present: rc=$?"
for h in nvidia auto; do
  CUDA_VISIBLE_DEVICES= GST_REGISTRY_UPDATE=no timeout 60 avwatch check --json --progress=none --hwaccel $h "$dir/clips/baseline.ts"; echo "hwaccel $h: rc=$?"
done
fi
if want blocky; then
# blocky.ts's first defect is damaged slice data: what it looks like
# depends on the decoder's concealment. Frames 110-155 as JPEG, and every
# frame's PTS (a dropped frame would show as a gap).
step "blocky.ts through nvh264dec"
mkdir -p /tmp/frames && rm -f /tmp/frames/*
timeout 60 gst-launch-1.0 -v filesrc location="$dir/clips/blocky.ts" ! tsdemux ! h264parse ! nvh264dec ! cudadownload ! videoconvert ! identity name=stamp silent=false ! jpegenc ! multifilesink location=/tmp/frames/%03d.jpg 2>&1 | grep 'stamp: last-message = chain' | grep -o ' pts: [0-9]*:[0-9:.]*' > /tmp/frames/pts.txt
echo "frames: $(wc -l < /tmp/frames/pts.txt), first $(head -1 /tmp/frames/pts.txt), last $(tail -1 /tmp/frames/pts.txt)"
awk '{split($2,t,":"); s=t[1]*3600+t[2]*60+t[3]; if (NR>1 && (s-p>0.041 || s-p<0.039)) print "gap before frame", NR-1, s-p; p=s}' /tmp/frames/pts.txt | head
(cd /tmp/frames && tar -cf "$out/frames.tar" pts.txt $(seq -f '%03g.jpg' 110 155))
fi

speed() { # ROUNDS CLIP...
local rounds=$1; shift
printf '%-24s %9s %9s %9s %7s %7s\n' clip dec-only dec+dl check speed vs-dl
for f in "$@"; do
  [ -f "$f" ] || continue
  rank=$(avwatch pipeline --hwaccel auto --sync=false "$f" 2>&1 | grep -o 'GST_PLUGIN_FEATURE_RANK=[^ ]*' | head -1)
  br="dec.video_0 ! fakesink sync=false"; brd="dec.video_0 ! cudadownload ! fakesink sync=false"
  if avwatch pipeline --sync=false "$f" 2>/dev/null | grep -q dec.audio_0; then br+=" dec.audio_0 ! fakesink sync=false"; brd+=" dec.audio_0 ! fakesink sync=false"; fi
  d=""; dl=""; c=""
  for _ in $(seq "$rounds"); do
    # shellcheck disable=SC2086
    d+="$(wall env $rank gst-launch-1.0 -q filesrc location="$f" ! decodebin3 name=dec $br) "
    # shellcheck disable=SC2086
    dl+="$(wall env $rank gst-launch-1.0 -q filesrc location="$f" ! decodebin3 name=dec $brd) "
    c+="$(wall avwatch check --progress=none "$f") "
  done
  echo "$(basename "$f") $rounds $d $dl $c" | awk '{n=$2; d=$3; l=$(3+n); c=$(3+2*n); for(i=0;i<n;i++){if($(3+i)<d)d=$(3+i); if($(3+n+i)<l)l=$(3+n+i); if($(3+2*n+i)<c)c=$(3+2*n+i)}
    printf "%-24s %9.3f %9.3f %9.3f %6.0f%% %6.0f%%\n", $1, d, l, c, 100*d/c, 100*l/c}'
done
}
if want speed; then
step "speed: fastest of 5 alternating runs (s); speed = decode-only / check; each run pays CUDA's start-up"
speed 5 "$dir"/clips/{black.ts,blocky.ts,control.mp4,loudness.mp4,hevc.mp4,vp9.webm,stereo.ts}
fi
if want long; then
step "speed on a 60 s 1080p25 clip with AAC: fastest of 3 alternating runs (s)"
speed 3 "$dir/clips/long1080.mp4"
fi
[ -d "$out/json" ] && tar -C "$out" -cf "$out/json.tar" json && rm -rf "$out/json"
