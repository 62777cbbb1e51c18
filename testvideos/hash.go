package testvideos

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sort"
	"strings"
)

// sources are the files that decide what the clips contain. Their hash is
// the cache key: change any of them and the set is regenerated.
//
//go:embed *.go gen/*.go internal/synth/*.go internal/plan/*.go internal/media/*.go internal/container/*.go
var sources embed.FS

// SourceHash is a short hash of the generator's sources (tests excluded).
func SourceHash() string {
	var names []string
	fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, "_test.go") {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, _ := sources.ReadFile(n)
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// GeneratorID is the value of truth.json "generator" for a set made by
// these sources with this GStreamer: "<source hash>+<gstreamer version>".
func GeneratorID(gstVersion string) string {
	return SourceHash() + "+" + strings.ReplaceAll(gstVersion, " ", "-")
}
