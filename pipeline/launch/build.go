package launch

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Media is what a source carries, as a probe found it.
type Media struct {
	Video bool
	Audio bool
	Codec Codec // video codec; Unknown when not probed
}

// Input is everything Build needs.
type Input struct {
	Source  Source
	Profile Profile
	Media   Media // ignored for test:// and v4l2:// (known without probing)
	// Sync plays in real time (fakesink sync=true).
	Sync bool
	// Software forces software video decoding: the fallback after a
	// hardware decoder failed.
	Software bool
	// Families replaces the hardware table (tests); nil means Families.
	Families []Family
	// VideoQC and AudioQC are the analyser fragments; "" means "videoqc"
	// and "audioqc". The pipeline package passes a placeholder while an
	// element is not registered.
	VideoQC, AudioQC string
	// RTSPLatencyMs is rtspsrc's jitter buffer; 0 means 200.
	RTSPLatencyMs int
	// AnalysisThread gives video conversion and analysis a thread of their
	// own, a queue before videoconvert (pipeline.Options.Background): a
	// conversion (10-bit to 8-bit, say) then runs with the analysis, not on
	// the thread that feeds the decoder.
	AnalysisThread bool
	// UndecodedAudio is the media type ("audio/x-ac3") of an audio stream
	// no decoder on the box takes: decodebin3 hands it on undecoded to a
	// fakesink, and the audio goes unanalysed while the video is watched.
	UndecodedAudio string
}

// Plan is a generated pipeline and how it was chosen.
type Plan struct {
	// Launch is the whole gst-launch string.
	Launch string
	// The pieces Launch is made of, which user templates can use as
	// {source} ! {decode} {video} ! videoqc ! {sink} {audio} ! audioqc ! {sink}.
	Source, Decode, Video, Audio, Sink string
	// Raise lists decoders whose rank must be raised (process-wide) before
	// the pipeline is built, so decodebin3 prefers them (auto).
	Raise []string
	// Family is the hardware family used, "" for software decoding.
	Family string
	// Decoder is the video decoder named in Launch; "" when decodebin3
	// picks one by rank.
	Decoder string
	// Hardware is true when a hardware decoder is expected to decode.
	Hardware bool
	// Warnings explain choices the user may not expect (a profile with no
	// decoder on this box, …).
	Warnings []string
}

// Analysis fragments and names the pipeline package relies on.
const (
	DecodeName = "dec" // name of the decodebin3 in generated strings
	VideoPad   = "dec.video_0"
	AudioPad   = "dec.audio_0"
)

// RankHardware is the rank auto gives hardware decoders: above every
// software decoder (avdec_* are primary, 256).
const RankHardware = 256 + 100

// Build writes the pipeline for in.
func Build(reg Registry, in Input) (Plan, error) {
	if in.Families == nil {
		in.Families = Families
	}
	if in.Profile == "" {
		in.Profile = Auto
	}
	if in.VideoQC == "" {
		in.VideoQC = "videoqc"
	}
	if in.AudioQC == "" {
		in.AudioQC = "audioqc"
	}
	if in.RTSPLatencyMs == 0 {
		in.RTSPLatencyMs = 200
	}
	var p Plan
	// async=false: a sink does not wait for a buffer before the pipeline
	// may play. With preroll, a stream that is listed but never delivers
	// (damaged audio) blocks every other branch in PAUSED forever.
	p.Sink = "fakesink sync=false async=false"
	if in.Sync {
		p.Sink = "fakesink sync=true async=false"
	}
	switch in.Source.Kind {
	case Test:
		return buildTest(in, p), nil
	case V4L2:
		in.Media = Media{Video: true, Codec: Unknown}
	}
	if !in.Media.Video && !in.Media.Audio {
		return p, fmt.Errorf("source %s: no audio or video stream found", in.Source.URI)
	}
	src, err := sourceFragment(in)
	if err != nil {
		return p, err
	}
	p.Source = src
	p.Decode = "decodebin3 name=" + DecodeName
	if in.Media.Video {
		decodeVideo(reg, in, &p)
	}
	discard := ""
	switch {
	case in.Media.Audio && in.UndecodedAudio != "" && p.Video != "":
		// decodebin3 stops at its caps: the video's (raw, or the codec
		// before a named decoder), raw audio, and this audio's own type.
		stop := "video/x-raw(ANY)"
		if p.Decoder != "" {
			stop = codecs[in.Media.Codec].caps
		}
		p.Decode = decodebinStoppingAt(stop + ";audio/x-raw(ANY);" + in.UndecodedAudio)
		discard = AudioPad + " ! " + p.Sink
	case in.Media.Audio:
		p.Audio = AudioPad + " ! " + queue(in.Sync) + "audioconvert"
	}
	parts := []string{p.Source + " ! " + p.Decode}
	if p.Video != "" {
		parts = append(parts, p.Video+" ! "+in.VideoQC+" ! "+p.Sink)
	}
	if p.Audio != "" {
		parts = append(parts, p.Audio+" ! "+in.AudioQC+" ! "+p.Sink)
	}
	if discard != "" {
		parts = append(parts, discard)
	}
	p.Launch = strings.Join(parts, " ")
	return p, nil
}

// SourceFragment is the {source} piece alone: what a probe runs in front of
// decodebin3 to learn which streams a source carries.
func SourceFragment(in Input) (string, error) {
	if in.RTSPLatencyMs == 0 {
		in.RTSPLatencyMs = 200
	}
	return sourceFragment(in)
}

func sourceFragment(in Input) (string, error) {
	s := in.Source
	switch s.Kind {
	case File:
		return "filesrc location=" + Quote(s.Path), nil
	case RTSP:
		// rtspsrc adds one pad per media (video, audio): both go into
		// decodebin3, one through its always sink pad, the other through a
		// request pad. A link left over when the camera sends one media
		// stays pending harmlessly. rtspsrc falls back from UDP to TCP by
		// itself when no UDP packet arrives (its timeout property).
		return fmt.Sprintf("rtspsrc location=%s latency=%d name=src src. ! queue ! %s.sink_%%u src. ! queue",
			Quote(s.URI), in.RTSPLatencyMs, DecodeName), nil
	case SRT:
		// typefind in front: straight into decodebin3, srtsrc's first
		// buffer meets an unlinked pad (not-linked) in GStreamer 1.22.
		return "srtsrc uri=" + Quote(s.URI) + " ! typefind", nil
	case UDP:
		return fmt.Sprintf("udpsrc uri=%s buffer-size=2097152 caps=%s", Quote(s.URI),
			Quote("video/mpegts, systemstream=(boolean)true, packetsize=(int)188")), nil
	case RTP:
		uri := "udp://" + strings.TrimPrefix(s.URI, "rtp://")
		return fmt.Sprintf("udpsrc uri=%s buffer-size=2097152 caps=%s ! rtpjitterbuffer latency=200 ! rtpmp2tdepay", Quote(uri),
			Quote("application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)MP2T")), nil
	case HTTP:
		return "souphttpsrc location=" + Quote(s.URI) + " ! typefind", nil
	case HLS:
		// hlsdemux, not hlsdemux2: the latter only works inside urisourcebin.
		return "souphttpsrc location=" + Quote(s.URI) + " ! hlsdemux", nil
	case V4L2:
		return "v4l2src device=" + Quote(s.Path), nil
	}
	return "", fmt.Errorf("source %s: kind %q has no pipeline", s.URI, s.Kind)
}

// decodeVideo fills p.Video (from the decodebin3 pad to raw video in system
// memory), p.Decode's caps when a decoder is named, and the choice fields.
func decodeVideo(reg Registry, in Input, p *Plan) {
	c := in.Media.Codec
	tail := videoQueue(in) + "videoconvert"
	explicit := func(dec, convert string) {
		ci := codecs[c]
		p.Decode = decodebinStoppingAt(ci.caps + ";audio/x-raw(ANY)")
		v := VideoPad
		if ci.parser != "" && reg.Has(ci.parser) {
			v += " ! " + ci.parser
		}
		v += " ! " + dec
		if convert != "" {
			v += " ! " + convert
		}
		p.Video = v + " ! " + tail
		p.Decoder = dec
	}
	software := func(why string) {
		if why != "" {
			p.Warnings = append(p.Warnings, why)
		}
		if c == Raw {
			p.Video = VideoPad + " ! " + tail
			return
		}
		if sw := SoftwareDecoder(reg, c); c != Unknown && sw != "" {
			explicit(sw, "")
			return
		}
		if c != Unknown {
			p.Warnings = append(p.Warnings, fmt.Sprintf("no software %s decoder known on this box; decodebin3 picks one", c))
		}
		p.Video = VideoPad + " ! " + tail
	}
	viaRank := func(f Family) {
		present := f.Present(reg)
		p.Raise = sortedUnique(present)
		p.Family = f.Name
		conv := f.convert(reg)
		if c != Unknown && present[c] == "" {
			// decodebin3 will pick a software decoder: no device memory.
			conv = ""
		} else {
			p.Hardware = c != Raw
		}
		if c == Raw {
			conv = ""
			p.Family = ""
		}
		p.Video = VideoPad
		if conv != "" {
			p.Video += " ! " + conv
		}
		p.Video += " ! " + tail
	}

	prof := in.Profile
	if in.Software {
		software("")
		return
	}
	switch prof {
	case Software:
		if c == Unknown {
			software("codec not probed: decodebin3 picks the decoder by rank, which may be a hardware one")
		} else {
			software("")
		}
	case Auto:
		if f, ok := AutoFamily(reg, in.Families); ok {
			viaRank(f)
		} else {
			// No hardware: decodebin3 picks the best software decoder.
			p.Video = VideoPad + " ! " + tail
		}
	default:
		f, ok := ProfileFamily(reg, in.Families, prof, c)
		switch {
		case ok && c == Raw:
			p.Video = VideoPad + " ! " + tail
		case ok && c == Unknown:
			p.Warnings = append(p.Warnings, fmt.Sprintf("codec not probed: decodebin3 picks the decoder, preferring %s by rank", f.Name))
			viaRank(f)
		case ok:
			explicit(f.Present(reg)[c], f.convert(reg))
			p.Family = f.Name
			p.Hardware = true
		default:
			if _, any := ProfileFamily(reg, in.Families, prof, Unknown); any {
				software(fmt.Sprintf("hwaccel %s: no %s decoder on this box; decoding in software", prof, c))
			} else {
				software(InstallHint(in.Families, prof) + "; decoding in software")
			}
		}
	}
}

func buildTest(in Input, p Plan) Plan {
	t := in.Source.Test
	// Always live: paced by the clock, the two test sources stay together.
	// Free-running they race apart (audio minutes ahead of video), which
	// is a timestamp skew to the A/V sync detector.
	live := "true"
	var parts []string
	if t.Video {
		nb := ""
		if t.DurationS > 0 {
			nb = fmt.Sprintf(" num-buffers=%d", int(math.Ceil(t.DurationS*float64(t.FPS))))
		}
		// Scrolling: a still picture is a freeze.
		p.Video = fmt.Sprintf("videotestsrc is-live=%s pattern=%s horizontal-speed=2%s ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! %svideoconvert",
			live, t.Pattern, nb, t.Width, t.Height, t.FPS, videoQueue(in))
		parts = append(parts, p.Video+" ! "+in.VideoQC+" ! "+p.Sink)
	}
	if t.Audio {
		nb := ""
		if t.DurationS > 0 {
			nb = fmt.Sprintf(" num-buffers=%d", int(math.Ceil(t.DurationS*48000/1024)))
		}
		// 1 kHz at 0.1 (-20 dBFS peak) sits near -21 LUFS: inside the
		// default loudness window, so a test stream is clean.
		p.Audio = fmt.Sprintf("audiotestsrc is-live=%s wave=sine freq=1000 volume=0.1 samplesperbuffer=1024%s ! audio/x-raw,rate=48000,channels=2 ! %saudioconvert", live, nb, queue(in.Sync))
		parts = append(parts, p.Audio+" ! "+in.AudioQC+" ! "+p.Sink)
	}
	p.Launch = strings.Join(parts, " ")
	return p
}

// queue is the fragment before a branch's converter. Live (sync=true): a
// queue, so the analyser runs in its own thread, the decoder never waits for
// it, and the sink has the buffering its processing deadline asks for. As
// fast as possible (sync=false, avwatch check): none; a thread hop per
// buffer costs more CPU than it saves, decoders thread internally anyway.
func queue(sync bool) string {
	if sync {
		return "queue ! "
	}
	return ""
}

// decodebinStoppingAt is {decode} with decodebin3's caps: it hands on
// streams of these types as they are instead of decoding them.
func decodebinStoppingAt(caps string) string {
	return fmt.Sprintf("decodebin3 name=%s caps=%s", DecodeName, Quote(caps))
}

// videoQueue is the queue in front of videoconvert: AnalysisThread's, a
// thread hop that pays here because that thread may drop to idle priority
// (four frames ride out the decoder's bursts, little memory: 48 MB at
// 2160p), or queue's.
func videoQueue(in Input) string {
	if in.AnalysisThread {
		return "queue max-size-buffers=4 max-size-bytes=0 max-size-time=0 ! "
	}
	return queue(in.Sync)
}

func sortedUnique(m map[Codec]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range m {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// Placeholders are the template names a user pipeline may contain.
var Placeholders = []string{"{source}", "{decode}", "{video}", "{audio}", "{sink}"}

// IsTemplate reports whether a user pipeline uses placeholders.
func IsTemplate(s string) bool {
	for _, ph := range Placeholders {
		if strings.Contains(s, ph) {
			return true
		}
	}
	return false
}

// Expand fills the placeholders of a user template from p. Other braces
// (caps lists like format={I420,NV12}) are left alone.
func Expand(tpl string, p Plan) (string, error) {
	vals := map[string]string{"{source}": p.Source, "{decode}": p.Decode, "{video}": p.Video, "{audio}": p.Audio, "{sink}": p.Sink}
	out := tpl
	for _, ph := range Placeholders {
		if !strings.Contains(out, ph) {
			continue
		}
		v := vals[ph]
		if v == "" {
			switch ph {
			case "{video}":
				return "", fmt.Errorf("pipeline uses {video} but the source has no video stream: remove that branch")
			case "{audio}":
				return "", fmt.Errorf("pipeline uses {audio} but the source has no audio stream: remove that branch")
			default:
				return "", fmt.Errorf("pipeline uses %s, which this source does not have (test:// has only {video}, {audio} and {sink})", ph)
			}
		}
		out = strings.ReplaceAll(out, ph, v)
	}
	return out, nil
}
