package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/avwatch/avwatch/pipeline/event"
	"github.com/avwatch/avwatch/pipeline/launch"
)

// Description is what `avwatch pipeline` prints: the string a stream would
// run and how it was chosen.
type Description struct {
	Launch string
	Plan   launch.Plan
	Media  launch.Media
	// Probed is false when the source could not be probed (ProbeError) and
	// audio + video were assumed.
	Probed     bool
	ProbeError error
}

// Describe builds the pipeline a spec would run now, probing its source
// (within timeout) to know its streams, as Start does.
func Describe(ctx context.Context, spec event.Spec, timeout time.Duration) (Description, error) {
	if err := Init(); err != nil {
		return Description{}, err
	}
	prof, err := launch.ParseProfile(spec.HWAccel)
	if err != nil {
		return Description{}, err
	}
	if spec.Source == "" {
		return Description{Launch: spec.Pipeline}, nil
	}
	src, err := launch.ParseSource(spec.Source)
	if err != nil {
		return Description{}, err
	}
	if src.Kind == launch.File {
		if err := checkFile(src.Path); err != nil {
			return Description{}, err
		}
	}
	d := Description{Probed: true}
	switch src.Kind {
	case launch.Test, launch.V4L2:
	default:
		d.Media, d.ProbeError = probeMedia(ctx, src, timeout, 50*time.Millisecond, nil)
		if d.ProbeError != nil {
			d.Probed = false
			d.Media = launch.Media{Video: true, Audio: true}
		}
	}
	vqc, aqc := analysers()
	d.Plan, err = launch.Build(Registry{}, launch.Input{Source: src, Profile: prof, Media: d.Media, Sync: spec.Sync, VideoQC: vqc, AudioQC: aqc})
	if err != nil {
		return d, err
	}
	d.Launch = d.Plan.Launch
	if spec.Pipeline != "" {
		if d.Launch, err = launch.Expand(spec.Pipeline, d.Plan); err != nil {
			return d, err
		}
	}
	return d, nil
}

// FamilyStatus is one hardware family on this box.
type FamilyStatus struct {
	Family  launch.Family
	Present map[launch.Codec]string // decoders found, per codec
	Convert []string                // conversion elements found
	Missing []string                // decoders and conversions not found
	Usable  bool
}

// CodecChoice is what auto picks for one codec.
type CodecChoice struct {
	Codec    launch.Codec
	Decoder  string // the decoder decodebin3 picks, after auto's rank raise
	Hardware bool
	Convert  string // conversion to system memory in the generated string
}

// Report is `avwatch doctor`'s view of this box.
type Report struct {
	Version    string
	Elements   map[string]bool // avwatch's own and the sources' elements
	Families   []FamilyStatus
	AutoFamily string // "" when auto decodes in software
	Auto       []CodecChoice
	// AAC is the decoder decodebin3 picks for AAC audio ("" none).
	AAC string
}

// Doctor inspects the GStreamer registry. It applies auto's rank raise, as
// the agent does, so it reports what decodebin3 will really pick.
func Doctor() (Report, error) {
	if err := Init(); err != nil {
		return Report{}, err
	}
	reg := Registry{}
	r := Report{Version: Version(), Elements: map[string]bool{}}
	for _, e := range []string{"videoqc", "audioqc", "decodebin3", "filesrc", "rtspsrc", "srtsrc", "udpsrc", "rtpmp2tdepay", "souphttpsrc", "hlsdemux", "v4l2src", "videotestsrc"} {
		r.Elements[e] = reg.Has(e)
	}
	hw := map[string]bool{}
	for _, f := range launch.Families {
		st := FamilyStatus{Family: f, Present: f.Present(reg)}
		seen := map[string]bool{}
		codecs := make([]string, 0, len(f.Decoders))
		for c := range f.Decoders {
			codecs = append(codecs, string(c))
		}
		sort.Strings(codecs)
		for _, c := range codecs {
			d := f.Decoders[launch.Codec(c)]
			if !seen[d] && !reg.Has(d) {
				st.Missing = append(st.Missing, d)
			}
			seen[d] = true
		}
		for _, n := range f.ConvertNeeds {
			if reg.Has(n) {
				st.Convert = append(st.Convert, n)
			} else {
				st.Missing = append(st.Missing, n)
			}
		}
		st.Usable = len(st.Present) > 0
		for _, d := range st.Present {
			hw[d] = true
		}
		r.Families = append(r.Families, st)
	}
	fam, ok := launch.AutoFamily(reg, launch.Families)
	if ok {
		r.AutoFamily = fam.Name
		raiseAuto(launch.Auto, launch.Families)
	}
	for _, c := range launch.Codecs {
		ch := CodecChoice{Codec: c, Decoder: BestDecoder(typicalCaps[c])}
		ch.Hardware = hw[ch.Decoder] || strings.Contains(Klass(ch.Decoder), "Hardware")
		p, err := launch.Build(reg, launch.Input{Source: launch.Source{Kind: launch.File, Path: "x", URI: "file://x"},
			Media: launch.Media{Video: true, Codec: c}})
		if err == nil {
			ch.Convert = conversionOf(p.Video)
		}
		r.Auto = append(r.Auto, ch)
	}
	r.AAC = BestAudioDecoder("audio/mpeg, mpegversion=(int)4, stream-format=(string)raw, framed=(boolean)true, rate=(int)48000, channels=(int)2")
	return r, nil
}

// typicalCaps are what a parser says about a common stream of each codec:
// bare "video/x-vp9" would also match the alpha-channel decoder bin, bare
// "video/x-h264" openh264dec, which takes only baseline.
var typicalCaps = map[launch.Codec]string{
	launch.H264: "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au, profile=(string)high",
	launch.H265: "video/x-h265, stream-format=(string)byte-stream, alignment=(string)au, profile=(string)main",
	launch.AV1:  "video/x-av1, stream-format=(string)obu-stream, alignment=(string)tu",
	launch.VP9:  "video/x-vp9, codec-alpha=(boolean)false, profile=(string)0",
}

// conversionOf extracts the conversion from a {video} piece
// ("dec.video_0 ! cudadownload ! queue ! videoconvert" -> "cudadownload").
func conversionOf(video string) string {
	parts := strings.Split(video, " ! ")
	var out []string
	for _, p := range parts[1:] {
		if p == "queue" || p == "videoconvert" {
			break
		}
		out = append(out, p)
	}
	return strings.Join(out, " ! ")
}

// RankEnv is the environment variable that reproduces auto's rank raise for
// gst-launch-1.0 ("GST_PLUGIN_FEATURE_RANK=nvh264dec:MAX,…"), "" if none.
func RankEnv(raise []string) string {
	if len(raise) == 0 {
		return ""
	}
	parts := make([]string, len(raise))
	for i, r := range raise {
		parts[i] = fmt.Sprintf("%s:%d", r, launch.RankHardware)
	}
	return "GST_PLUGIN_FEATURE_RANK=" + strings.Join(parts, ",")
}
