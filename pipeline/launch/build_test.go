package launch

import (
	"reflect"
	"strings"
	"testing"
)

// Software decoders and parsers as on a stock Debian 12 box.
var swBox = []string{"avdec_h264", "avdec_h265", "av1dec", "vp9dec", "h264parse", "h265parse", "av1parse", "vp9parse", "videoconvert"}

// Registry contents of the boxes each profile is made for.
var boxes = map[string][]string{
	"none":     nil,
	"nvidia":   {"nvh264dec", "nvh265dec", "nvav1dec", "nvvp9dec", "cudadownload"},
	"jetson":   {"nvv4l2decoder", "nvvidconv"},
	"va":       {"vah264dec", "vah265dec", "vaav1dec", "vavp9dec", "vapostproc"},
	"vaapi":    {"vaapih264dec", "vaapih265dec", "vaapivp9dec", "vaapipostproc"}, // legacy plugin, no AV1
	"rpi":      {"v4l2h264dec", "v4l2h265dec"},
	"rockchip": {"mppvideodec"},
}

func box(name string) Set { return NewSet(append(append([]string{}, swBox...), boxes[name]...)...) }

const (
	fileSrc   = `filesrc location="/clips/a.ts" ! `
	analysis  = ` ! videoqc ! fakesink sync=false async=false dec.audio_0 ! audioconvert ! audioqc ! fakesink sync=false async=false`
	plainDec  = `decodebin3 name=dec`
	h264Caps  = `decodebin3 name=dec caps="video/x-h264;audio/x-raw(ANY)"`
	h265Caps  = `decodebin3 name=dec caps="video/x-h265;audio/x-raw(ANY)"`
	av1Caps   = `decodebin3 name=dec caps="video/x-av1;audio/x-raw(ANY)"`
	vp9Caps   = `decodebin3 name=dec caps="video/x-vp9;audio/x-raw(ANY)"`
	swH264    = h264Caps + ` dec.video_0 ! h264parse ! avdec_h264 ! videoconvert`
	swH265    = h265Caps + ` dec.video_0 ! h265parse ! avdec_h265 ! videoconvert`
	swAV1     = av1Caps + ` dec.video_0 ! av1parse ! av1dec ! videoconvert`
	swVP9     = vp9Caps + ` dec.video_0 ! vp9parse ! vp9dec ! videoconvert`
	noVaapiAV = "hwaccel vaapi: no av1 decoder on this box; decoding in software"
)

type want struct {
	mid      string // Launch between the file source and the analysis branches
	raise    []string
	family   string
	decoder  string
	hardware bool
	warning  string // substring of the only warning, "" none
}

// TestProfileCodecMatrix asserts the exact string for every profile × codec
// on the box the profile is made for, for auto on every box, and for
// software where hardware exists.
func TestProfileCodecMatrix(t *testing.T) {
	nvRaise := []string{"nvav1dec", "nvh264dec", "nvh265dec", "nvvp9dec"}
	vaRaise := []string{"vaav1dec", "vah264dec", "vah265dec", "vavp9dec"}
	legacyRaise := []string{"vaapih264dec", "vaapih265dec", "vaapivp9dec"}
	cases := []struct {
		box     string
		profile Profile
		codec   Codec
		want    want
	}{
		// auto: decodebin3 picks by rank; the string names only the conversion.
		{"none", Auto, H264, want{mid: plainDec + ` dec.video_0 ! videoconvert`}},
		{"none", Auto, H265, want{mid: plainDec + ` dec.video_0 ! videoconvert`}},
		{"none", Auto, AV1, want{mid: plainDec + ` dec.video_0 ! videoconvert`}},
		{"none", Auto, VP9, want{mid: plainDec + ` dec.video_0 ! videoconvert`}},
		{"nvidia", Auto, H264, want{plainDec + ` dec.video_0 ! cudadownload ! videoconvert`, nvRaise, "nvcodec", "", true, ""}},
		{"nvidia", Auto, H265, want{plainDec + ` dec.video_0 ! cudadownload ! videoconvert`, nvRaise, "nvcodec", "", true, ""}},
		{"nvidia", Auto, AV1, want{plainDec + ` dec.video_0 ! cudadownload ! videoconvert`, nvRaise, "nvcodec", "", true, ""}},
		{"nvidia", Auto, VP9, want{plainDec + ` dec.video_0 ! cudadownload ! videoconvert`, nvRaise, "nvcodec", "", true, ""}},
		{"jetson", Auto, H264, want{plainDec + ` dec.video_0 ! nvvidconv ! video/x-raw ! videoconvert`, []string{"nvv4l2decoder"}, "jetson", "", true, ""}},
		{"jetson", Auto, H265, want{plainDec + ` dec.video_0 ! nvvidconv ! video/x-raw ! videoconvert`, []string{"nvv4l2decoder"}, "jetson", "", true, ""}},
		{"jetson", Auto, AV1, want{plainDec + ` dec.video_0 ! nvvidconv ! video/x-raw ! videoconvert`, []string{"nvv4l2decoder"}, "jetson", "", true, ""}},
		{"jetson", Auto, VP9, want{plainDec + ` dec.video_0 ! nvvidconv ! video/x-raw ! videoconvert`, []string{"nvv4l2decoder"}, "jetson", "", true, ""}},
		{"va", Auto, H264, want{plainDec + ` dec.video_0 ! vapostproc ! video/x-raw ! videoconvert`, vaRaise, "va", "", true, ""}},
		{"va", Auto, H265, want{plainDec + ` dec.video_0 ! vapostproc ! video/x-raw ! videoconvert`, vaRaise, "va", "", true, ""}},
		{"va", Auto, AV1, want{plainDec + ` dec.video_0 ! vapostproc ! video/x-raw ! videoconvert`, vaRaise, "va", "", true, ""}},
		{"va", Auto, VP9, want{plainDec + ` dec.video_0 ! vapostproc ! video/x-raw ! videoconvert`, vaRaise, "va", "", true, ""}},
		{"vaapi", Auto, H264, want{plainDec + ` dec.video_0 ! vaapipostproc ! video/x-raw ! videoconvert`, legacyRaise, "vaapi (legacy)", "", true, ""}},
		// No hardware AV1 here: decodebin3 decodes it in software, no conversion.
		{"vaapi", Auto, AV1, want{plainDec + ` dec.video_0 ! videoconvert`, legacyRaise, "vaapi (legacy)", "", false, ""}},
		{"rpi", Auto, H264, want{plainDec + ` dec.video_0 ! videoconvert`, []string{"v4l2h264dec", "v4l2h265dec"}, "v4l2 stateful", "", true, ""}},
		{"rpi", Auto, VP9, want{plainDec + ` dec.video_0 ! videoconvert`, []string{"v4l2h264dec", "v4l2h265dec"}, "v4l2 stateful", "", false, ""}},
		{"rockchip", Auto, H265, want{plainDec + ` dec.video_0 ! videoconvert`, []string{"mppvideodec"}, "rockchip mpp", "", true, ""}},

		// nvidia
		{"nvidia", NVIDIA, H264, want{h264Caps + ` dec.video_0 ! h264parse ! nvh264dec ! cudadownload ! videoconvert`, nil, "nvcodec", "nvh264dec", true, ""}},
		{"nvidia", NVIDIA, H265, want{h265Caps + ` dec.video_0 ! h265parse ! nvh265dec ! cudadownload ! videoconvert`, nil, "nvcodec", "nvh265dec", true, ""}},
		{"nvidia", NVIDIA, AV1, want{av1Caps + ` dec.video_0 ! av1parse ! nvav1dec ! cudadownload ! videoconvert`, nil, "nvcodec", "nvav1dec", true, ""}},
		{"nvidia", NVIDIA, VP9, want{vp9Caps + ` dec.video_0 ! vp9parse ! nvvp9dec ! cudadownload ! videoconvert`, nil, "nvcodec", "nvvp9dec", true, ""}},
		// jetson
		{"jetson", Jetson, H264, want{h264Caps + ` dec.video_0 ! h264parse ! nvv4l2decoder ! nvvidconv ! video/x-raw ! videoconvert`, nil, "jetson", "nvv4l2decoder", true, ""}},
		{"jetson", Jetson, H265, want{h265Caps + ` dec.video_0 ! h265parse ! nvv4l2decoder ! nvvidconv ! video/x-raw ! videoconvert`, nil, "jetson", "nvv4l2decoder", true, ""}},
		{"jetson", Jetson, AV1, want{av1Caps + ` dec.video_0 ! av1parse ! nvv4l2decoder ! nvvidconv ! video/x-raw ! videoconvert`, nil, "jetson", "nvv4l2decoder", true, ""}},
		{"jetson", Jetson, VP9, want{vp9Caps + ` dec.video_0 ! vp9parse ! nvv4l2decoder ! nvvidconv ! video/x-raw ! videoconvert`, nil, "jetson", "nvv4l2decoder", true, ""}},
		// vaapi: the va plugin, and the legacy gstreamer-vaapi where only that exists
		{"va", VAAPI, H264, want{h264Caps + ` dec.video_0 ! h264parse ! vah264dec ! vapostproc ! video/x-raw ! videoconvert`, nil, "va", "vah264dec", true, ""}},
		{"va", VAAPI, H265, want{h265Caps + ` dec.video_0 ! h265parse ! vah265dec ! vapostproc ! video/x-raw ! videoconvert`, nil, "va", "vah265dec", true, ""}},
		{"va", VAAPI, AV1, want{av1Caps + ` dec.video_0 ! av1parse ! vaav1dec ! vapostproc ! video/x-raw ! videoconvert`, nil, "va", "vaav1dec", true, ""}},
		{"va", VAAPI, VP9, want{vp9Caps + ` dec.video_0 ! vp9parse ! vavp9dec ! vapostproc ! video/x-raw ! videoconvert`, nil, "va", "vavp9dec", true, ""}},
		{"vaapi", VAAPI, H264, want{h264Caps + ` dec.video_0 ! h264parse ! vaapih264dec ! vaapipostproc ! video/x-raw ! videoconvert`, nil, "vaapi (legacy)", "vaapih264dec", true, ""}},
		{"vaapi", VAAPI, H265, want{h265Caps + ` dec.video_0 ! h265parse ! vaapih265dec ! vaapipostproc ! video/x-raw ! videoconvert`, nil, "vaapi (legacy)", "vaapih265dec", true, ""}},
		{"vaapi", VAAPI, AV1, want{swAV1, nil, "", "av1dec", false, noVaapiAV}},
		{"vaapi", VAAPI, VP9, want{vp9Caps + ` dec.video_0 ! vp9parse ! vaapivp9dec ! vaapipostproc ! video/x-raw ! videoconvert`, nil, "vaapi (legacy)", "vaapivp9dec", true, ""}},
		// v4l2 (Raspberry Pi: stateful H.264/H.265 only)
		{"rpi", V4L2Dec, H264, want{h264Caps + ` dec.video_0 ! h264parse ! v4l2h264dec ! videoconvert`, nil, "v4l2 stateful", "v4l2h264dec", true, ""}},
		{"rpi", V4L2Dec, H265, want{h265Caps + ` dec.video_0 ! h265parse ! v4l2h265dec ! videoconvert`, nil, "v4l2 stateful", "v4l2h265dec", true, ""}},
		{"rpi", V4L2Dec, AV1, want{swAV1, nil, "", "av1dec", false, "hwaccel v4l2: no av1 decoder on this box; decoding in software"}},
		{"rpi", V4L2Dec, VP9, want{swVP9, nil, "", "vp9dec", false, "hwaccel v4l2: no vp9 decoder on this box; decoding in software"}},
		// rockchip
		{"rockchip", Rockchip, H264, want{h264Caps + ` dec.video_0 ! h264parse ! mppvideodec ! videoconvert`, nil, "rockchip mpp", "mppvideodec", true, ""}},
		{"rockchip", Rockchip, H265, want{h265Caps + ` dec.video_0 ! h265parse ! mppvideodec ! videoconvert`, nil, "rockchip mpp", "mppvideodec", true, ""}},
		{"rockchip", Rockchip, AV1, want{av1Caps + ` dec.video_0 ! av1parse ! mppvideodec ! videoconvert`, nil, "rockchip mpp", "mppvideodec", true, ""}},
		{"rockchip", Rockchip, VP9, want{vp9Caps + ` dec.video_0 ! vp9parse ! mppvideodec ! videoconvert`, nil, "rockchip mpp", "mppvideodec", true, ""}},
		// software names the decoder, so a box-wide rank raise cannot hand it hardware
		{"nvidia", Software, H264, want{mid: swH264, decoder: "avdec_h264"}},
		{"nvidia", Software, H265, want{mid: swH265, decoder: "avdec_h265"}},
		{"nvidia", Software, AV1, want{mid: swAV1, decoder: "av1dec"}},
		{"nvidia", Software, VP9, want{mid: swVP9, decoder: "vp9dec"}},
		// an explicit profile on a box without it decodes in software and says why
		{"none", NVIDIA, H264, want{swH264, nil, "", "avdec_h264", false, "hwaccel nvidia: no nvidia decoder on this box (looked for nvh264dec, nvh265dec): install gstreamer1.0-plugins-bad (nvcodec)"}},
		{"none", Jetson, H265, want{swH265, nil, "", "avdec_h265", false, "hwaccel jetson: no jetson decoder on this box (looked for nvv4l2decoder): install NVIDIA JetPack"}},
		{"none", VAAPI, AV1, want{swAV1, nil, "", "av1dec", false, "hwaccel vaapi: no vaapi decoder on this box (looked for vah264dec, vah265dec, vaapih264dec, vaapih265dec)"}},
		{"none", V4L2Dec, VP9, want{swVP9, nil, "", "vp9dec", false, "hwaccel v4l2: no v4l2 decoder on this box"}},
		{"none", Rockchip, H264, want{swH264, nil, "", "avdec_h264", false, "hwaccel rockchip: no rockchip decoder on this box (looked for mppvideodec)"}},
		{"none", Software, H264, want{mid: swH264, decoder: "avdec_h264"}},
	}
	src, err := ParseSource("/clips/a.ts")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Profile]map[Codec]bool{}
	for _, c := range cases {
		name := c.box + "/" + string(c.profile) + "/" + string(c.codec)
		p, err := Build(box(c.box), Input{Source: src, Profile: c.profile, Media: Media{Video: true, Audio: true, Codec: c.codec}})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, w := p.Launch, fileSrc+c.want.mid+analysis; got != w {
			t.Errorf("%s:\n got %s\nwant %s", name, got, w)
		}
		if !reflect.DeepEqual(p.Raise, c.want.raise) || p.Family != c.want.family || p.Decoder != c.want.decoder || p.Hardware != c.want.hardware {
			t.Errorf("%s: raise=%v family=%q decoder=%q hardware=%v, want %v %q %q %v", name, p.Raise, p.Family, p.Decoder, p.Hardware,
				c.want.raise, c.want.family, c.want.decoder, c.want.hardware)
		}
		switch {
		case c.want.warning == "" && len(p.Warnings) > 0:
			t.Errorf("%s: unexpected warnings %q", name, p.Warnings)
		case c.want.warning != "" && (len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], c.want.warning)):
			t.Errorf("%s: warnings %q, want one containing %q", name, p.Warnings, c.want.warning)
		}
		if seen[c.profile] == nil {
			seen[c.profile] = map[Codec]bool{}
		}
		seen[c.profile][c.codec] = true
	}
	for _, pr := range Profiles {
		for _, c := range Codecs {
			if !seen[pr][c] {
				t.Errorf("matrix misses %s × %s", pr, c)
			}
		}
	}
}

// TestFallbackIsSoftware: after a hardware failure the same stream is rebuilt
// with the software decoder named, whatever the profile.
func TestFallbackIsSoftware(t *testing.T) {
	src, _ := ParseSource("/clips/a.ts")
	for _, pr := range []Profile{Auto, NVIDIA} {
		p, err := Build(box("nvidia"), Input{Source: src, Profile: pr, Software: true, Media: Media{Video: true, Audio: true, Codec: H264}})
		if err != nil {
			t.Fatal(err)
		}
		if w := fileSrc + swH264 + analysis; p.Launch != w || p.Hardware || len(p.Raise) != 0 {
			t.Errorf("%s fallback:\n got %s (hardware=%v raise=%v)\nwant %s", pr, p.Launch, p.Hardware, p.Raise, w)
		}
	}
}

// TestAnalysisThread: the queue goes before videoconvert, so that a
// conversion runs on the analysis thread, also after a hardware download.
func TestAnalysisThread(t *testing.T) {
	src, _ := ParseSource("/clips/a.ts")
	q := `queue max-size-buffers=4 max-size-bytes=0 max-size-time=0 ! videoconvert`
	for _, c := range []struct {
		box  string
		prof Profile
		mid  string
	}{
		{"none", Software, h264Caps + ` dec.video_0 ! h264parse ! avdec_h264 ! ` + q},
		{"nvidia", NVIDIA, h264Caps + ` dec.video_0 ! h264parse ! nvh264dec ! cudadownload ! ` + q},
	} {
		p, err := Build(box(c.box), Input{Source: src, Profile: c.prof, AnalysisThread: true, Media: Media{Video: true, Audio: true, Codec: H264}})
		if err != nil {
			t.Fatal(err)
		}
		if w := fileSrc + c.mid + analysis; p.Launch != w {
			t.Errorf("%s %s:\n got %s\nwant %s", c.box, c.prof, p.Launch, w)
		}
	}
}

func TestSources(t *testing.T) {
	reg := box("none")
	cases := []struct {
		src   string
		media Media
		sync  bool
		want  string
	}{
		{"/clips/a b\"c.mp4", Media{Video: true, Codec: H264}, false,
			`filesrc location="/clips/a b\"c.mp4" ! decodebin3 name=dec dec.video_0 ! videoconvert ! videoqc ! fakesink sync=false async=false`},
		{"file:///clips/tone.mp4", Media{Audio: true}, true,
			`filesrc location="/clips/tone.mp4" ! decodebin3 name=dec dec.audio_0 ! queue ! audioconvert ! audioqc ! fakesink sync=true async=false`},
		{"rtsp://cam.local:554/stream1", Media{Video: true, Audio: true, Codec: H265}, true,
			`rtspsrc location="rtsp://cam.local:554/stream1" latency=200 name=src src. ! queue ! dec.sink_%u src. ! queue ! decodebin3 name=dec dec.video_0 ! queue ! videoconvert ! videoqc ! fakesink sync=true async=false dec.audio_0 ! queue ! audioconvert ! audioqc ! fakesink sync=true async=false`},
		{"srt://10.0.0.5:9000?mode=caller&latency=200", Media{Video: true, Codec: H264}, true,
			`srtsrc uri="srt://10.0.0.5:9000?mode=caller&latency=200" ! typefind ! decodebin3 name=dec dec.video_0 ! queue ! videoconvert ! videoqc ! fakesink sync=true async=false`},
		{"udp://@239.1.1.1:5000", Media{Video: true, Audio: true, Codec: H264}, true,
			`udpsrc uri="udp://239.1.1.1:5000" buffer-size=2097152 caps="video/mpegts, systemstream=(boolean)true, packetsize=(int)188" ! decodebin3 name=dec dec.video_0 ! queue ! videoconvert ! videoqc ! fakesink sync=true async=false dec.audio_0 ! queue ! audioconvert ! audioqc ! fakesink sync=true async=false`},
		{"udp://:5000", Media{Audio: true}, true,
			`udpsrc uri="udp://0.0.0.0:5000" buffer-size=2097152 caps="video/mpegts, systemstream=(boolean)true, packetsize=(int)188" ! decodebin3 name=dec dec.audio_0 ! queue ! audioconvert ! audioqc ! fakesink sync=true async=false`},
		{"rtp://239.1.1.2:5004", Media{Video: true, Codec: H264}, true,
			`udpsrc uri="udp://239.1.1.2:5004" buffer-size=2097152 caps="application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)MP2T" ! rtpjitterbuffer latency=200 ! rtpmp2tdepay ! decodebin3 name=dec dec.video_0 ! queue ! videoconvert ! videoqc ! fakesink sync=true async=false`},
		{"https://cdn.example/live/index.m3u8", Media{Video: true, Audio: true, Codec: H264}, true,
			`souphttpsrc location="https://cdn.example/live/index.m3u8" ! hlsdemux ! decodebin3 name=dec dec.video_0 ! queue ! videoconvert ! videoqc ! fakesink sync=true async=false dec.audio_0 ! queue ! audioconvert ! audioqc ! fakesink sync=true async=false`},
		{"http://media.example/clip.mp4", Media{Video: true, Codec: H264}, false,
			`souphttpsrc location="http://media.example/clip.mp4" ! typefind ! decodebin3 name=dec dec.video_0 ! videoconvert ! videoqc ! fakesink sync=false async=false`},
		{"v4l2:///dev/video2", Media{}, true,
			`v4l2src device="/dev/video2" ! decodebin3 name=dec dec.video_0 ! queue ! videoconvert ! videoqc ! fakesink sync=true async=false`},
		{"test://", Media{}, true,
			`videotestsrc is-live=true pattern=smpte horizontal-speed=2 ! video/x-raw,width=640,height=360,framerate=25/1 ! queue ! videoconvert ! videoqc ! fakesink sync=true async=false audiotestsrc is-live=true wave=sine freq=1000 volume=0.1 samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 ! queue ! audioconvert ! audioqc ! fakesink sync=true async=false`},
		{"test://?duration=2&pattern=ball&audio=false&fps=30&width=320&height=240", Media{}, false,
			`videotestsrc is-live=true pattern=ball horizontal-speed=2 num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! videoqc ! fakesink sync=false async=false`},
		{"/clips/raw.mkv", Media{Video: true, Codec: Raw}, false,
			`filesrc location="/clips/raw.mkv" ! decodebin3 name=dec dec.video_0 ! videoconvert ! videoqc ! fakesink sync=false async=false`},
	}
	for _, c := range cases {
		s, err := ParseSource(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		p, err := Build(reg, Input{Source: s, Media: c.media, Sync: c.sync})
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if p.Launch != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.src, p.Launch, c.want)
		}
	}
}

func TestPlaceholderAnalysers(t *testing.T) {
	s, _ := ParseSource("/clips/a.ts")
	p, err := Build(box("none"), Input{Source: s, Media: Media{Video: true, Audio: true, Codec: H264},
		VideoQC: "identity name=videoqc", AudioQC: "identity name=audioqc"})
	if err != nil {
		t.Fatal(err)
	}
	want := fileSrc + plainDec + ` dec.video_0 ! videoconvert ! identity name=videoqc ! fakesink sync=false async=false dec.audio_0 ! audioconvert ! identity name=audioqc ! fakesink sync=false async=false`
	if p.Launch != want {
		t.Errorf("got  %s\nwant %s", p.Launch, want)
	}
}

func TestNoStreams(t *testing.T) {
	s, _ := ParseSource("/clips/a.ts")
	if _, err := Build(box("none"), Input{Source: s}); err == nil || !strings.Contains(err.Error(), "no audio or video stream") {
		t.Errorf("err = %v", err)
	}
}

func TestParseSourceErrors(t *testing.T) {
	cases := map[string]string{
		"":                        "empty source",
		"ftp://x/y":               `unsupported scheme "ftp"`,
		"rtmp:live":               `unknown scheme "rtmp"`,
		"udp://239.1.1.1":         "no port",
		"rtp://:99999":            "bad port",
		"srt://host":              "no port",
		"rtsp:///x":               "no host",
		"file://host/x":           "local path",
		"v4l2://video0":           "v4l2 sources name a device",
		"test://?fps=0":           "fps",
		"test://?color=red":       `unknown test option "color"`,
		"test://?video=0&audio=0": "neither video nor audio",
	}
	for in, want := range cases {
		_, err := ParseSource(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSource(%q) = %v, want error containing %q", in, err, want)
		}
	}
	for in, want := range map[string]Source{
		"udp://@239.1.1.1:5000": {Kind: UDP, URI: "udp://239.1.1.1:5000", Host: "239.1.1.1", Port: 5000},
		"rtp://:5004":           {Kind: RTP, URI: "rtp://0.0.0.0:5004", Host: "0.0.0.0", Port: 5004},
	} {
		got, err := ParseSource(in)
		if err != nil || got.Kind != want.Kind || got.URI != want.URI || got.Host != want.Host || got.Port != want.Port {
			t.Errorf("ParseSource(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, live := range []string{"rtsp://h/x", "srt://h:1", "udp://:1", "rtp://:1", "v4l2:///dev/video0", "https://h/live/INDEX.M3U8?token=1"} {
		if s, _ := ParseSource(live); !s.Live() {
			t.Errorf("%s should be live", live)
		}
	}
	for _, ends := range []string{"/x.ts", "http://h/x.mp4", "test://"} {
		if s, _ := ParseSource(ends); s.Live() {
			t.Errorf("%s should end at EOS", ends)
		}
	}
}

func TestCodecFromCaps(t *testing.T) {
	for caps, want := range map[string]Codec{
		"video/x-h264, stream-format=(string)avc": H264,
		"video/x-h265":                   H265,
		"video/x-av1":                    AV1,
		"video/x-vp9, profile=(string)0": VP9,
		"video/mpeg, mpegversion=(int)2, systemstream=(boolean)false": MPEG2,
		"video/mpeg, mpegversion=(int)4":                              MPEG4,
		"image/jpeg":                                                  MJPEG,
		"video/x-raw(memory:NVMM), format=(string)NV12":               Raw,
		"audio/mpeg": Unknown,
	} {
		if got := CodecFromCaps(caps); got != want {
			t.Errorf("CodecFromCaps(%q) = %q, want %q", caps, got, want)
		}
	}
}

func TestRTPMedia(t *testing.T) {
	if m := RTPMedia("application/x-rtp, media=(string)audio, encoding-name=(string)MPEG4-GENERIC"); m != "audio" {
		t.Errorf("got %q", m)
	}
	if m := RTPMedia("video/x-h264"); m != "" {
		t.Errorf("got %q", m)
	}
}

func TestExpandTemplate(t *testing.T) {
	s, _ := ParseSource("rtsp://cam/1")
	p, err := Build(box("none"), Input{Source: s, Sync: true, Media: Media{Video: true, Codec: H264}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Expand("{source} ! {decode} {video} ! videocrop top=60 ! video/x-raw,format={I420,NV12} ! videoqc black-min-duration=1.0 ! {sink}", p)
	if err != nil {
		t.Fatal(err)
	}
	want := `rtspsrc location="rtsp://cam/1" latency=200 name=src src. ! queue ! dec.sink_%u src. ! queue ! decodebin3 name=dec dec.video_0 ! queue ! videoconvert ! videocrop top=60 ! video/x-raw,format={I420,NV12} ! videoqc black-min-duration=1.0 ! fakesink sync=true async=false`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := Expand("{source} ! {decode} {audio} ! audioqc ! {sink}", p); err == nil || !strings.Contains(err.Error(), "no audio stream") {
		t.Errorf("{audio} on a video-only source: %v", err)
	}
	ts, _ := ParseSource("test://")
	tp, _ := Build(box("none"), Input{Source: ts})
	if _, err := Expand("{source} ! videoqc ! fakesink", tp); err == nil || !strings.Contains(err.Error(), "{source}") {
		t.Errorf("{source} on test://: %v", err)
	}
	if !IsTemplate("{source} ! x") || IsTemplate("videotestsrc ! video/x-raw,format={I420} ! videoqc ! fakesink") {
		t.Error("IsTemplate")
	}
}

func TestParseProfile(t *testing.T) {
	if p, err := ParseProfile(""); p != Auto || err != nil {
		t.Errorf("empty: %v %v", p, err)
	}
	if p, err := ParseProfile("VAAPI"); p != VAAPI || err != nil {
		t.Errorf("VAAPI: %v %v", p, err)
	}
	if _, err := ParseProfile("cuda"); err == nil || !strings.Contains(err.Error(), "auto, nvidia, jetson, vaapi, v4l2, rockchip, software") {
		t.Errorf("cuda: %v", err)
	}
}

func TestHardwareElements(t *testing.T) {
	hw := HardwareElements(Families)
	for _, n := range []string{"nvh264dec", "nvv4l2decoder", "nvvidconv", "vah265dec", "vapostproc", "mppvideodec", "v4l2slh264dec", "cudadownload"} {
		if !hw[n] {
			t.Errorf("%s not classed as hardware", n)
		}
	}
	for _, n := range []string{"avdec_h264", "videoconvert", "decodebin3"} {
		if hw[n] {
			t.Errorf("%s classed as hardware", n)
		}
	}
}

// TestDecoderPackages: every codec avwatch can name a decoder for also
// names the packages that bring one (the "no decoder" error and doctor
// print them).
func TestDecoderPackages(t *testing.T) {
	for c, ci := range codecs {
		if ci.caps != "" && !strings.Contains(DecoderPackages(c), "gstreamer1.0-") {
			t.Errorf("%s: packages %q", c, DecoderPackages(c))
		}
	}
	if p := DecoderPackages(Raw); p != "" {
		t.Errorf("raw video: packages %q, want none", p)
	}
}

func TestDecoderPackagesFor(t *testing.T) {
	for caps, want := range map[string]string{
		"video/x-h264, stream-format=(string)avc":                    "gstreamer1.0-libav (avdec_h264)",
		"audio/mpeg, mpegversion=(int)4, stream-format=(string)adts": "avdec_aac",
		"audio/mpeg, mpegversion=(int)1, layer=(int)2":               "mpg123audiodec",
		"audio/x-ac3": "a52dec",
		"audio/x-dts": "gstreamer1.0-libav",
	} {
		if got := DecoderPackagesFor(caps); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to name %q", caps, got, want)
		}
	}
}

// TestUndecodedAudio: an audio stream without a decoder leaves decodebin3
// undecoded, into a fakesink, and the video is analysed as before.
func TestUndecodedAudio(t *testing.T) {
	src := Source{Kind: File, Path: "/x.ts", URI: "file:///x.ts"}
	reg := NewSet("avdec_h264", "h264parse")
	for _, tc := range []struct {
		prof Profile
		want string
	}{
		{Auto, `filesrc location="/x.ts" ! decodebin3 name=dec caps="video/x-raw(ANY);audio/x-raw(ANY);audio/x-ac3" dec.video_0 ! videoconvert ! videoqc ! fakesink sync=false async=false dec.audio_0 ! fakesink sync=false async=false`},
		{Software, `filesrc location="/x.ts" ! decodebin3 name=dec caps="video/x-h264;audio/x-raw(ANY);audio/x-ac3" dec.video_0 ! h264parse ! avdec_h264 ! videoconvert ! videoqc ! fakesink sync=false async=false dec.audio_0 ! fakesink sync=false async=false`},
	} {
		p, err := Build(reg, Input{Source: src, Profile: tc.prof, Media: Media{Video: true, Audio: true, Codec: H264}, UndecodedAudio: "audio/x-ac3"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Launch != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.prof, p.Launch, tc.want)
		}
		if p.Audio != "" {
			t.Errorf("%s: audio piece %q, want none (nothing to analyse)", tc.prof, p.Audio)
		}
	}
}
