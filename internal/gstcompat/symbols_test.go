package gstcompat

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The oldest versions avwatch supports, per Debian package whose symbols
// file dates each symbol: GStreamer 1.20 (1.21.x symbols are 1.22's) and
// GLib 2.72, what Ubuntu 22.04 ships.
var newestAllowed = map[string][2]int{
	"libgstreamer1.0-0":              {1, 20},
	"libgstreamer-plugins-base1.0-0": {1, 20},
	"libglib2.0-0":                   {2, 72},
}

func TestBinaryNeedsNothingNewerThanGStreamer120(t *testing.T) {
	for _, tool := range []string{"go", "readelf", "make", "dpkg-architecture"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found (Debian tools needed: dpkg-dev, binutils)", tool)
		}
	}
	arch, err := exec.Command("dpkg-architecture", "-qDEB_HOST_ARCH").Output()
	if err != nil {
		t.Fatalf("dpkg-architecture: %v", err)
	}
	// symbol -> package and version, from the installed symbols files.
	type origin struct{ pkg, version string }
	dated := map[string]origin{}
	for pkg := range newestAllowed {
		path := "/var/lib/dpkg/info/" + pkg + ":" + strings.TrimSpace(string(arch)) + ".symbols"
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("%v (apt-get install %s)", err, pkg)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// " gst_foo@Base 1.22.0" (optionally "(tags)gst_foo@Base ...")
			line := sc.Text()
			if !strings.HasPrefix(line, " ") {
				continue
			}
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			name := fields[0]
			if i := strings.LastIndexByte(name, ')'); i >= 0 {
				name = name[i+1:]
			}
			name, _, _ = strings.Cut(name, "@")
			dated[name] = origin{pkg, fields[1]}
		}
		f.Close()
	}

	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The flags make builds with (the same string under make test, so the
	// build cache serves this build).
	cflags := os.Getenv("CGO_CFLAGS")
	if !strings.Contains(cflags, "gstcompat.h") {
		out, err := exec.Command("make", "-s", "--no-print-directory", "-C", root, "print-gstcompat-cflags").Output()
		if err != nil {
			t.Fatalf("make print-gstcompat-cflags: %v", err)
		}
		cflags = strings.TrimSpace(string(out))
	}
	bin := filepath.Join(t.TempDir(), "avwatch")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/avwatch")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_CFLAGS="+cflags)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/avwatch with CGO_CFLAGS=%q: %v\n%s", cflags, err, out)
	}
	out, err := exec.Command("readelf", "--dyn-syms", "-W", bin).Output()
	if err != nil {
		t.Fatalf("readelf: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || f[6] != "UND" {
			continue
		}
		name, _, _ := strings.Cut(f[7], "@")
		o, ok := dated[name]
		if !ok {
			continue
		}
		checked++
		if newer(o.version, newestAllowed[o.pkg]) {
			t.Errorf("avwatch uses %s, new in %s %s: GStreamer 1.20 / GLib 2.72 (Ubuntu 22.04, JetPack 6) lack it; "+
				"guard it with GST_CHECK_VERSION / GLIB_CHECK_VERSION and a fallback, or route it through internal/gstcompat/gstcompat.h", name, o.pkg, o.version)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d of avwatch's symbols found in the symbols files: check vacuous", checked)
	}
	t.Logf("%d GStreamer/GLib symbols checked", checked)
}

// newer reports whether a Debian symbol version ("1.22.0", "2.73.2~rc")
// is past major.minor.
func newer(version string, limit [2]int) bool {
	parts := strings.FieldsFunc(version, func(r rune) bool { return r < '0' || r > '9' })
	var v [2]int
	for i := 0; i < 2 && i < len(parts); i++ {
		v[i], _ = strconv.Atoi(parts[i])
	}
	return v[0] > limit[0] || (v[0] == limit[0] && v[1] > limit[1])
}
