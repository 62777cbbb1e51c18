package launch

import (
	"fmt"
	"strings"
)

// Registry answers whether an element factory exists on this box. The
// pipeline package passes the real GStreamer registry; tests pass a Set.
type Registry interface {
	Has(factory string) bool
}

// Set is a Registry holding exactly the named factories.
type Set map[string]bool

// Has implements Registry.
func (s Set) Has(f string) bool { return s[f] }

// NewSet returns a Set of the names.
func NewSet(names ...string) Set {
	s := Set{}
	for _, n := range names {
		s[n] = true
	}
	return s
}

// Codec is a compressed video format.
type Codec string

const (
	H264    Codec = "h264"
	H265    Codec = "h265"
	AV1     Codec = "av1"
	VP9     Codec = "vp9"
	VP8     Codec = "vp8"
	MPEG2   Codec = "mpeg2"
	MPEG4   Codec = "mpeg4"
	MJPEG   Codec = "mjpeg"
	Raw     Codec = "raw"
	Unknown Codec = ""
)

// Codecs are the codecs `avwatch doctor` reports on.
var Codecs = []Codec{H264, H265, AV1, VP9}

type codecInfo struct {
	caps     string   // caps that stop decodebin3 before decoding (explicit decoders)
	parser   string   // parser put in front of an explicit decoder ("" none)
	software []string // software decoders, best first
	install  string   // the Debian/Ubuntu packages with those decoders
}

var codecs = map[Codec]codecInfo{
	H264:  {"video/x-h264", "h264parse", []string{"avdec_h264", "openh264dec"}, "gstreamer1.0-libav (avdec_h264)"},
	H265:  {"video/x-h265", "h265parse", []string{"avdec_h265", "libde265dec"}, "gstreamer1.0-libav (avdec_h265)"},
	AV1:   {"video/x-av1", "av1parse", []string{"dav1ddec", "av1dec", "avdec_av1"}, "gstreamer1.0-plugins-bad (av1dec, and dav1ddec where it is built)"},
	VP9:   {"video/x-vp9", "vp9parse", []string{"vp9dec", "avdec_vp9"}, "gstreamer1.0-plugins-good (vp9dec) or gstreamer1.0-libav (avdec_vp9)"},
	VP8:   {"video/x-vp8", "", []string{"vp8dec", "avdec_vp8"}, "gstreamer1.0-plugins-good (vp8dec) or gstreamer1.0-libav (avdec_vp8)"},
	MPEG2: {"video/mpeg, mpegversion=(int)2", "mpegvideoparse", []string{"avdec_mpeg2video", "mpeg2dec"}, "gstreamer1.0-libav (avdec_mpeg2video) or gstreamer1.0-plugins-ugly (mpeg2dec)"},
	MPEG4: {"video/mpeg, mpegversion=(int)4", "mpeg4videoparse", []string{"avdec_mpeg4"}, "gstreamer1.0-libav (avdec_mpeg4)"},
	MJPEG: {"image/jpeg", "jpegparse", []string{"jpegdec", "avdec_mjpeg"}, "gstreamer1.0-plugins-good (jpegdec)"},
}

// CodecFromCaps maps a caps string (e.g. from a stream collection) to a Codec.
func CodecFromCaps(caps string) Codec {
	name, rest, _ := strings.Cut(caps, ",")
	name = strings.TrimSpace(name)
	if i := strings.IndexByte(name, '('); i >= 0 { // video/x-raw(memory:…)
		name = name[:i]
	}
	if name == "application/x-rtp" { // RTSP before depayloading: the SDP's encoding name
		switch strings.ToUpper(capsField(rest, "encoding-name")) {
		case "H264":
			return H264
		case "H265":
			return H265
		case "AV1":
			return AV1
		case "VP9":
			return VP9
		case "VP8":
			return VP8
		case "MP4V-ES":
			return MPEG4
		case "MPV":
			return MPEG2
		case "JPEG":
			return MJPEG
		}
		return Unknown
	}
	switch name {
	case "video/x-h264":
		return H264
	case "video/x-h265":
		return H265
	case "video/x-av1":
		return AV1
	case "video/x-vp9":
		return VP9
	case "video/x-vp8":
		return VP8
	case "image/jpeg":
		return MJPEG
	case "video/x-raw":
		return Raw
	case "video/mpeg":
		if strings.Contains(rest, "mpegversion=(int)4") || strings.Contains(rest, "mpegversion=4") {
			return MPEG4
		}
		return MPEG2
	}
	return Unknown
}

// capsField returns a field's value from the rest of a caps string
// ("a=(string)x, b=y"), without type and quotes.
func capsField(rest, field string) string {
	for _, f := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok || k != field {
			continue
		}
		if i := strings.IndexByte(v, ')'); strings.HasPrefix(v, "(") && i > 0 {
			v = v[i+1:]
		}
		return strings.Trim(v, `"`)
	}
	return ""
}

// RTPMedia returns the media field of RTP caps ("video", "audio"), "" for
// other caps.
func RTPMedia(caps string) string {
	name, rest, _ := strings.Cut(caps, ",")
	if strings.TrimSpace(name) != "application/x-rtp" {
		return ""
	}
	return capsField(rest, "media")
}

// CodecCaps returns the caps of a compressed codec ("video/x-h264").
func CodecCaps(c Codec) string { return codecs[c].caps }

// DecoderPackages names the packages that bring software decoders for c
// ("" for raw video and unknown codecs).
func DecoderPackages(c Codec) string { return codecs[c].install }

// audioPackages are the packages with decoders for common audio media types.
var audioPackages = map[string]string{
	"audio/x-ac3":    "gstreamer1.0-libav (avdec_ac3) or gstreamer1.0-plugins-ugly (a52dec)",
	"audio/x-eac3":   "gstreamer1.0-libav (avdec_eac3)",
	"audio/x-opus":   "gstreamer1.0-plugins-base (opusdec)",
	"audio/x-flac":   "gstreamer1.0-plugins-good (flacdec)",
	"audio/x-vorbis": "gstreamer1.0-plugins-base (vorbisdec)",
}

// DecoderPackagesFor names packages with a decoder for a stream's caps:
// the codec's where it is a video codec avwatch knows, gstreamer1.0-libav,
// which decodes most, otherwise.
func DecoderPackagesFor(caps string) string {
	if p := DecoderPackages(CodecFromCaps(caps)); p != "" {
		return p
	}
	name, rest, _ := strings.Cut(caps, ",")
	name = strings.TrimSpace(name)
	if p := audioPackages[name]; p != "" {
		return p
	}
	if name == "audio/mpeg" {
		if capsField(rest, "mpegversion") == "1" {
			return "gstreamer1.0-plugins-good (mpg123audiodec) or gstreamer1.0-libav (avdec_mp2float, avdec_mp3)"
		}
		return "gstreamer1.0-libav (avdec_aac) or gstreamer1.0-plugins-bad (faad)"
	}
	return "gstreamer1.0-libav"
}

// SoftwareDecoder returns the best software decoder for c present in reg.
func SoftwareDecoder(reg Registry, c Codec) string {
	for _, d := range codecs[c].software {
		if reg.Has(d) {
			return d
		}
	}
	return ""
}

// Profile is a hwaccel setting.
type Profile string

const (
	Auto     Profile = "auto"
	NVIDIA   Profile = "nvidia"
	Jetson   Profile = "jetson"
	VAAPI    Profile = "vaapi"
	V4L2Dec  Profile = "v4l2"
	Rockchip Profile = "rockchip"
	Software Profile = "software"
)

// Profiles lists every profile name, in documentation order.
var Profiles = []Profile{Auto, NVIDIA, Jetson, VAAPI, V4L2Dec, Rockchip, Software}

// ParseProfile checks a hwaccel value ("" means auto).
func ParseProfile(s string) (Profile, error) {
	if s == "" {
		return Auto, nil
	}
	for _, p := range Profiles {
		if string(p) == strings.ToLower(s) {
			return p, nil
		}
	}
	var names []string
	for _, p := range Profiles {
		names = append(names, string(p))
	}
	return "", fmt.Errorf("unknown hwaccel %q: use one of %s", s, strings.Join(names, ", "))
}

// Family is one way of decoding in hardware: the decoders per codec, and the
// conversion that brings their output into system memory where a CPU
// element (videoqc) can map it.
type Family struct {
	Profile  Profile
	Name     string // variant, e.g. "va" or "vaapi (legacy)"
	Decoders map[Codec]string
	// Convert goes right after the decoder: the elements that move frames
	// from device memory (memory:CUDAMemory, memory:NVMM, memory:VAMemory)
	// to system memory. It accepts system memory too, so it is harmless
	// when decodebin3 ends up picking a software decoder.
	Convert string
	// ConvertNeeds are the factories Convert uses. When one is missing the
	// family is unusable, unless ConvertOptional (the decoder can output
	// system memory itself).
	ConvertNeeds    []string
	ConvertOptional bool
	// Install tells the user what provides this family.
	Install string
}

// Families is the table of hardware families, in the order auto prefers
// them.
var Families = []Family{
	{
		Profile: Jetson, Name: "jetson",
		Decoders: map[Codec]string{H264: "nvv4l2decoder", H265: "nvv4l2decoder", AV1: "nvv4l2decoder", VP9: "nvv4l2decoder", VP8: "nvv4l2decoder", MPEG2: "nvv4l2decoder", MPEG4: "nvv4l2decoder"},
		Convert:  "nvvidconv ! video/x-raw", ConvertNeeds: []string{"nvvidconv"},
		Install: "NVIDIA JetPack (nvidia-l4t-gstreamer)",
	},
	{
		Profile: NVIDIA, Name: "nvcodec",
		Decoders: map[Codec]string{H264: "nvh264dec", H265: "nvh265dec", AV1: "nvav1dec", VP9: "nvvp9dec", VP8: "nvvp8dec", MPEG2: "nvmpeg2videodec", MPEG4: "nvmpeg4videodec"},
		Convert:  "cudadownload", ConvertNeeds: []string{"cudadownload"}, ConvertOptional: true,
		Install: "gstreamer1.0-plugins-bad (nvcodec) and the NVIDIA driver (libnvcuvid)",
	},
	{
		Profile: VAAPI, Name: "va",
		Decoders: map[Codec]string{H264: "vah264dec", H265: "vah265dec", AV1: "vaav1dec", VP9: "vavp9dec", VP8: "vavp8dec", MPEG2: "vampeg2dec"},
		Convert:  "vapostproc ! video/x-raw", ConvertNeeds: []string{"vapostproc"},
		Install: "gstreamer1.0-plugins-bad (va) and a VA-API driver (intel-media-va-driver or mesa-va-drivers)",
	},
	{
		Profile: VAAPI, Name: "vaapi (legacy)",
		Decoders: map[Codec]string{H264: "vaapih264dec", H265: "vaapih265dec", AV1: "vaapiav1dec", VP9: "vaapivp9dec", VP8: "vaapivp8dec", MPEG2: "vaapimpeg2dec"},
		Convert:  "vaapipostproc ! video/x-raw", ConvertNeeds: []string{"vaapipostproc"},
		Install: "gstreamer1.0-vaapi and a VA-API driver",
	},
	{
		Profile: Rockchip, Name: "rockchip mpp",
		Decoders: map[Codec]string{H264: "mppvideodec", H265: "mppvideodec", AV1: "mppvideodec", VP9: "mppvideodec", VP8: "mppvideodec", MPEG2: "mppvideodec", MPEG4: "mppvideodec"},
		Install:  "gstreamer-rockchip (mppvideodec) and librockchip-mpp",
	},
	{
		Profile: V4L2Dec, Name: "v4l2 stateful",
		Decoders: map[Codec]string{H264: "v4l2h264dec", H265: "v4l2h265dec", VP9: "v4l2vp9dec", VP8: "v4l2vp8dec", MPEG2: "v4l2mpeg2dec", MPEG4: "v4l2mpeg4dec"},
		Install:  "gstreamer1.0-plugins-good (video4linux2) and a V4L2 decoder device (/dev/video*)",
	},
	{
		Profile: V4L2Dec, Name: "v4l2 stateless",
		Decoders: map[Codec]string{H264: "v4l2slh264dec", H265: "v4l2slh265dec", AV1: "v4l2slav1dec", VP9: "v4l2slvp9dec", VP8: "v4l2slvp8dec", MPEG2: "v4l2slmpeg2dec"},
		Install:  "gstreamer1.0-plugins-bad (v4l2codecs) and a stateless V4L2 decoder (/dev/media*)",
	},
}

// usable reports whether f's conversion exists in reg.
func (f Family) usable(reg Registry) bool {
	if f.ConvertOptional {
		return true
	}
	for _, n := range f.ConvertNeeds {
		if !reg.Has(n) {
			return false
		}
	}
	return true
}

// convert returns the conversion fragment usable with reg.
func (f Family) convert(reg Registry) string {
	for _, n := range f.ConvertNeeds {
		if !reg.Has(n) {
			return ""
		}
	}
	return f.Convert
}

// Present returns the decoders of f that exist in reg, per codec.
func (f Family) Present(reg Registry) map[Codec]string {
	out := map[Codec]string{}
	if !f.usable(reg) {
		return out
	}
	for c, d := range f.Decoders {
		if reg.Has(d) {
			out[c] = d
		}
	}
	return out
}

// AutoFamily returns the hardware family auto uses on this box: the first of
// fams that has at least one decoder present. ok is false on a box without
// hardware decoding.
func AutoFamily(reg Registry, fams []Family) (Family, bool) {
	for _, f := range fams {
		if len(f.Present(reg)) > 0 {
			return f, true
		}
	}
	return Family{}, false
}

// ProfileFamily returns the family of an explicit profile that decodes c
// (Unknown: any codec) on this box.
func ProfileFamily(reg Registry, fams []Family, p Profile, c Codec) (Family, bool) {
	for _, f := range fams {
		if f.Profile != p {
			continue
		}
		pr := f.Present(reg)
		if c == Unknown && len(pr) > 0 || pr[c] != "" {
			return f, true
		}
	}
	return Family{}, false
}

// HardwareElements lists every factory of fams (decoders and conversions):
// an error posted by one of them is a hardware failure that makes a stream
// fall back to software.
func HardwareElements(fams []Family) map[string]bool {
	out := map[string]bool{}
	for _, f := range fams {
		for _, d := range f.Decoders {
			out[d] = true
		}
		for _, n := range f.ConvertNeeds {
			out[n] = true
		}
	}
	return out
}

// InstallHint returns the hint for an explicit profile with nothing present.
func InstallHint(fams []Family, p Profile) string {
	var hints, names []string
	for _, f := range fams {
		if f.Profile == p {
			hints = append(hints, f.Install)
			for _, c := range []Codec{H264, H265} {
				if d := f.Decoders[c]; d != "" && !contains(names, d) {
					names = append(names, d)
				}
			}
		}
	}
	return fmt.Sprintf("hwaccel %s: no %s decoder on this box (looked for %s): install %s, or use hwaccel auto or software",
		p, p, strings.Join(names, ", "), strings.Join(hints, "; or "))
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
