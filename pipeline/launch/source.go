// Package launch writes GStreamer launch strings for avwatch streams: source
// → demux/parse → decode → conversion to system memory → videoqc/audioqc →
// fakesink. It is pure Go: the GStreamer registry is injected (Registry), so
// tests assert the exact string for every profile × codec without hardware.
package launch

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// Kind is the kind of source.
type Kind string

const (
	File Kind = "file"
	RTSP Kind = "rtsp"
	SRT  Kind = "srt"
	UDP  Kind = "udp"  // MPEG-TS in UDP datagrams
	RTP  Kind = "rtp"  // MPEG-TS in RTP (RFC 2250)
	HTTP Kind = "http" // progressive files over HTTP
	HLS  Kind = "hls"  // HTTP Live Streaming playlists (*.m3u8)
	V4L2 Kind = "v4l2" // capture device
	Test Kind = "test" // synthetic audio + video
)

// Schemes lists the URI schemes a source may use (a bare path is a file).
var Schemes = []string{"file", "rtsp", "rtsps", "rtspt", "srt", "udp", "rtp", "http", "https", "v4l2", "test"}

// Source is a parsed stream source.
type Source struct {
	Kind Kind
	URI  string // as given (normalised for udp/rtp)
	Path string // File: the file; V4L2: the device
	Host string // UDP/RTP: address to bind or join
	Port int
	// Test source options (test://?duration=10&pattern=ball&audio=0&video=0).
	Test TestOptions
}

// TestOptions shape the synthetic test:// source.
type TestOptions struct {
	DurationS     float64 // 0: endless
	Pattern       string  // videotestsrc pattern
	Width, Height int
	FPS           int
	Video, Audio  bool
}

// Live reports whether the source is live: it is restarted after errors and
// at EOS instead of ending.
func (s Source) Live() bool {
	switch s.Kind {
	case RTSP, SRT, UDP, RTP, V4L2, HLS:
		return true
	}
	return false
}

// ParseSource parses a source: a file path, or a URI with one of Schemes.
// Errors say what is wrong and what is accepted.
func ParseSource(s string) (Source, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Source{}, fmt.Errorf("empty source: give a file path or a URI (%s)", schemeList())
	}
	i := strings.Index(s, "://")
	if i < 0 {
		// A bare path. "host:port" and typos like "rtsp:/x" also end up
		// here; a path with a colon before any slash is suspicious.
		if c := strings.IndexByte(s, ':'); c > 0 && !strings.ContainsAny(s[:c], `/\.`) {
			return Source{}, fmt.Errorf("source %q: unknown scheme %q: use a file path or one of %s", s, s[:c], schemeList())
		}
		p, err := filepath.Abs(s)
		if err != nil {
			return Source{}, fmt.Errorf("source %q: %w", s, err)
		}
		return Source{Kind: File, URI: "file://" + p, Path: p}, nil
	}
	scheme := strings.ToLower(s[:i])
	u, err := url.Parse(s)
	if err != nil {
		return Source{}, fmt.Errorf("source %q: not a valid URI: %v", s, err)
	}
	switch scheme {
	case "file":
		p := u.Path
		if u.Host != "" && u.Host != "localhost" {
			return Source{}, fmt.Errorf("source %q: file URIs name a local path (file:///path/to/clip.ts)", s)
		}
		if p == "" {
			return Source{}, fmt.Errorf("source %q: no path (file:///path/to/clip.ts)", s)
		}
		return Source{Kind: File, URI: s, Path: p}, nil
	case "rtsp", "rtsps", "rtspt":
		if u.Host == "" {
			return Source{}, fmt.Errorf("source %q: no host (rtsp://camera:554/stream)", s)
		}
		return Source{Kind: RTSP, URI: s}, nil
	case "srt":
		if u.Port() == "" {
			return Source{}, fmt.Errorf("source %q: no port (srt://host:port, or srt://:port?mode=listener)", s)
		}
		return Source{Kind: SRT, URI: s}, nil
	case "udp", "rtp":
		host, port, err := hostPort(u)
		if err != nil {
			return Source{}, fmt.Errorf("source %q: %v (%s://[group]:port, e.g. %s://239.1.1.1:5000 or %s://:5000)", s, err, scheme, scheme, scheme)
		}
		k := UDP
		if scheme == "rtp" {
			k = RTP
		}
		return Source{Kind: k, URI: fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, strconv.Itoa(port))), Host: host, Port: port}, nil
	case "http", "https":
		if u.Host == "" {
			return Source{}, fmt.Errorf("source %q: no host", s)
		}
		if strings.HasSuffix(strings.ToLower(u.Path), ".m3u8") {
			return Source{Kind: HLS, URI: s}, nil
		}
		return Source{Kind: HTTP, URI: s}, nil
	case "v4l2":
		p := u.Path
		if p == "" && u.Host == "" {
			p = "/dev/video0"
		}
		if !strings.HasPrefix(p, "/dev/") {
			return Source{}, fmt.Errorf("source %q: v4l2 sources name a device (v4l2:///dev/video0)", s)
		}
		return Source{Kind: V4L2, URI: s, Path: p}, nil
	case "test":
		t, err := testOptions(u.Query())
		if err != nil {
			return Source{}, fmt.Errorf("source %q: %v", s, err)
		}
		return Source{Kind: Test, URI: s, Test: t}, nil
	}
	return Source{}, fmt.Errorf("source %q: unsupported scheme %q: use a file path or one of %s", s, scheme, schemeList())
}

func schemeList() string {
	var out []string
	for _, s := range Schemes {
		out = append(out, s+"://")
	}
	return strings.Join(out, " ")
}

// hostPort reads udp://host:port, udp://@group:port (VLC style) and
// udp://:port. An empty host binds every interface.
func hostPort(u *url.URL) (string, int, error) {
	h := strings.TrimPrefix(u.Host, "@")
	if u.User != nil && u.User.Username() == "" { // "udp://@239.1.1.1:5000" parses as empty userinfo
		h = u.Host
	}
	host, ps, err := net.SplitHostPort(h)
	if err != nil {
		return "", 0, fmt.Errorf("no port")
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", ps)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return host, port, nil
}

func testOptions(q url.Values) (TestOptions, error) {
	t := TestOptions{Pattern: "smpte", Width: 640, Height: 360, FPS: 25, Video: true, Audio: true}
	for k, vs := range q {
		v := vs[len(vs)-1]
		var err error
		switch k {
		case "duration":
			t.DurationS, err = strconv.ParseFloat(v, 64)
			if err == nil && t.DurationS < 0 {
				err = fmt.Errorf("negative")
			}
		case "pattern":
			if !isWord(v) {
				err = fmt.Errorf("not a videotestsrc pattern name")
			}
			t.Pattern = v
		case "width":
			t.Width, err = positive(v)
		case "height":
			t.Height, err = positive(v)
		case "fps":
			t.FPS, err = positive(v)
		case "video":
			t.Video, err = strconv.ParseBool(v)
		case "audio":
			t.Audio, err = strconv.ParseBool(v)
		default:
			return t, fmt.Errorf("unknown test option %q (duration, pattern, width, height, fps, video, audio)", k)
		}
		if err != nil {
			return t, fmt.Errorf("test option %s=%q: %v", k, v, err)
		}
	}
	if !t.Video && !t.Audio {
		return t, fmt.Errorf("test source with neither video nor audio")
	}
	return t, nil
}

func positive(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err == nil && n <= 0 {
		err = fmt.Errorf("must be > 0")
	}
	return n, err
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Quote returns s as a gst-launch string value: always double-quoted, with
// backslashes and quotes escaped, so paths with spaces survive.
func Quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
