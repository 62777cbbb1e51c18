#!/usr/bin/env bash
# The NVIDIA decode path on a GPU box, in one call of a few minutes: what the
# box has, nvcodec's features, avwatch doctor and pipeline, TestNVIDIADecode,
# avwatch check --json with hwaccel nvidia on every carried clip (scored
# against truth.json and against software decode back on the build box), a
# decoder that fails at start, and check against decode-only pipelines with
# the same decoder.
#
# Usage on the GPU box: scripts/device/nvidia.sh DIR, DIR made by
# scripts/device/bundle.sh. Writes log.txt and json.tar under $OUT (or
# /tmp/nvidia-out).
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
step() { echo; echo "=== $*"; }
# wall CMD... -> seconds CMD took
wall() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f", (b-a)/1e9}'; }

step box
nproc; grep -m1 'model name' /proc/cpuinfo; grep PRETTY /etc/os-release; ldd --version | head -1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "libnvcuvid in: ${nvlib:-NOT FOUND}"; ls -la "$nvlib"/libnvcuvid* "$nvlib"/libcuda.so* 2>&1 | head -4

step nvcodec features
timeout 60 gst-inspect-1.0 nvcodec | grep -E '^ +[a-z0-9]+: ' || GST_DEBUG=2,*nv*:6,*cuda*:6 timeout 60 gst-inspect-1.0 nvcodec 2>&1 | tail -40

step "nvh264dec pads"
timeout 30 gst-inspect-1.0 nvh264dec 2>&1 | sed -n '/Pad Templates/,/Element has no clocking/p' | head -30

step avwatch doctor
timeout 60 avwatch doctor

step avwatch pipeline
for h in auto nvidia; do timeout 30 avwatch pipeline --hwaccel $h --sync=false "$dir/clips/black.ts"; done

step TestNVIDIADecode
(cd "$G" && TMPDIR=$dir/tmp timeout 180 ./pipeline.test -test.run TestNVIDIADecode -test.v -test.count=1 2>&1 | tail -25)

step "avwatch check --hwaccel nvidia (each clip)"
for f in "$dir"/clips/*; do
  b=$(basename "$f")
  timeout 120 avwatch check --json --progress=none --hwaccel nvidia "$f" > "$out/json/$b.json" 2> "$out/json/$b.err"
  echo "$b rc=$? $(grep -o '"decoder":"[^"]*"' "$out/json/$b.json") $(grep -o '"type":"[a-z_]*"' "$out/json/$b.json" | sort | uniq -c | tr -s ' \n' ' ') $(head -c 300 "$out/json/$b.err")"
done

step "decoder that fails at start (no CUDA device visible, registry from before)"
CUDA_VISIBLE_DEVICES= GST_REGISTRY_UPDATE=no timeout 60 avwatch check --json --progress=lines --hwaccel nvidia "$dir/clips/baseline.ts"; echo "rc=$?"

step "speed: fastest of 5 alternating runs (s); speed = decode-only / check"
printf '%-24s %9s %9s %9s %7s %7s\n' clip dec-only dec+dl check speed vs-dl
for f in "$dir"/clips/{black.ts,blocky.ts,control.mp4,loudness.mp4,hevc.mp4,av1.mp4,vp9.webm,stereo.ts}; do
  [ -f "$f" ] || continue
  rank=$(avwatch pipeline --hwaccel auto --sync=false "$f" 2>&1 | grep -o 'GST_PLUGIN_FEATURE_RANK=[^ ]*' | head -1)
  br="dec.video_0 ! fakesink sync=false"; brd="dec.video_0 ! cudadownload ! fakesink sync=false"
  if avwatch pipeline --sync=false "$f" 2>/dev/null | grep -q dec.audio_0; then br+=" dec.audio_0 ! fakesink sync=false"; brd+=" dec.audio_0 ! fakesink sync=false"; fi
  d=""; dl=""; c=""
  for _ in 1 2 3 4 5; do
    # shellcheck disable=SC2086
    d+="$(wall env $rank gst-launch-1.0 -q filesrc location="$f" ! decodebin3 name=dec $br) "
    # shellcheck disable=SC2086
    dl+="$(wall env $rank gst-launch-1.0 -q filesrc location="$f" ! decodebin3 name=dec $brd) "
    c+="$(wall avwatch check --progress=none "$f") "
  done
  echo "$(basename "$f") $d $dl $c" | awk '{d=$2; l=$7; c=$12; for(i=2;i<=6;i++){if($i<d)d=$i; if($(i+5)<l)l=$(i+5); if($(i+10)<c)c=$(i+10)}
    printf "%-24s %9.3f %9.3f %9.3f %6.0f%% %6.0f%%\n", $1, d, l, c, 100*d/c, 100*l/c}'
done
tar -C "$out" -cf "$out/json.tar" json && rm -rf "$out/json"
