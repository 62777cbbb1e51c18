package testsource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// HTTP serves a file over an in-process HTTP server and returns its URL.
func HTTP(t testing.TB, path string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(path)
}

// HLS serves a transport-stream clip as a VOD HLS playlist of segments
// from an in-process HTTP server and returns the playlist URL. The clip is
// split at packet boundaries; the demuxer joins the segments again.
func HLS(t testing.TB, clip string, segments int) string {
	t.Helper()
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	const pkt = 188
	n := len(data) / pkt
	var pl strings.Builder
	pl.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	segs := map[string][]byte{}
	for i := 0; i < segments; i++ {
		a, b := i*n/segments*pkt, (i+1)*n/segments*pkt
		name := fmt.Sprintf("/seg%03d.ts", i)
		segs[name] = data[a:b]
		fmt.Fprintf(&pl, "#EXTINF:1.0,\n%s\n", name[1:])
	}
	pl.WriteString("#EXT-X-ENDLIST\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/index.m3u8" {
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
			w.Write([]byte(pl.String()))
			return
		}
		if b, ok := segs[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "video/mp2t")
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/index.m3u8"
}
