#!/usr/bin/env bash
# make.sh OUTDIR [CLIP...] — an independent evaluation corpus for avwatch,
# made with ffmpeg alone (lavfi sources, ffmpeg's encoders, muxers and
# bitstream filters, dd on the muxed bytes), with OUR truth schema
# (testvideos/truth.go, testvideos/README.md). What each clip contains and
# how its truth was decided: testvideos/ffcorpus/README.md.
#
# Builds into OUTDIR.tmp-PID and renames it into place, so a half-made
# corpus never looks complete; exits at once when OUTDIR/truth.json was made
# by this script (its hash) with this ffmpeg; a second run waits on
# OUTDIR.lock. With CLIP names (e.g. black_concat.mp4) only those are made,
# into OUTDIR directly, and truth.json lists only them (development). JOBS
# (default 2) clips are encoded in parallel; every encoder runs with a
# fixed thread count, so the bytes do not depend on the machine.
set -euo pipefail
export LC_ALL=C
# The whole script is one compound command, read before it runs: editing
# this file while a build is running does not change that build.
{

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [CLIP...]" >&2; exit 2; }
OUT=$(realpath -m "$1"); shift
ONLY=("$@")
JOBS=${JOBS:-2}
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
for t in ffmpeg ffprobe sha256sum awk; do
  command -v $t >/dev/null || { echo "ffcorpus: $t not found (make accuracy-ffmpeg installs ffmpeg via scripts/deps.sh)" >&2; exit 2; }
done
FFVER=$(ffmpeg -hide_banner -version | awk 'NR==1{print $3}')
GENERATOR="ffcorpus-$(sha256sum "$SELF" | cut -c1-16)+ffmpeg-$FFVER"

fresh() { [ -f "$OUT/truth.json" ] && grep -q "\"generator\":\"$GENERATOR\"" "$OUT/truth.json"; }
if [ ${#ONLY[@]} -eq 0 ]; then
  mkdir -p "$(dirname "$OUT")"
  exec 9>"$OUT.lock"
  flock 9
  if fresh; then
    echo "ffcorpus: $OUT is up to date ($GENERATOR)" >&2
    exit 0
  fi
fi

if [ ${#ONLY[@]} -gt 0 ]; then
  DEST=$OUT
  mkdir -p "$DEST"
else
  DEST="$OUT.tmp-$$"
  rm -rf "$DEST"
  mkdir -p "$DEST"
  trap 'rm -rf "$DEST"' EXIT
fi
DEST=$(cd "$DEST" && pwd)
W=$DEST/.work
mkdir -p "$W/meta"
cd "$W"

FONTFILE=""
for f in /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; do
  [ -f "$f" ] && { FONTFILE=$f; break; }
done
if [ -n "$FONTFILE" ]; then FONT="fontfile=$FONTFILE"; else FONT="font=Sans"; fi

FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
# No wall-clock dates, random UIDs or version strings in the files.
BX=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1)
# Interlaced coding (field DCT and field motion estimation). After BX on
# the command line: a later -flags:v replaces an earlier -flags.
ILACE=(-flags:v +bitexact+ilme+ildct)
X264=(-c:v libx264 -threads 2 -pix_fmt yuv420p)
X265P="log-level=error:pools=1:frame-threads=1"

# ---------------------------------------------------------------- helpers

calc() { awk "BEGIN{printf \"%.6f\", $*}"; }
# ftime I RATE: PTS of frame I at RATE ("25", "30000/1001").
ftime() { awk -v i="$1" -v r="$2" 'BEGIN{n=split(r,a,"/"); d=(n>1)?a[2]:1; printf "%.6f", i*d/a[1]}'; }

# ev CLIP TYPE START END [JSON fields...]: one truth event.
ev() {
  local clip=$1 typ=$2 s=$3 e=$4; shift 4
  local extra=""
  for f in "$@"; do extra="$extra,$f"; done
  printf '{"clip":"%s","type":"%s","start_s":%s,"end_s":%s%s}\n' "$clip" "$typ" \
    "$(calc "$s")" "$(calc "$e")" "$extra" >>"$W/meta/$clip.events"
}
note() { printf '"note":"%s"' "$1"; }

# finish CLIP CONTAINER KEYINT_S DESCRIPTION [control] [EXTRA JSON]: moves
# the clip into place and writes its truth entry from what ffprobe sees.
finish() {
  local clip=$1 cont=$2 key=$3 desc=$4 ctl=${5:-} extra=${6:-}
  mv "$W/$clip" "$DEST/$clip"
  local f=$DEST/$clip
  local v a
  v=$(ffprobe -v error -select_streams v:0 -count_packets \
    -show_entries stream=codec_name,width,height,avg_frame_rate,nb_read_packets -of default=nw=1 "$f" || true)
  a=$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels -of default=nw=1 "$f" || true)
  get() { printf '%s\n' "$1" | awk -F= -v k="$2" '$1==k{print $2; exit}'; }
  local vc w h r fr num den ac ar ach dur
  vc=$(get "$v" codec_name); w=$(get "$v" width); h=$(get "$v" height)
  r=$(get "$v" avg_frame_rate); fr=$(get "$v" nb_read_packets)
  num=${r%/*}; den=${r#*/}
  ac=$(get "$a" codec_name); ar=$(get "$a" sample_rate); ach=$(get "$a" channels)
  dur=$(awk -v n="$fr" -v a="$num" -v b="$den" 'BEGIN{printf "%.6f", n*b/a}')
  local bytes sha
  bytes=$(stat -c %s "$f"); sha=$(sha256sum "$f" | cut -d' ' -f1)
  {
    printf '{"clip":"%s","container":"%s","width":%s,"height":%s,"fps_num":%s,"fps_den":%s,' "$clip" "$cont" "$w" "$h" "$num" "$den"
    printf '"duration_s":%s,"video_codec":"%s","audio_codec":"%s","audio_rate":%s,"audio_channels":%s,' "$dur" "$vc" "$ac" "${ar:-0}" "${ach:-0}"
    printf '"keyframe_interval_s":%s,"description":"%s","frames":%s,"bytes":%s,"sha256":"%s"' "$key" "$desc" "$fr" "$bytes" "$sha"
    [ "$ctl" = control ] && printf ',"control":true'
    [ -n "$extra" ] && printf ',%s' "$extra"
    printf '}\n'
  } >"$W/meta/$clip.clip"
}

# lufs FILE: integrated loudness (BS.1770 / R128) as ffmpeg's ebur128 reads it.
lufs() {
  ffmpeg -nostdin -hide_banner -i "$1" -af ebur128 -f null - 2>&1 |
    awk '/Integrated loudness/{f=1} f&&/I:/{print $2; exit}'
}
# norm IN OUT TARGET: scale IN to TARGET LUFS (float WAV).
norm() {
  local l g
  l=$(lufs "$1")
  g=$(calc "$3 - ($l)")
  "${FF[@]}" -i "$1" -af "volume=${g}dB" -c:a pcm_f32le "$2"
}

# vprog W H RATE: "programme" picture. A camera pans (Lissajous, up to
# ~8 px/frame) over a 2560x1600 still (fractal + gradients + grain +
# captions), two coloured objects move across, a burnt-in clock runs and
# sensor noise changes every frame. Every frame differs from the last.
vprog() {
  local w=$1 h=$2 r=$3
  printf '%s' "movie=still.png,format=yuv444p,loop=loop=-1:size=1,settb=expr=1/($r),setpts=N,fps=$r,"
  printf '%s' "crop=w=$w:h=$h:x='(in_w-out_w)/2*(1+0.9*sin(2*PI*t/17))':y='(in_h-out_h)/2*(1+0.9*sin(2*PI*t/11))',format=yuv420p,"
  printf '%s' "drawbox=x='mod(t*$((w / 5))\,$((w + 200)))-120':y='$((h * 6 / 10))+$((h / 12))*sin(t*3)':w=$((w / 10)):h=$((h / 8)):color=0xd02020:t=fill,"
  printf '%s' "drawbox=x='$((w * 7 / 10))-mod(t*$((w / 8))\,$((w * 7 / 10)))':y=$((h / 5)):w=$((w / 18)):h=$((w / 18)):color=0x2040e0:t=fill,"
  printf '%s' "drawtext=$FONT:text='%{pts\:hms}':fontsize=$((h / 20)):fontcolor=white:box=1:boxcolor=black@0.5:x=$((w / 30)):y=$((h * 9 / 10)),"
  printf '%s' "noise=alls=3:allf=t"
}
# vpan W H RATE: a second camera: another part of the still, panning
# slowly while its colours turn. (Not the gradients source: with speed set,
# ffmpeg 5.1's gradients frames differ from run to run.)
vpan() {
  printf '%s' "movie=still.png,format=yuv444p,loop=loop=-1:size=1,settb=expr=1/($3),setpts=N,fps=$3,crop=w=$1:h=$2:x='200+t*30':y='in_h-out_h-100-t*15',format=yuv420p,hue=H=2*PI*t/10"
}
# vtest W H RATE: ffmpeg's testsrc2 (moving pattern, counter).
vtest() { printf 'testsrc2=s=%sx%s:r=%s' "$1" "$2" "$3"; }
# vstill W H RATE X Y: a fixed view of the still (a slide, a studio shot).
vstill() {
  printf '%s' "movie=still.png,format=yuv444p,loop=loop=-1:size=1,settb=expr=1/($3),setpts=N,fps=$3,crop=w=$1:h=$2:x=$4:y=$5,format=yuv420p"
}

# audio programme input: -i progNN.wav, trimmed to D seconds from 0.
# aprog IDX D: filter chain head for input IDX.
aprog() { printf '[%s:a]atrim=0:%s,asetpts=N/SR/TB' "$1" "$2"; }

# ---------------------------------------------------------------- assets

SR=48000
PHI="2*PI*(125*t-9.947*cos(2*PI*0.4*t))"
CHORD="mod(floor(t/2.4)\,4)"
ROOT="if(eq($CHORD\,0)\,196\,if(eq($CHORD\,1)\,261.63\,if(eq($CHORD\,2)\,220\,174.61)))"
TAU="(t-2.4*floor(t/2.4))"
CENV="(0.35+exp(-0.8*$TAU))*(1-exp(-40*$TAU))"
# speech envelope: syllables at ~4 Hz, phrases with irregular pauses
SENV="pow(max(0\,sin(2*PI*4.1*t+2*sin(2*PI*0.9*t)))\,2)*gt(sin(2*PI*0.21*t+1.7*sin(2*PI*0.063*t))\,-0.35)"
MUSL="0.1*$CENV*(sin(2*PI*$ROOT*t)+0.7*sin(2*PI*1.26*$ROOT*t)+0.5*sin(2*PI*2*$ROOT*t))+0.05*sin(2*PI*$ROOT/2*t)"
MUSR="0.1*$CENV*(0.7*sin(2*PI*$ROOT*t)+sin(2*PI*1.5*$ROOT*t)+0.4*sin(2*PI*3*$ROOT*t))+0.05*sin(2*PI*$ROOT/2*t)"
BUZZ="0.5*(sin($PHI)+sin(2*$PHI)/2+sin(3*$PHI)/3+sin(4*$PHI)/4+sin(5*$PHI)/5+sin(6*$PHI)/6+sin(7*$PHI)/7+sin(8*$PHI)/8)"
AD=32

assets() {
  # The still: fractal, gradients, a cellular-automaton texture, grain, captions.
  "${FF[@]}" -f lavfi -i "mandelbrot=s=2560x1600:start_scale=0.8:end_scale=0.8:maxiter=200:outer=normalized_iteration_count,trim=end_frame=1" \
    -f lavfi -i "cellauto=s=2560x1600:rule=30:seed=4,trim=end_frame=1" \
    -f lavfi -i "gradients=s=2560x1600:c0=0x204060:c1=0xc08040:c2=0x40a060:nb_colors=3:seed=7,trim=end_frame=1" \
    -filter_complex "[0]format=rgb24[m];[1]format=rgb24,boxblur=2[c];[2]format=rgb24[g];[m][g]blend=all_mode=average[mg];[mg][c]blend=all_mode=overlay:all_opacity=0.35,noise=alls=12:allf=u,drawtext=$FONT:text='AVWATCH NEWS':fontsize=140:fontcolor=white:x=300:y=300:borderw=6,drawtext=$FONT:text='Market 24.7 +0.3':fontsize=90:fontcolor=yellow:x=1300:y=1100,drawbox=x=1700:y=200:w=500:h=400:color=0x303030:t=fill,drawbox=x=1750:y=250:w=400:h=300:color=0xe0e0e0:t=fill" \
    -frames:v 1 still.png
  # Stems (48 kHz, float): speech-like centre (voiced buzz + breath noise
  # through two formants, syllable and phrase envelope), a chord pad
  # changing every 2.4 s (different voicing per channel), decorrelated room
  # tone, a bass line for the LFE.
  "${FF[@]}" -f lavfi -i "aevalsrc=exprs=$BUZZ:s=$SR:d=$AD" \
    -f lavfi -i "anoisesrc=r=$SR:color=pink:seed=11:amplitude=0.3:d=$AD" \
    -filter_complex "[0][1]amerge=inputs=2,pan=mono|c0=c0+c1,highpass=f=150,lowpass=f=3800,equalizer=f=700:t=q:w=2:g=8,equalizer=f=1800:t=q:w=2:g=6,aeval=val(0)*$SENV,aformat=sample_fmts=flt:channel_layouts=mono" \
    -c:a pcm_f32le speech.wav
  "${FF[@]}" -f lavfi -i "aevalsrc=exprs=$MUSL|$MUSR:s=$SR:d=$AD" -c:a pcm_f32le music.wav
  "${FF[@]}" -f lavfi -i "anoisesrc=r=$SR:color=pink:seed=21:amplitude=0.01:d=$AD" \
    -f lavfi -i "anoisesrc=r=$SR:color=pink:seed=22:amplitude=0.01:d=$AD" \
    -filter_complex "[0][1]join=inputs=2:channel_layout=stereo" -c:a pcm_f32le room.wav
  "${FF[@]}" -f lavfi -i "aevalsrc=exprs=0.3*$CENV*sin(2*PI*$ROOT/2*t)*gt(sin(2*PI*t/9)\,-0.2):s=$SR:d=$AD" \
    -af lowpass=f=120 -c:a pcm_f32le bass.wav
  # Stereo programme: speech in the centre + music + room tone, -23 LUFS.
  "${FF[@]}" -i speech.wav -i music.wav -i room.wav \
    -filter_complex "[0][1][2]amerge=inputs=3,pan=stereo|c0=c0+c1+c3|c1=c0+c2+c4" -c:a pcm_f32le raw.wav
  norm raw.wav prog48.wav -23
  "${FF[@]}" -i prog48.wav -af aresample=44100 -c:a pcm_f32le prog44.wav
  # 5.1 programme: music + room in L/R, speech in C, bass in LFE (gated:
  # silent stretches are normal), room tone in the surrounds from 6 s on
  # (digital silence before: normal in a dialogue scene), -23 LUFS.
  "${FF[@]}" -i speech.wav -i music.wav -i room.wav -i bass.wav \
    -filter_complex "[2]asplit[r1][r2];[r2]aeval=val(0)*gte(t\,6)|val(1)*gte(t\,6):c=same[rs];[1][r1]amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c3[lr];[0][lr][3][rs]join=inputs=4:channel_layout=5.1:map=0.0-FC|1.0-FL|1.1-FR|2.0-LFE|3.0-BL|3.1-BR,pan=5.1|c0=c0|c1=c1|c2=c2|c3=2*c3|c4=2*c4|c5=2*c5" \
    -c:a pcm_f32le raw51.wav
  norm raw51.wav prog51.wav -23
  # Phase decoys: wide stereo (the chord voiced differently per channel
  # over strong decorrelated room tone) and a Haas-widened mono mix.
  "${FF[@]}" -i music.wav -i room.wav -filter_complex "[0][1]amerge=inputs=2,pan=stereo|c0=c0+4*c2|c1=c1+4*c3" -c:a pcm_f32le raw.wav
  norm raw.wav wide48.wav -23
  "${FF[@]}" -i prog48.wav -af "pan=stereo|c0=0.5*c0+0.5*c1|c1=0.5*c0+0.5*c1,adelay=0|29S" -c:a pcm_f32le raw.wav
  norm raw.wav haas48.wav -23
  # Dialogue only: speech in the centre over room tone.
  "${FF[@]}" -i speech.wav -i room.wav -filter_complex "[0][1]amerge=inputs=2,pan=stereo|c0=c0+c1|c1=c0+c2" -c:a pcm_f32le raw.wav
  norm raw.wav dialog48.wav -23
  rm -f raw.wav raw51.wav
}

# ------------------------------------------------------------ video: black

c_black_concat() {
  local c=black_concat.mp4
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 1280 720 25),split=2[va][vb];[va]trim=0:6,setpts=PTS-STARTPTS[s0];color=c=black:s=1280x720:r=25:d=3,format=yuv420p[s1];[vb]trim=9:18,setpts=PTS-STARTPTS[s2];[s0][s1][s2]concat=n=3:v=1:a=0[v];$(aprog 0 18)[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset medium -crf 21 -g 50 -bf 3 -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c black 6 9 "$(note 'color=black (Y=16) segment concatenated between programme; audio continues')"
  ev $c freeze 6 9 '"optional":true' "$(note 'a black still is also an unchanging picture')"
  finish $c mp4 2 "720p25 H.264 (x264 medium CRF 21, 3 B-frames) + AAC, MP4: 3 s of color=black spliced into programme"
}

c_black_fade_mpeg2() {
  local c=black_fade_mpeg2.ts
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 720 576 50),split=2[va][vb];[va]trim=0:6,setpts=PTS-STARTPTS,fade=t=out:st=5:d=1[s0];color=c=black:s=720x576:r=50:d=3,format=yuv420p[s1];[vb]trim=9:16,setpts=PTS-STARTPTS,fade=t=in:st=0:d=1[s2];[s0][s1][s2]concat=n=3:v=1:a=0,tinterlace=mode=interleave_top,setfield=tff[v];$(aprog 0 16)[a]" \
    -map "[v]" -map "[a]" -c:v mpeg2video -threads 1 -pix_fmt yuv420p -b:v 6M -maxrate 8M -bufsize 1835k -g 12 -bf 2 -top 1 \
    -c:a mp2 -b:a 256k "${BX[@]}" "${ILACE[@]}" -f mpegts "$c"
  ev $c black 6 9 '"start_tolerance_s":1' '"end_tolerance_s":1' "$(note 'fade to black 5-6 s, black 6-9 s, fade up 9-10 s; truth is the fully black hold, the tolerances cover the fades (a frame counts as black part-way through a fade, depending on the pixel threshold)')"
  ev $c freeze 6 9 '"optional":true' "$(note 'a black still is also an unchanging picture')"
  finish $c mpegts 0.48 "576i25 MPEG-2 6 Mb/s (interlaced, TFF, GOP 12, 2 B) + MP2, TS: fade out, 3 s black, fade in"
}

c_black_fullrange() {
  local c=black_fullrange.mp4 r=30000/1001
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 1280 720 $r),scale=out_range=full,format=yuvj420p,drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(t,8,11)',lutyuv=y='27+val*0.04':u='128+(val-128)*0.2':v='128+(val-128)*0.2':enable='between(t,13,19)',trim=duration=22[v];$(aprog 0 22)[a]" \
    -map "[v]" -map "[a]" -c:v libx264 -threads 2 -pix_fmt yuvj420p -color_range pc -preset faster -crf 20 -g 60 -bf 2 \
    -c:a aac -b:a 128k "${BX[@]}" "$c"
  ev $c black "$(ftime 240 $r)" "$(ftime 330 $r)" "$(note 'full-range (yuvj420p, VUI full_range_flag=1) stream; drawbox fills frames 240-329 with black')"
  ev $c freeze "$(ftime 240 $r)" "$(ftime 330 $r)" '"optional":true' "$(note 'a black still is also an unchanging picture')"
  ev $c black 13 19 '"decoy":true' "$(note 'dark scene in a FULL-range stream: luma 27-37 of 0-255 (10.6-14.6 percent of the range, above the 10 percent black threshold); black only if the range is taken for limited 16-235')"
  finish $c mp4 2 "720p29.97 H.264 full range (yuvj420p) + AAC, MP4: drawbox black 8-11 s, range-sensitive dark decoy"
}

c_black_dark_hevc() {
  local c=black_dark_hevc.mkv
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 960 540 25),split=5[v0][v1][v2][v3][v4];[v0]trim=0:4,setpts=PTS-STARTPTS[s0];[v1]trim=4:12,setpts=PTS-STARTPTS,lutyuv=y='18+(val-16)*0.22':u='128+(val-128)*0.3':v='128+(val-128)*0.3',drawbox=x=100:y=60:w=50:h=50:color=0xfff0c0:t=fill,drawbox=x=700:y=90:w=50:h=50:color=0xfff0c0:t=fill,drawbox=x=420:y=40:w=50:h=50:color=0xfff0c0:t=fill,drawbox=x='mod(t*90\,900)':y=400:w=60:h=40:color=0xffffff:t=fill[s1];[v2]trim=12:18,setpts=PTS-STARTPTS,lutyuv=y='17+(val-16)*0.06':u='128+(val-128)*0.1':v='128+(val-128)*0.1'[s2];[v3]trim=18:22,setpts=PTS-STARTPTS[s3];color=c=black:s=960x540:r=25:d=3,format=yuv420p,noise=alls=5:allf=t[s4];[v4]trim=25:27,setpts=PTS-STARTPTS[s5];[s0][s1][s2][s3][s4][s5]concat=n=6:v=1:a=0[v];$(aprog 0 27)[a]" \
    -map "[v]" -map "[a]" -c:v libx265 -preset ultrafast -crf 26 -x265-params "$X265P:keyint=50:min-keyint=25" -pix_fmt yuv420p \
    -c:a libopus -b:a 128k "${BX[@]}" "$c"
  ev $c black 4 12 '"decoy":true' "$(note 'night scene: programme mapped to luma 18-66 (mean about 40) with street lamps and a moving car light; not black')"
  ev $c black 12 18 '"optional":true' "$(note 'very dark scene: luma 17-30, faint detail; black by ffmpeg blackdetect defaults (pix_th 0.10 = luma 38), not to the eye on a bright display: either answer is accepted')"
  ev $c black 22 25 "$(note 'black (Y=16) with sensor noise of a few levels (noise alls=5)')"
  finish $c matroska 2 "540p25 HEVC (x265 ultrafast CRF 26) + Opus, MKV: dark decoys, very dark optional, noisy black 22-25 s"
}

# ----------------------------------------------------------- video: freeze

c_freeze_freezeframes() {
  local c=freeze_freezeframes.ts r=30000/1001
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 1280 720 $r),trim=end_frame=420,split=2[va][vb];[va][vb]freezeframes=first=150:last=239:replace=149[v];$(aprog 0 14.014)[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset veryfast -crf 20 -g 60 -bf 3 -c:a aac -b:a 128k "${BX[@]}" -f mpegts "$c"
  ev $c freeze "$(ftime 150 $r)" "$(ftime 240 $r)" "$(note 'freezeframes: frames 150-239 replaced by frame 149; start is the first repeat, audio continues')"
  finish $c mpegts 2 "720p29.97 H.264 (x264 veryfast CRF 20, 3 B) + AAC, TS: freezeframes 5.0-8.0 s"
}

c_freeze_tpad_mpeg2() {
  local c=freeze_tpad_mpeg2.ts
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 720 576 25),split=2[va][vb];[va]trim=0:6,setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration=4[s0];[vb]trim=10:18,setpts=PTS-STARTPTS[s1];[s0][s1]concat=n=2:v=1:a=0[v];$(aprog 0 18)[a]" \
    -map "[v]" -map "[a]" -c:v mpeg2video -threads 1 -pix_fmt yuv420p -b:v 8M -maxrate 9M -bufsize 1835k -g 12 -bf 2 \
    -c:a mp2 -b:a 256k "${BX[@]}" -f mpegts "$c"
  ev $c freeze 6 10 "$(note 'tpad stop_mode=clone: the frame at 5.96 s held for 4 s, then the programme resumes at its 10 s point')"
  finish $c mpegts 0.48 "576p25 MPEG-2 8 Mb/s (GOP 12, 2 B) + MP2, TS: tpad clone freeze 6-10 s"
}

c_freeze_loop_hevc() {
  local c=freeze_loop_hevc.mp4
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 1280 720 25),loop=loop=74:size=1:start=125,setpts=N,loop=loop=24:size=1:start=300,setpts=N,trim=end_frame=400[v];$(aprog 0 16)[a]" \
    -map "[v]" -map "[a]" -c:v libx265 -preset ultrafast -crf 24 -x265-params "$X265P:keyint=50:min-keyint=50" -pix_fmt yuv420p -tag:v hvc1 \
    -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c freeze 5.04 8 "$(note 'loop filter: frame 125 shown 75 times (frames 125-199); start is the first repeat')"
  ev $c freeze 12.04 13 '"decoy":true' "$(note 'a 1 s hold (loop of 24 frames): a stutter, shorter than the 2 s a freeze needs (ffmpeg freezedetect d=2)')"
  finish $c mp4 2 "720p25 HEVC (x265 ultrafast CRF 24) + AAC, MP4: loop-filter freeze 5-8 s, 1 s stutter decoy"
}

c_freeze_fps_vp9() {
  local c=freeze_fps_vp9.webm
  "${FF[@]}" -i prog48.wav -filter_complex "$(vtest 640 360 25),split=5[v0][v1][v2][v3][v4];[v0]trim=0:6,setpts=PTS-STARTPTS[s0];[v1]trim=6:10,setpts=PTS-STARTPTS,fps=1/4,fps=25,trim=duration=4[s1];[v2]trim=10:14,setpts=PTS-STARTPTS[s2];[v3]trim=14:18,setpts=PTS-STARTPTS,fps=5,fps=25,trim=duration=4[s3];[v4]trim=18:20,setpts=PTS-STARTPTS[s4];[s0][s1][s2][s3][s4]concat=n=5:v=1:a=0[v];$(aprog 0 20)[a]" \
    -map "[v]" -map "[a]" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -row-mt 0 -threads 1 -crf 32 -b:v 0 -g 50 -pix_fmt yuv420p \
    -c:a libopus -b:a 96k "${BX[@]}" "$c"
  ev $c freeze 6.04 10 "$(note 'fps=1/4 then fps=25: the 6.0 s frame duplicated for 4 s')"
  ev $c freeze 14 18 '"decoy":true' "$(note 'fps=5 then fps=25: every picture held 5 frames (0.2 s), low-frame-rate material, not a freeze')"
  finish $c webm 2 "360p25 VP9 (libvpx realtime, CRF 32) + Opus, WebM: testsrc2, fps-duplication freeze 6-10 s, 5 fps decoy"
}

c_freeze_decoys() {
  local c=freeze_decoys.mp4
  local mouth="4+18*pow(max(0\,sin(2*PI*4.1*t+2*sin(2*PI*0.9*t)))\,2)"
  "${FF[@]}" -i prog48.wav -filter_complex "$(vstill 1280 720 25 200 150),drawtext=$FONT:text='Programme notes':fontsize=64:fontcolor=white:x=80:y=560:box=1:boxcolor=black@0.6,noise=alls=8:allf=t+u,trim=duration=6[s0];movie=still.png,format=yuv444p,loop=loop=-1:size=1,settb=expr=1/25,setpts=N,fps=25,crop=w=1280:h=720:x='400+t*12':y=300,format=yuv420p,trim=duration=6[s1];$(vstill 1280 720 25 900 500),drawbox=x=0:y=684:w=1280:h=36:color=black@0.85:t=fill,drawtext=$FONT:text='BREAKING  markets steady  weather fine  traffic light  sport results at ten':fontsize=26:fontcolor=white:x='w-mod(t*160\,w+1400)':y=690,trim=duration=8[s2];$(vstill 1280 720 25 100 700),drawbox=x='560+3*sin(2*PI*0.5*t)':y=200:w=160:h=220:color=0xc08060:t=fill,drawbox=x='610+3*sin(2*PI*0.5*t)':y='340':w=60:h='$mouth':color=0x401010:t=fill,noise=alls=2:allf=t,trim=duration=8[s3];[s0][s1][s2][s3]concat=n=4:v=1:a=0[v];$(aprog 0 28)[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset medium -crf 23 -bf 3 -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c freeze 0 6 '"decoy":true' "$(note 'static slide with camera noise (noise alls=8, temporal): the source changes every frame')"
  ev $c freeze 6 12 '"decoy":true' "$(note 'slow pan, 12 px/s: the picture moves one pixel every other frame')"
  ev $c freeze 12 20 '"decoy":true' "$(note 'still picture with a moving ticker in the bottom 5 percent: not frozen (whole-picture definition, as ffmpeg freezedetect; masks are an operator choice)')"
  ev $c freeze 20 28 '"decoy":true' "$(note 'talking head: still background, head sways 3 px, mouth moves with a syllable rhythm, light sensor noise')"
  finish $c mp4 10 "720p25 H.264 (x264 medium CRF 23, default GOP 250 + scene cuts) + AAC, MP4: four freeze decoys" control
}

# ------------------------------------------------------- video: blockiness

# damage_window CLEAN DAMAGED FRAMEDUR [FROM TO]: compares the decoded
# pictures of a damaged file with those of the clean file it was made from
# (ffmpeg's decoder and its error concealment; PTS-aligned, times from each
# file's first frame), over frames FROM <= t < TO. Prints "START END
# ANYSTART ANYEND MINPSNR": the first frame below 35 dB PSNR, the frame
# after the last one below 35 dB, the same for any difference at all, and
# the lowest PSNR. Identical pictures have infinite PSNR: outside the damage
# the two decodes are bit-identical.
damage_window() {
  local log=$W/psnr-$BASHPID.txt
  # One decoding thread: with several, libavcodec's error concealment of
  # the damaged file depends on thread timing (the lowest PSNR moved by
  # 0.3 dB from one run to the next).
  ffmpeg -nostdin -hide_banner -loglevel quiet -threads 1 -i "$2" -threads 1 -i "$1" -filter_complex \
    "[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[c];[d][c]psnr,metadata=print:key=lavfi.psnr.psnr_avg:file=$log" -f null - || true
  awk -v fd="$3" -v from="${4:-0}" -v to="${5:-1e9}" '
    /pts_time:/ { for (i = 1; i <= NF; i++) if ($i ~ /^pts_time:/) { split($i, a, ":"); t = a[2] + 0 } }
    /psnr_avg=/ { if (t < from || t >= to) next
      split($0, a, "="); v = a[2]
      if (v != "inf" && v + 0 < 99) { if (as == "") as = t; ae = t; if (min == "" || v + 0 < min) min = v + 0 }
      if (v != "inf" && v + 0 < 35) { if (s == "") s = t; e = t } }
    END { printf "%.3f %.3f %.3f %.3f %.1f\n", s, e + fd, as, ae + fd, min }' "$log"
  rm -f "$log"
}

# damaged_ev CLIP CLEAN FRAMEDUR NOTE [FROM TO]: a blockiness event from
# damage_window.
damaged_ev() {
  local c=$1 s e as ae min
  read -r s e as ae min < <(damage_window "$2" "$c" "$3" "${5:-0}" "${6:-1e9}")
  ev "$c" blockiness "$s" "$e" "\"start_tolerance_s\":$(calc "$s - $as")" "\"end_tolerance_s\":$(calc "$ae - $e")" \
    "$(note "$4; measured against the clean decode: PSNR below 35 dB from $s to $e s (lowest $min dB), any difference from $as to $ae s")"
}

c_blocky_bsfnoise_h264() {
  local c=blocky_bsfnoise_h264.ts clean=bn264_clean.ts
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 1280 720 25),trim=duration=16[v];$(aprog 0 16)[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset veryfast -crf 22 -g 50 -bf 2 -c:a aac -b:a 128k "${BX[@]}" -f mpegts $clean
  "${FF[@]}" -i $clean -map 0 -c copy -bsf:v "noise=amount='if(between((pts-startpts)*tb\,6\,6.5)\,3000\,0)'" "${BX[@]}" -f mpegts "$c"
  damaged_ev $c $clean 0.04 "bitstream filter noise (1 byte in 3000 changed) on the H.264 packets with PTS 6.0-6.5 s; damage propagates to the next IDR (8.0 s)"
  finish $c mpegts 2 "720p25 H.264 (x264 veryfast CRF 22, GOP 50, 2 B) + AAC, TS: -bsf:v noise on 0.5 s of packets"
}

c_blocky_bsfnoise_mpeg2() {
  local c=blocky_bsfnoise_mpeg2.ts clean=bnm2_clean.ts
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 720 576 25),trim=duration=14[v];$(aprog 0 14)[a]" \
    -map "[v]" -map "[a]" -c:v mpeg2video -threads 1 -pix_fmt yuv420p -b:v 5M -maxrate 7M -bufsize 1835k -g 12 -bf 2 -c:a mp2 -b:a 256k "${BX[@]}" -f mpegts $clean
  "${FF[@]}" -i $clean -map 0 -c copy -bsf:v "noise=amount='if(between((pts-startpts)*tb\,7\,8)\,2000\,0)'" "${BX[@]}" -f mpegts "$c"
  damaged_ev $c $clean 0.04 "bitstream filter noise (1 byte in 2000 changed) on the MPEG-2 packets with PTS 7.0-8.0 s; slices concealed until the next I picture"
  finish $c mpegts 0.48 "576p25 MPEG-2 5 Mb/s (GOP 12, 2 B) + MP2, TS: -bsf:v noise on 1 s of packets"
}

c_blocky_tsdamage() {
  local c=blocky_tsdamage.ts clean=bts_clean.ts
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 960 540 25),trim=duration=14[v];$(aprog 0 14)[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset faster -crf 23 -g 50 -bf 3 -c:a aac -b:a 128k "${BX[@]}" -f mpegts $clean
  # Byte offsets of the PES packets of the video frames at 5.0 s and 9.0 s.
  local st p1 p2
  st=$(ffprobe -v error -select_streams v:0 -show_entries stream=start_time -of csv=p=0 $clean)
  read -r p1 p2 < <(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,pos -of csv=p=0 $clean |
    awk -F, -v st="$st" '{t = $1 - st} t >= 4.999 && a == "" {a = $2} t >= 8.999 && b == "" {b = $2} END {print a, b}')
  # Deterministic garbage: 24 KiB of pink noise samples.
  "${FF[@]}" -f lavfi -i "anoisesrc=r=48000:color=pink:seed=5:d=1" -f s16le -c:a pcm_s16le garbage.bin
  cp $clean "$c"
  # (a) The payload of 130 video TS packets (about 24 KiB) overwritten with
  # garbage, from 11 packets (2 KiB) into the frame at 5.0 s. TS headers,
  # adaptation fields and the other PIDs stay intact (bit errors inside
  # the payload), so every demuxer hands the same damaged PES to the
  # decoder: overwriting headers too makes GStreamer's tsdemux drop the PES
  # (a frame goes missing, the picture turns stale) where ffmpeg's decodes
  # the garbage (smear), and the truth would depend on the demuxer.
  local vpid off b0 b1 b2 b3 pid afc start n=0
  vpid=$(($(ffprobe -v error -select_streams v:0 -show_entries stream=id -of csv=p=0 $clean | head -1)))
  off=$((p1 + 11 * 188))
  while [ $n -lt 130 ]; do
    read -r b0 b1 b2 b3 < <(od -An -tu1 -N4 -j $off "$c")
    [ "$b0" -eq 71 ] || { echo "blocky_tsdamage: no TS sync byte at $off" >&2; return 1; }
    pid=$(((b1 & 31) << 8 | b2))
    afc=$(((b3 >> 4) & 3))
    if [ $pid -eq $vpid ] && [ $afc -ne 2 ]; then
      start=4
      [ $afc -eq 3 ] && start=$((5 + $(od -An -tu1 -N1 -j $((off + 4)) "$c")))
      if [ $start -lt 188 ]; then
        dd if=garbage.bin of="$c" bs=1 skip=$((n * 188)) seek=$((off + start)) count=$((188 - start)) conv=notrunc status=none
      fi
      n=$((n + 1))
    fi
    off=$((off + 188))
  done
  # (b) 300 TS packets (56400 bytes) cut out, starting at the frame at 9.0 s: a burst loss.
  local tmp=$W/cut.ts
  head -c "$p2" "$c" >"$tmp"
  tail -c +$((p2 + 300 * 188 + 1)) "$c" >>"$tmp"
  mv "$tmp" "$c"
  # Two windows, split at 8.5 s (the IDR at 8.0 s ends the first).
  damaged_ev $c $clean 0.04 "the payload of 130 video TS packets (24 KiB) overwritten with garbage (dd) 2 KiB into the frame at 5.0 s, TS headers intact" 0 8.5
  damaged_ev $c $clean 0.04 "300 consecutive TS packets (56400 bytes) removed at the frame at 9.0 s, a burst loss" 8.5 1e9
  finish $c mpegts 2 "540p25 H.264 (x264 faster CRF 23, GOP 50, 3 B) + AAC, TS: garbage in the video payload at 5 s, 300 TS packets lost at 9 s"
}

# x264 zones (q=51 on a frame range) leave the IDR that opens the zone at
# the CRF's quality, so the "QP 51 window" shows that sharp picture smeared
# by motion until the next IDR. The window is encoded as its own segment at
# constant QP 51 instead, between CRF 20 segments, all with stitchable=1
# (identical parameter sets) and joined with the concat demuxer.
c_blocky_qp51() {
  local c=blocky_qp51.mp4 i=0 a b q
  : >q51.txt
  for seg in "0 6 -crf|20" "6 9 -qp|51" "9 14 -crf|20"; do
    read -r a b q <<<"$seg"
    IFS='|' read -r -a qa <<<"$q"
    "${FF[@]}" -filter_complex "$(vprog 1280 720 25),trim=$a:$b,setpts=PTS-STARTPTS" "${X264[@]}" -preset medium "${qa[@]}" -g 50 -bf 3 \
      -x264-params stitchable=1:scenecut=0 "${BX[@]}" -f mpegts q51_$i.ts
    echo "file 'q51_$i.ts'" >>q51.txt
    i=$((i + 1))
  done
  "${FF[@]}" -f concat -safe 0 -i q51.txt -i prog48.wav -filter_complex "$(aprog 1 14)[a]" -map 0:v -map "[a]" -c:v copy \
    -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c blockiness 6 9 "$(note 'x264 constant QP 51 (the coarsest) on 6.0-9.0 s, a segment of its own starting with an IDR, between x264 CRF 20 segments (stitchable, concat demuxer)')"
  finish $c mp4 2 "720p25 H.264 (x264 medium CRF 20, 3 B) + AAC, MP4: 3 s at QP 51"
}

c_blocky_mpeg2_lowrate() {
  local c=blocky_mpeg2_lowrate.ts i=0 a b q
  : >segs.txt
  for seg in "0 6 -b:v|6M|-maxrate|8M|-bufsize|1835k" "6 9 -qscale:v|31" "9 13 -b:v|6M|-maxrate|8M|-bufsize|1835k" "13 16 -b:v|300k|-minrate|300k|-maxrate|300k|-bufsize|1835k" "16 20 -b:v|6M|-maxrate|8M|-bufsize|1835k"; do
    read -r a b q <<<"$seg"
    IFS='|' read -r -a qa <<<"$q"
    "${FF[@]}" -filter_complex "$(vprog 720 576 25),trim=$a:$b,setpts=PTS-STARTPTS" -c:v mpeg2video -threads 1 -pix_fmt yuv420p "${qa[@]}" \
      -g 12 -bf 2 -flags +cgop "${BX[@]}" -f mpegts lr$i.ts
    echo "file 'lr$i.ts'" >>segs.txt
    i=$((i + 1))
  done
  "${FF[@]}" -f concat -safe 0 -i segs.txt -i prog48.wav -filter_complex "$(aprog 1 20)[a]" -map 0:v -map "[a]" -c:v copy \
    -c:a mp2 -b:a 256k "${BX[@]}" -f mpegts "$c"
  ev $c blockiness 6 9 "$(note 'segment encoded at -qscale:v 31 (MPEG-2 coarsest quantiser), spliced with the concat demuxer between 6 Mb/s segments (closed GOPs)')"
  ev $c blockiness 13 16 "$(note 'segment encoded CBR 300 kb/s (a starved multiplex slot)')"
  finish $c mpegts 0.48 "576p25 MPEG-2 (GOP 12, 2 B, closed) + MP2, TS: qscale 31 at 6-9 s, 300 kb/s CBR at 13-16 s, 6 Mb/s elsewhere"
}

# --------------------------------------------------------- video: controls

c_control_texture() {
  local c=control_texture.mp4
  "${FF[@]}" -i prog48.wav -filter_complex "life=s=1280x720:r=25:seed=3:mold=10:life_color=0xc0d0ff:death_color=0x202040:mold_color=0x603010,format=yuv420p,trim=duration=5,setpts=PTS-STARTPTS[s0];$(vprog 1280 720 25),drawbox=x=0:y=540:w=900:h=90:color=0x102060@0.85:t=fill,drawtext=$FONT:text='Dr. A. Example - Lower third':fontsize=44:fontcolor=white:x=30:y=560,trim=5:10,setpts=PTS-STARTPTS[s1];smptehdbars=s=1280x720:r=25:d=1.5,format=yuv420p[s2];cellauto=s=640x360:r=25:rule=110:seed=4:random_fill_ratio=0.5:scroll=1,scale=1280:720:flags=neighbor,format=yuv420p,trim=duration=3.5,setpts=PTS-STARTPTS[s3];mandelbrot=s=1280x720:r=25:maxiter=300:start_scale=3:end_scale=0.05:end_pts=125,format=yuv420p,trim=duration=5,setpts=PTS-STARTPTS[s4];[s0][s1][s2][s3][s4]concat=n=5:v=1:a=0[v];$(aprog 0 20)[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset medium -crf 26 -g 50 -bf 3 -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c blockiness 0 20 '"decoy":true' "$(note 'hard content at CRF 26: game of life, lower-third graphics, SMPTE bars, a scrolling 2x2-pixel cellular automaton, a mandelbrot zoom, hard cuts between them')"
  ev $c freeze 10 11.5 '"decoy":true' "$(note 'colour bars for 1.5 s, shorter than a freeze')"
  finish $c mp4 2 "720p25 H.264 (x264 medium CRF 26) + AAC, MP4: hard synthetic content and cuts" control
}

c_control_sd_broadcast() {
  local c=control_sd_broadcast.ts
  "${FF[@]}" -i prog51.wav -filter_complex "$(vprog 720 576 50),trim=duration=5[s0];$(vtest 720 576 50),trim=duration=4,setpts=PTS-STARTPTS[s1];mandelbrot=s=720x576:r=50:maxiter=300:start_scale=2:end_scale=0.3:end_pts=200,format=yuv420p,trim=duration=4,setpts=PTS-STARTPTS[s2];$(vpan 720 576 50),trim=duration=3,setpts=PTS-STARTPTS[s3];$(vprog 720 576 50),drawbox=x=0:y=430:w=560:h=70:color=0x601010@0.85:t=fill,drawtext=$FONT:text='LIVE  Studio 2':fontsize=36:fontcolor=white:x=30:y=445,trim=16:20,setpts=PTS-STARTPTS[s4];[s0][s1][s2][s3][s4]concat=n=5:v=1:a=0,tinterlace=mode=interleave_top,setfield=tff[v];$(aprog 0 20)[a]" \
    -map "[v]" -map "[a]" -c:v mpeg2video -threads 1 -pix_fmt yuv420p -b:v 5M -minrate 5M -maxrate 5M -bufsize 1835k -g 12 -bf 2 -top 1 \
    -c:a ac3 -b:a 448k -muxrate 8M "${BX[@]}" "${ILACE[@]}" -f mpegts "$c"
  ev $c blockiness 0 20 '"decoy":true' "$(note 'clean SD broadcast: MPEG-2 5 Mb/s CBR interlaced, cuts between camera pan, testsrc2, mandelbrot, a second camera, graphics')"
  ev $c channel_loss 0 20 '"decoy":true' "$(note '5.1 with silent surrounds (0-6 s, digital zero) and a gated LFE: normal programme')"
  finish $c mpegts 0.48 "576i25 MPEG-2 5 Mb/s CBR (GOP 12, 2 B) + AC-3 5.1 448 kb/s, TS at 8 Mb/s mux rate" control
}

c_control_hevc_1080() {
  local c=control_hevc_1080.mkv
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 1920 1080 25),trim=duration=8[v];$(aprog 0 8)[a]" \
    -map "[v]" -map "[a]" -c:v libx265 -preset ultrafast -crf 24 -x265-params "$X265P:keyint=50" -pix_fmt yuv420p \
    -c:a eac3 -b:a 192k "${BX[@]}" "$c"
  finish $c matroska 2 "1080p25 HEVC (x265 ultrafast CRF 24) + E-AC-3, MKV: programme only" control
}

c_control_1080i() {
  local c=control_1080i.ts
  "${FF[@]}" -i prog48.wav -filter_complex "$(vprog 1920 1080 50),trim=duration=8,tinterlace=mode=interleave_top,setfield=tff[v];$(aprog 0 8)[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset veryfast -crf 22 -g 25 -bf 2 -x264-params tff=1 \
    -c:a mp2 -b:a 256k "${BX[@]}" "${ILACE[@]}" -f mpegts "$c"
  finish $c mpegts 1 "1080i25 H.264 (x264 veryfast interlaced TFF, CRF 22) + MP2, TS: programme only" control
}

# ------------------------------------------------------------------- audio

# Picture for the audio clips: testsrc2, cheap to encode, always moving.
LOWV=(-c:v libx264 -threads 2 -pix_fmt yuv420p -preset ultrafast -crf 26 -g 50)

# win_lufs FILE A B / win_tp FILE A B: integrated loudness (LUFS) and true
# peak (dBTP) of the decoded audio between A and B s, as ffmpeg's ebur128
# measures them.
win_lufs() {
  ffmpeg -nostdin -hide_banner -i "$1" -map 0:a:0 -af "atrim=$2:$3,ebur128" -f null - 2>&1 |
    awk '/Integrated loudness/{f=1} f&&/I:/{print $2; exit}'
}
win_tp() {
  ffmpeg -nostdin -hide_banner -i "$1" -map 0:a:0 -af "atrim=$2:$3,ebur128=peak=true" -f null - 2>&1 |
    awk '/True peak/{f=1} f&&/Peak:/{print $2; exit}'
}

# tp_ev CLIP A B TP NOTE: a true-peak event from the measured true peak TP
# (dBTP) of a limited passage: required above -0.5, a decoy below -1.5
# (0.5 dB either side of the -1 dBTP limit for the meters' differences),
# optional in between.
tp_ev() {
  local kind
  kind=$(awk -v v="$4" 'BEGIN{print (v > -0.5) ? "" : (v < -1.5) ? "\"decoy\":true" : "\"optional\":true"}')
  if [ -n "$kind" ]; then ev "$1" true_peak "$2" "$3" "$kind" "$(note "$5")"; else ev "$1" true_peak "$2" "$3" "$(note "$5")"; fi
}

c_silence_aac() {
  local c=silence_aac.mp4
  "${FF[@]}" -i prog48.wav -f lavfi -i "anoisesrc=r=48000:color=white:seed=31:amplitude=0.0005477:d=30" -f lavfi -i "anoisesrc=r=48000:color=white:seed=32:amplitude=0.0005477:d=30" \
    -filter_complex "$(vtest 640 360 25),trim=duration=30[v];$(aprog 0 30),volume=0:enable='between(t,4,7)+between(t,10,13)+between(t,23,24.5)+between(t,26,27.5)',volume=-20dB:enable='between(t,16,20)'[p];[1][2]join=inputs=2:channel_layout=stereo,aeval=val(0)*(between(t\,10\,13)+0.5623*between(t\,26\,27.5))|val(1)*(between(t\,10\,13)+0.5623*between(t\,26\,27.5)):c=same,aformat=channel_layouts=stereo[n];[p][n]amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c3[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c silence 4 7 '"digital_zero":true' "$(note 'volume=0 with enable=between(t,4,7): every sample 0 before encoding')"
  ev $c silence 10 13 '"level_dbfs":-70' "$(note 'programme muted, white noise at -70 dBFS RMS in both channels')"
  ev $c silence 16 20 '"decoy":true' '"level_dbfs":-45' "$(note 'quiet passage: programme 20 dB down (about -45 dBFS RMS, -43 LUFS)')"
  ev $c silence 22 30 '"decoy":true' "$(note 'dialogue gaps of 1.5 s: 23.0-24.5 s digital zero, 26.0-27.5 s hiss at -75 dBFS; shorter than a silence')"
  for w in "4 7" "10 13" "16 20"; do
    ev $c loudness ${w% *} ${w#* } '"optional":true' "$(note 'a silent or quiet passage is also far below -23 LUFS; a loudness report is allowed, not required')"
  done
  finish $c mp4 2 "360p25 H.264 + AAC 48 kHz stereo, MP4: digital silence, -70 dBFS hiss, quiet passage and dialogue-gap decoys"
}

c_silence_anullsrc_mp2() {
  local c=silence_anullsrc_mp2.ts
  "${FF[@]}" -i prog48.wav -filter_complex "$(vtest 640 360 25),trim=duration=20[v];[0:a]asplit=2[p1][p2];[p1]atrim=0:6[a0];anullsrc=r=48000:cl=stereo,atrim=0:3.5[a1];[p2]atrim=6:16.5,asetpts=PTS-STARTPTS[a2];[a0][a1][a2]concat=n=3:v=0:a=1[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a mp2 -b:a 256k "${BX[@]}" -f mpegts "$c"
  ev $c silence 6 9.5 '"digital_zero":true' "$(note 'anullsrc (3.5 s) concatenated between programme parts')"
  ev $c loudness 6 9.5 '"optional":true' "$(note 'a silent passage is also far below -23 LUFS; a loudness report is allowed, not required')"
  finish $c mpegts 2 "360p25 H.264 + MP2 256 kb/s, TS: 3.5 s of anullsrc spliced in"
}

c_surround_ac3() {
  local c=surround_ac3.ts
  local g1="(1-between(t\,8\,11))" g2="(1-between(t\,15\,20))"
  "${FF[@]}" -i prog51.wav -filter_complex "$(vtest 640 360 25),trim=duration=26[v];$(aprog 0 26),aeval=val(0)*$g1*$g2|val(1)*$g1|val(2)*$g1|val(3)*$g1|val(4)*$g1|val(5)*$g1:c=5.1[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a ac3 -b:a 448k "${BX[@]}" -f mpegts "$c"
  ev $c silence 8 11 '"digital_zero":true' "$(note 'all six channels zero')"
  ev $c loudness 8 11 '"optional":true' "$(note 'a silent passage is also far below -23 LUFS; a loudness report is allowed, not required')"
  ev $c channel_loss 15 20 '"channel":0' "$(note 'front left zero; FR carries music, C speech')"
  ev $c channel_loss 0 8 '"decoy":true' "$(note 'surrounds digital zero until 6 s, LFE gated: normal 5.1 programme')"
  ev $c channel_loss 11 15 '"decoy":true' "$(note 'LFE gated, surrounds quiet room tone: normal')"
  ev $c channel_loss 20 26 '"decoy":true' "$(note 'LFE gated, surrounds quiet room tone: normal')"
  finish $c mpegts 2 "360p25 H.264 + AC-3 5.1 448 kb/s, TS: silence of all channels, front-left loss, quiet LFE/surround decoys"
}

# Clipping windows are made so that they hold all through: +30 dB saturates
# the programme in every 100 ms of the window, speech pauses included
# (measured on the source: at least 30 runs of full-scale samples per 100 ms
# per window; at +20 dB the pauses between syllables stay below full scale
# and the clipping is a string of bursts). Loud passages are 7 s or more
# away from the clipping, so 3 s short-term loudness does not join them.
c_clipping_pcm() {
  local c=clipping_pcm.mov l tp
  "${FF[@]}" -i prog48.wav -filter_complex "$(vtest 640 360 25),trim=duration=26[v];$(aprog 0 26),volume=10dB:enable='between(t,14,22)',alimiter=limit=0.708:attack=5:release=50:level=false:latency=1,volume=30dB:enable='between(t,4,7)',aformat=sample_fmts=s16[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a pcm_s16le "${BX[@]}" "$c"
  ev $c clipping 4 7 "$(note 'volume=30dB on 16-bit PCM: the samples saturate at +-32767 in every 100 ms of the window')"
  ev $c true_peak 4 7 "$(note 'samples at full scale: true peak at or above 0 dBTP')"
  ev $c loudness 4 7 '"optional":true' "$(note 'the clipped passage is also loud; 3 s is the short-term window')"
  l=$(win_lufs "$c" 14 22); tp=$(win_tp "$c" 14 22)
  ev $c clipping 14 22 '"decoy":true' "$(note "loud but not clipped: +10 dB into a look-ahead limiter at -3 dBFS (alimiter), peaks held 3 dB below full scale; true peak $tp dBTP")"
  ev $c true_peak 14 22 '"decoy":true' "$(note "limited at -3 dBFS sample peak: true peak $tp dBTP, below the -1 dBTP maximum")"
  ev $c loudness 14 22 "\"lufs\":$l" '"start_tolerance_s":3' '"end_tolerance_s":3' "$(note "+10 dB into the limiter: $l LUFS")"
  finish $c mov 2 "360p25 H.264 + PCM s16le 48 kHz, MOV: hard clipping, loud limited decoy"
}

c_clipping_aac() {
  local c=clipping_aac.mp4 l tp
  "${FF[@]}" -i prog48.wav -filter_complex "$(vtest 640 360 25),trim=duration=28[v];$(aprog 0 28),volume=30dB:enable='between(t,14,24)',alimiter=limit=0.989:attack=1:release=50:level=false:latency=1,volume=30dB:enable='between(t,4,7)',aeval=clip(val(0)\,-1\,1)|clip(val(1)\,-1\,1):c=same[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a aac -b:a 192k "${BX[@]}" -movflags +faststart "$c"
  ev $c clipping 4 7 "$(note 'volume=30dB then aeval clip(val,-1,1) on float: flat tops at full scale in every 100 ms of the window, then AAC')"
  ev $c true_peak 4 7 "$(note 'clipped at full scale: true peak above 0 dBTP after decoding')"
  ev $c loudness 4 7 '"optional":true' "$(note 'the clipped passage is also loud; 3 s is the short-term window')"
  ev $c clipping 14 24 '"decoy":true' "$(note 'brickwall master: +30 dB into a 1 ms look-ahead limiter at -0.1 dBFS; peaks at the ceiling all the time, but the waveform is gain-reduced, not cut (no flat tops)')"
  l=$(win_lufs "$c" 14 24); tp=$(win_tp "$c" 14 24)
  ev $c loudness 14 24 "\"lufs\":$l" '"start_tolerance_s":3' '"end_tolerance_s":3' "$(note "brickwall-limited passage at $l LUFS")"
  ev $c true_peak 14 24 "$(note "limited to -0.1 dBFS sample peak, the limiter engaged all through: true peak $tp dBTP after AAC, above the -1 dBTP R128 maximum in every 100 ms (ffmpeg ebur128; at +24 dB the speech pauses dropped below it for up to 1.1 s)")"
  finish $c mp4 2 "360p25 H.264 + AAC 192 kb/s, MP4: hard clipping, brickwall-limited decoy"
}

c_clipping_lowlevel() {
  local c=clipping_lowlevel.mkv
  "${FF[@]}" -i prog48.wav -filter_complex "$(vtest 640 360 25),trim=duration=16[v];$(aprog 0 16),volume=18dB:enable='between(t,5,9)',aformat=sample_fmts=s16,volume=-14dB:enable='between(t,5,9)':precision=float,aformat=sample_fmts=s16[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a pcm_s16le "${BX[@]}" "$c"
  ev $c clipping 5 9 "$(note 'clipped, then turned down: +18 dB saturating 16-bit PCM, then -14 dB (a clipped source normalised to programme level); flat tops at -14 dBFS, level about -19 LUFS')"
  finish $c matroska 2 "360p25 H.264 + PCM s16le, MKV: clipping whose flat tops sit at -14 dBFS"
}

c_loudness_loud_ac3() {
  local c=loudness_loud_ac3.mkv l l2 tp
  "${FF[@]}" -i prog48.wav -filter_complex "$(vtest 640 360 25),trim=duration=30[v];$(aprog 0 30),volume=12dB:enable='between(t,6,16)',volume=3dB:enable='between(t,20,28)',alimiter=limit=0.794:attack=5:release=50:level=false:latency=1[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a ac3 -b:a 192k "${BX[@]}" "$c"
  l=$(win_lufs "$c" 6 16); l2=$(win_lufs "$c" 20 28); tp=$(win_tp "$c" 6 16)
  ev $c loudness 6 16 "\"lufs\":$l" '"start_tolerance_s":3' '"end_tolerance_s":3' "$(note "+12 dB into a look-ahead limiter at -2 dBFS: $l LUFS")"
  ev $c loudness 20 28 '"decoy":true' "\"lufs\":$l2" "$(note "+3 dB: $l2 LUFS, inside -23 +-5")"
  tp_ev $c 6 16 "$tp" "limited at -2 dBFS sample peak: true peak $tp dBTP after AC-3"
  finish $c matroska 2 "360p25 H.264 + AC-3 stereo 192 kb/s, MKV: loud passage, +3 LU decoy"
}

c_loudness_quiet_aac44() {
  local c=loudness_quiet_aac44.mp4 l l2
  "${FF[@]}" -i prog44.wav -filter_complex "$(vtest 640 360 25),trim=duration=30[v];$(aprog 0 30),volume=-16dB:enable='between(t,6,16)',volume=-3dB:enable='between(t,20,28)'[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a aac -b:a 128k -ar 44100 "${BX[@]}" -movflags +faststart "$c"
  l=$(win_lufs "$c" 6 16); l2=$(win_lufs "$c" 20 28)
  ev $c loudness 6 16 "\"lufs\":$l" '"start_tolerance_s":3' '"end_tolerance_s":3' "$(note "-16 dB: $l LUFS")"
  ev $c loudness 20 28 '"decoy":true' "\"lufs\":$l2" "$(note "-3 dB: $l2 LUFS, inside -23 +-5")"
  ev $c silence 6 16 '"decoy":true' "$(note 'quiet programme (music and room tone continue), not silence')"
  finish $c mp4 2 "360p25 H.264 + AAC 44.1 kHz, MP4: quiet passage, -3 LU decoy"
}

# Short-term loudness of this programme spreads about -4/+1.5 LU around its
# integrated value, so a "too loud" window must sit well above -18 LUFS
# (-23 + 5) to be too loud all through: about -12 LUFS here.
c_loudness_web_opus() {
  local c=loudness_web_opus.webm l tp
  "${FF[@]}" -i prog48.wav -filter_complex "$(vtest 640 360 25),trim=duration=15[v];$(aprog 0 15),volume=12dB,alimiter=limit=0.708:attack=5:release=50:level=false:latency=1[a]" \
    -map "[v]" -map "[a]" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -row-mt 0 -threads 1 -crf 34 -b:v 0 -g 50 -pix_fmt yuv420p \
    -c:a libopus -b:a 128k "${BX[@]}" "$c"
  l=$(win_lufs "$c" 0 15); tp=$(win_tp "$c" 0 15)
  ev $c loudness 0 15 "\"lufs\":$l" '"start_tolerance_s":3' '"end_tolerance_s":3' "$(note "the whole clip mastered loud, +12 dB and limited at -3 dBFS: $l LUFS")"
  tp_ev $c 0 15 "$tp" "limited at -3 dBFS sample peak: true peak $tp dBTP after Opus"
  finish $c webm 2 "360p25 VP9 + Opus, WebM: the whole programme mastered loud"
}

c_truepeak_pcm() {
  local c=truepeak_pcm.mkv
  local ga="gte(t\,4)*lt(t\,5.5)" gb="gte(t\,9)*lt(t\,10.5)"
  local tone="sin(2*PI*12000*t+PI/4)*(1.1233*$ga+0.5630*$gb)"
  "${FF[@]}" -i prog48.wav -f lavfi -i "aevalsrc=exprs=$tone|$tone:s=48000:d=16" -filter_complex "$(vtest 640 360 25),trim=duration=16[v];$(aprog 0 16),aeval=val(0)*(1-$ga-$gb)|val(1)*(1-$ga-$gb):c=same,aformat=channel_layouts=stereo[p];[p][1]amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c3[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a pcm_s24le "${BX[@]}" "$c"
  ev $c true_peak 4 5.5 "$(note 'EBU Tech 3341 style: fs/4 sine (12 kHz) at 45 degrees phase replacing the programme, samples at -2.0 dBFS, true peak +1.0 dBTP')"
  ev $c clipping 4 5.5 '"decoy":true' "$(note 'sample peak -2 dBFS: no sample near full scale')"
  ev $c true_peak 9 10.5 '"decoy":true' "$(note 'the same tone at -8 dBFS sample peak: true peak -5 dBTP')"
  ev $c loudness 4 5.5 '"optional":true' "$(note 'a 1.5 s tone at -2 dBFS is loud; short-term loudness stays high for up to 3 s after it')"
  ev $c loudness 9 10.5 '"optional":true' "$(note 'a 1.5 s tone at -8 dBFS is loud; short-term loudness stays high for up to 3 s after it')"
  finish $c matroska 2 "360p25 H.264 + PCM s24le, MKV: inter-sample peak test tones"
}

c_chloss_stereo_mp2() {
  local c=chloss_stereo_mp2.ts
  local mono="between(t\,21\,26)"
  "${FF[@]}" -i prog48.wav -f lavfi -i "anoisesrc=r=48000:color=white:seed=41:amplitude=0.0003080:d=30" \
    -filter_complex "$(vtest 640 360 25),trim=duration=30[v];$(aprog 0 30),aeval=if($mono\,(val(0)+val(1))/2\,val(0))*(1-between(t\,14\,19))|if($mono\,(val(0)+val(1))/2\,val(1))*(1-between(t\,5\,10))*if(gte(t\,26.5)\,0.0316\,1):c=same,aformat=channel_layouts=stereo[p];[1]aeval=val(0)*between(t\,14\,19),aformat=channel_layouts=mono[n];[p][n]amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a mp2 -b:a 256k "${BX[@]}" -f mpegts "$c"
  ev $c channel_loss 5 10 '"channel":1' "$(note 'right channel multiplied by 0 (digital zero)')"
  ev $c channel_loss 14 19 '"channel":0' "$(note 'left channel replaced by white noise at -75 dBFS RMS (a dead input with a noise floor)')"
  ev $c channel_loss 21 26 '"decoy":true' "$(note 'mono programme duplicated on both channels: normal')"
  ev $c channel_loss 26.5 30 '"decoy":true' "$(note 'right channel 30 dB down (about -55 dBFS RMS): an imbalance, not a loss')"
  finish $c mpegts 2 "360p25 H.264 + MP2 256 kb/s, TS: right loss, left loss with noise floor, mono and imbalance decoys"
}

c_phase_aac() {
  local c=phase_aac.mp4
  "${FF[@]}" -i prog48.wav -i wide48.wav -i haas48.wav -filter_complex "$(vtest 640 360 25),trim=duration=30[v];$(aprog 0 14),aeval=if(between(t\,6\,12)\,-val(0)\,val(0))|val(1):c=same[a0];[1:a]atrim=14:22,asetpts=PTS-STARTPTS[a1];[2:a]atrim=22:30,asetpts=PTS-STARTPTS[a2];[a0][a1][a2]concat=n=3:v=0:a=1[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a aac -b:a 160k "${BX[@]}" -movflags +faststart "$c"
  ev $c phase 6 12 "$(note 'left channel inverted (aeval -val(0)): correlation about -0.87')"
  ev $c phase 14 22 '"decoy":true' "$(note "wide stereo: music voiced differently per channel over strong decorrelated room tone, correlation $(corr wide48.wav 14 22)")"
  ev $c phase 22 30 '"decoy":true' "$(note "mono programme widened by a 0.6 ms inter-channel delay (Haas), correlation $(corr haas48.wav 22 30)")"
  finish $c mp4 2 "360p25 H.264 + AAC 160 kb/s, MP4: inverted left channel, wide-stereo and Haas decoys"
}

c_control_mono() {
  local c=control_mono.mp4
  "${FF[@]}" -i prog44.wav -filter_complex "$(vtest 640 360 25),trim=duration=12[v];$(aprog 0 12),pan=mono|c0=0.5*c0+0.5*c1[a]" \
    -map "[v]" -map "[a]" "${LOWV[@]}" -c:a aac -b:a 96k -ar 44100 "${BX[@]}" -movflags +faststart "$c"
  finish $c mp4 2 "360p25 H.264 + AAC mono 44.1 kHz, MP4: programme only" control
}

# corr FILE A B: inter-channel correlation of FILE between A and B s
# (from the energies of L+R and L-R).
corr() {
  local s d
  s=$(ffmpeg -nostdin -hide_banner -i "$1" -af "atrim=$2:$3,pan=mono|c0=c0+c1,astats=measure_perchannel=none:measure_overall=RMS_level" -f null - 2>&1 | awk '/RMS level dB/{print $NF; exit}')
  d=$(ffmpeg -nostdin -hide_banner -i "$1" -af "atrim=$2:$3,pan=mono|c0=c0-c1,astats=measure_perchannel=none:measure_overall=RMS_level" -f null - 2>&1 | awk '/RMS level dB/{print $NF; exit}')
  awk -v s="$s" -v d="$d" 'BEGIN{S=10^(s/10); D=10^(d/10); printf "%.2f", (S-D)/(S+D)}'
}

# ------------------------------------------------------------ A/V offset

# flash CONDITION: a full white frame while CONDITION(t) holds.
flash() { printf "drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='%s'" "$1"; }

c_avsync_flashbeep_p240() {
  local c=avsync_flashbeep_p240.mp4
  "${FF[@]}" -i prog48.wav -f lavfi -i "aevalsrc=exprs=0.316*sin(2*PI*1000*t)*gte(t\,1)*lt(mod(t-1\,2)\,0.04):s=48000:d=16" \
    -filter_complex "$(vprog 1280 720 25),$(flash 'gte(t,1)*lt(mod(t-1,2),0.02)'),trim=duration=16[v];$(aprog 0 16)[p];[p][1]amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c2,adelay=240|240,atrim=0:16[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset veryfast -crf 21 -g 50 -bf 2 -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c av_offset 0 16 '"offset_ms":240' '"start_tolerance_s":5' '"end_tolerance_s":2' "$(note 'white frame every 2 s from 1.0 s over programme, 1 kHz beep (40 ms, -10 dBFS) mixed into the programme; the whole audio delayed 240 ms with adelay')"
  finish $c mp4 2 "720p25 H.264 + AAC, MP4: flash + 1 kHz beep every 2 s, audio 240 ms late (adelay)" "" '"audio_offset_ms":240,"markers_s":[1,3,5,7,9,11,13,15]'
}

c_avsync_flashbeep_m160() {
  local c=avsync_flashbeep_m160.ts
  "${FF[@]}" -itsoffset 0.16 -f lavfi -i "$(vtest 720 576 25),$(flash 'gte(n,15)*eq(mod(n-15,25),0)')" -i prog48.wav \
    -f lavfi -i "aevalsrc=exprs=0.316*sin(2*PI*1000*t)*gte(t\,0.6)*lt(mod(t-0.6\,1)\,0.04):s=48000:d=16" \
    -filter_complex "$(aprog 1 16)[p];[p][2]amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c2[a]" \
    -map 0:v -map "[a]" -t 16 -c:v mpeg2video -threads 1 -pix_fmt yuv420p -b:v 6M -maxrate 8M -bufsize 1835k -g 12 -bf 2 -c:a mp2 -b:a 256k "${BX[@]}" -f mpegts "$c"
  ev $c av_offset 0 16 '"offset_ms":-160' '"start_tolerance_s":5' '"end_tolerance_s":2' "$(note 'testsrc2 with a white frame every second from 0.6 s (frames 15, 40, ...), 1 kHz beep (40 ms) at the same content times over programme; -itsoffset 0.16 on the video input: audio 160 ms early, the video stream starts 0.16 s after the audio')"
  finish $c mpegts 0.48 "576p25 MPEG-2 + MP2, TS: flash + beep every second, audio 160 ms early (-itsoffset on video)" "" '"audio_offset_ms":-160,"markers_s":[0.6,1.6,2.6,3.6,4.6,5.6,6.6,7.6,8.6,9.6,10.6,11.6,12.6,13.6,14.6,15.6]'
}

c_avsync_flashbeep440_p280() {
  local c=avsync_flashbeep440_p280.mkv
  "${FF[@]}" -i prog48.wav -f lavfi -i "aevalsrc=exprs=0.25*sin(2*PI*440*t)*gte(t\,1)*lt(mod(t-1\,2)\,0.1):s=48000:d=16" \
    -filter_complex "$(vprog 960 540 25),$(flash 'gte(t,1)*lt(mod(t-1,2),0.06)'),trim=duration=16[v];$(aprog 0 16)[p];[p][1]amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c2,adelay=280|280,atrim=0:16[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset faster -crf 22 -g 50 -bf 3 -c:a libvorbis -q:a 5 "${BX[@]}" "$c"
  ev $c av_offset 0 16 '"offset_ms":280' '"start_tolerance_s":5' '"end_tolerance_s":2' "$(note 'two white frames every 2 s from 1.0 s, 440 Hz beep (100 ms, -12 dBFS) over programme; audio delayed 280 ms with adelay')"
  finish $c matroska 2 "540p25 H.264 + Vorbis, MKV: flash + 440 Hz beep every 2 s, audio 280 ms late" "" '"audio_offset_ms":280,"markers_s":[1,3,5,7,9,11,13,15]'
}

# cuts_video W H CUTS...: hard cuts between four sources (camera pan,
# testsrc2, a mandelbrot zoom, a second camera) at the given times. (No game of
# life: random cells changing every frame are beyond MPEG-2 at 6 Mb/s,
# measured q 30-39 and PSNR 20 dB there, a genuinely blocky picture.)
cuts_video() {
  local w=$1 h=$2; shift 2
  local k=("$@") eb="0" ec="0" ed="0" i a b
  for ((i = 0; i < ${#k[@]}; i++)); do
    a=${k[$i]}; b=${k[$((i + 1))]:-1000}
    case $(((i + 1) % 4)) in
      1) eb="$eb+between(t\,$a\,$b-0.001)" ;;
      2) ec="$ec+between(t\,$a\,$b-0.001)" ;;
      3) ed="$ed+between(t\,$a\,$b-0.001)" ;;
    esac
  done
  printf '%s' "$(vprog "$w" "$h" 25)[ca];$(vtest "$w" "$h" 25)[cb];mandelbrot=s=${w}x$h:r=25:maxiter=100:start_scale=2:end_scale=0.2:end_pts=500,format=yuv420p[cc];$(vpan "$w" "$h" 25)[cd];"
  printf '%s' "[ca][cb]overlay=enable='$eb':shortest=1[x1];[x1][cc]overlay=enable='$ec':shortest=1[x2];[x2][cd]overlay=enable='$ed':shortest=1"
}
# cuts_audio OUT DUR CUTS...: programme at -6 dB plus a noise hit at every cut.
cuts_audio() {
  local out=$1 d=$2; shift 2
  local env="0" k
  for k in "$@"; do env="$env+gte(t\,$k)*exp(-(t-$k)*30)"; done
  "${FF[@]}" -i prog48.wav -f lavfi -i "aevalsrc=exprs=0.4*(2*random(0)-1)*($env):s=48000:d=$d" \
    -filter_complex "$(aprog 0 "$d")[p];[p][1]amerge=inputs=2,pan=stereo|c0=0.5*c0+c2|c1=0.5*c1+c2" -c:a pcm_f32le "$out"
}
CUTS1=(1.2 2.6 4.8 5.6 7.92 9.32 10.12 12.4 13 15.2 16.8 18.4)
CUTS2=(0.8 2 3.72 5.4 6.2 8.4 9.6 11.2 12.08 14 15.6 17.2 18.8)

c_avsync_cuts_p300() {
  local c=avsync_cuts_p300.mp4
  cuts_audio cuts1.wav 20 "${CUTS1[@]}"
  "${FF[@]}" -itsoffset 0.3 -i cuts1.wav -filter_complex "$(cuts_video 960 540 "${CUTS1[@]}"),trim=duration=20[v]" \
    -map "[v]" -map 0:a "${X264[@]}" -preset medium -crf 22 -g 50 -bf 3 -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c av_offset 0 20 '"offset_ms":300' '"start_tolerance_s":10' '"end_tolerance_s":2' "$(note 'ordinary content: 12 hard cuts at irregular times, each with a noise hit in the sound, over programme audio; -itsoffset 0.3 on the audio: audio 300 ms late, its stream starts 0.3 s after the video')"
  finish $c mp4 2 "540p25 H.264 + AAC, MP4: cuts with sound, audio 300 ms late (-itsoffset)" "" '"audio_offset_ms":300'
}

c_avsync_cuts_m200() {
  local c=avsync_cuts_m200.ts
  cuts_audio cuts2.wav 20.2 "${CUTS2[@]}"
  "${FF[@]}" -i cuts2.wav -filter_complex "$(cuts_video 720 576 "${CUTS2[@]}"),trim=duration=20[v];[0:a]atrim=start=0.2,asetpts=PTS-STARTPTS[a]" \
    -map "[v]" -map "[a]" -c:v mpeg2video -threads 1 -pix_fmt yuv420p -b:v 6M -maxrate 8M -bufsize 1835k -g 12 -bf 2 -c:a mp2 -b:a 256k "${BX[@]}" -f mpegts "$c"
  ev $c av_offset 0 20 '"offset_ms":-200' '"start_tolerance_s":10' '"end_tolerance_s":2' "$(note 'ordinary content: 13 hard cuts with noise hits; the first 0.2 s of the sound cut off (atrim): audio 200 ms early, both streams start together')"
  finish $c mpegts 0.48 "576p25 MPEG-2 + MP2, TS: cuts with sound, audio 200 ms early (atrim)" "" '"audio_offset_ms":-200'
}

c_avsync_cuts_0() {
  local c=avsync_cuts_0.mkv
  cuts_audio cuts3.wav 20 "${CUTS1[@]}"
  "${FF[@]}" -i cuts3.wav -filter_complex "$(cuts_video 960 540 "${CUTS1[@]}"),trim=duration=20[v]" \
    -map "[v]" -map 0:a "${X264[@]}" -preset faster -crf 23 -g 50 -bf 3 -c:a ac3 -b:a 192k "${BX[@]}" "$c"
  ev $c av_offset 0 20 '"decoy":true' '"start_tolerance_s":10' '"end_tolerance_s":2' "$(note 'the same cuts and hits in sync: no av_offset may be reported')"
  finish $c matroska 2 "540p25 H.264 + AC-3, MKV: cuts with sound, in sync" control
}

c_avsync_speech_p250() {
  local c=avsync_speech_p250.mp4
  local mouth="6+40*pow(max(0\,sin(2*PI*4.1*t+2*sin(2*PI*0.9*t)))\,2)*gt(sin(2*PI*0.21*t+1.7*sin(2*PI*0.063*t))\,-0.35)"
  "${FF[@]}" -i dialog48.wav -filter_complex "$(vstill 960 540 25 300 900),drawbox=x='400+3*sin(2*PI*0.5*t)':y=120:w=160:h=220:color=0xc08060:t=fill,drawbox=x='450+3*sin(2*PI*0.5*t)':y=260:w=60:h='$mouth':color=0x401010:t=fill,noise=alls=2:allf=t,trim=duration=16[v];$(aprog 0 16),adelay=250|250,atrim=0:16[a]" \
    -map "[v]" -map "[a]" "${X264[@]}" -preset veryfast -crf 22 -g 50 -bf 2 -c:a aac -b:a 128k "${BX[@]}" -movflags +faststart "$c"
  ev $c av_offset 0 16 '"offset_ms":250' '"start_tolerance_s":10' '"end_tolerance_s":2' "$(note 'talking head: a mouth opening with the syllable envelope of the speech (same expression), no cuts or flashes; audio delayed 250 ms (adelay)')"
  finish $c mp4 2 "540p25 H.264 + AAC, MP4: lip-sync only, audio 250 ms late" "" '"audio_offset_ms":250'
}

# ------------------------------------------------------------------- main

ALL=(black_concat.mp4 black_fade_mpeg2.ts black_fullrange.mp4 black_dark_hevc.mkv
  freeze_freezeframes.ts freeze_tpad_mpeg2.ts freeze_loop_hevc.mp4 freeze_fps_vp9.webm freeze_decoys.mp4
  blocky_bsfnoise_h264.ts blocky_bsfnoise_mpeg2.ts blocky_tsdamage.ts blocky_qp51.mp4 blocky_mpeg2_lowrate.ts
  control_texture.mp4 control_sd_broadcast.ts control_hevc_1080.mkv control_1080i.ts control_mono.mp4
  silence_aac.mp4 silence_anullsrc_mp2.ts surround_ac3.ts clipping_pcm.mov clipping_aac.mp4 clipping_lowlevel.mkv
  loudness_loud_ac3.mkv loudness_quiet_aac44.mp4 loudness_web_opus.webm truepeak_pcm.mkv
  chloss_stereo_mp2.ts phase_aac.mp4
  avsync_flashbeep_p240.mp4 avsync_flashbeep_m160.ts avsync_flashbeep440_p280.mkv
  avsync_cuts_p300.mp4 avsync_cuts_m200.ts avsync_cuts_0.mkv avsync_speech_p250.mp4)
if [ ${#ONLY[@]} -gt 0 ]; then CLIPS=("${ONLY[@]}"); else CLIPS=("${ALL[@]}"); fi

started=$(date +%s)
# (a development run with CLIP names keeps its assets in OUTDIR/.work)
if [ ${#ONLY[@]} -eq 0 ] || [ ! -f dialog48.wav ]; then assets; fi
echo "ffcorpus: assets in $(($(date +%s) - started)) s" >&2

# Run the clip recipes JOBS at a time; each writes its own meta files.
fail=0
run_one() {
  local clip=$1 fn=c_${1%.*}
  declare -F "$fn" >/dev/null || { echo "ffcorpus: no recipe for $clip" >&2; return 2; }
  rm -f "$W/meta/$clip.events" "$W/meta/$clip.clip"
  local t0=$SECONDS
  # (set -e does not apply inside a function called as an if/|| condition:
  # the recipe runs in its own subshell with -e, so a failed ffmpeg fails it.)
  local rc=0
  (set -e; "$fn") >"$W/$clip.log" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then
    echo "ffcorpus: $clip $((SECONDS - t0)) s" >&2
  else
    echo "ffcorpus: $clip FAILED:" >&2; tail -20 "$W/$clip.log" >&2; return 1
  fi
}
running=0
for clip in "${CLIPS[@]}"; do
  if [ $running -ge "$JOBS" ]; then wait -n || fail=1; running=$((running - 1)); fi
  run_one "$clip" &
  running=$((running + 1))
done
while [ $running -gt 0 ]; do wait -n || fail=1; running=$((running - 1)); done
[ $fail -eq 0 ] || { echo "ffcorpus: some clips failed" >&2; exit 1; }

# truth.json: clips in ALL order, events by clip then start.
{
  printf '{"generator":"%s",\n"clips":[\n' "$GENERATOR"
  first=1
  for clip in "${CLIPS[@]}"; do
    [ $first -eq 1 ] || printf ',\n'; first=0
    tr -d '\n' <"$W/meta/$clip.clip"
  done
  printf '\n],\n"events":[\n'
  first=1
  for clip in "${CLIPS[@]}"; do
    [ -f "$W/meta/$clip.events" ] || continue
    while IFS= read -r line; do
      [ $first -eq 1 ] || printf ',\n'; first=0
      printf '%s' "$line"
    done < <(awk -F'"start_s":' '{split($2, a, ","); print a[1] "\t" $0}' "$W/meta/$clip.events" | sort -s -g -k1,1 | cut -f2-)
  done
  printf '\n]}\n'
} >"$DEST/truth.json"

cd "$DEST"
if [ ${#ONLY[@]} -eq 0 ]; then
  rm -rf "$W" "$OUT"
  mv "$DEST" "$OUT"
  trap - EXIT
fi
echo "ffcorpus: ${#CLIPS[@]} clips, $(du -sm "$OUT" | cut -f1) MB, $(($(date +%s) - started)) s -> $OUT" >&2
exit
}
