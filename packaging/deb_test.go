package packaging

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

const testVersion = "1.2.3~test"

var (
	debOnce sync.Once
	debPath string
	debErr  error
	debLog  string
	// debStandIn: the package holds a stand-in plugin, not libgstavwatch.so.
	debStandIn bool
)

func nativeArch(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// buildDeb builds the package once per test run from a freshly built
// avwatch (versioned like `make deb` does) and the plugin: build/libgstavwatch.so
// when `make plugin` has made it, else a real GStreamer plugin standing in
// for it, so that dpkg-shlibdeps has a real ELF to read either way.
func buildDeb(t *testing.T) string {
	t.Helper()
	need(t, "dpkg-deb", "dpkg-shlibdeps", "dpkg-architecture", "go")
	plugindir := pluginsDir(t)
	debOnce.Do(func() {
		dir, err := os.MkdirTemp("", "avwatch-deb-test-")
		if err != nil {
			debErr = err
			return
		}
		// Removed by TestMain.
		debDirs = append(debDirs, dir)
		bin := filepath.Join(dir, "avwatch")
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-X=main.version="+testVersion, "-o", bin, "./cmd/avwatch")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			debErr = fmt.Errorf("go build ./cmd/avwatch: %v\n%s", err, out)
			return
		}
		plugin := filepath.Join(root, "build", "libgstavwatch.so")
		if _, err := os.Stat(plugin); err != nil {
			plugin = filepath.Join(plugindir, "libgstcoreelements.so")
			debLog = "build/libgstavwatch.so not built (make plugin): libgstcoreelements.so stands in for it"
			debStandIn = true
		}
		cmd := exec.Command(filepath.Join(root, "packaging", "build-deb.sh"))
		cmd.Env = append(os.Environ(), "BIN="+bin, "PLUGIN_SO="+plugin, "VERSION="+testVersion,
			"OUT="+dir, "COMPRESS=none", "ARCH=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			debErr = fmt.Errorf("packaging/build-deb.sh: %v\n%s", err, stderr.String())
			return
		}
		debPath = strings.TrimSpace(string(out))
	})
	if debLog != "" {
		t.Log(debLog)
	}
	if debErr != nil {
		t.Fatal(debErr)
	}
	return debPath
}

var debDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range debDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func debField(t *testing.T, deb, field string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", "--field", deb, field).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --field %s: %v", field, err)
	}
	return strings.TrimSpace(string(out))
}

// depNames turns "a (>= 1), b | c, d" into {a, b, c, d}.
func depNames(depends string) map[string]bool {
	names := map[string]bool{}
	for _, alt := range regexp.MustCompile(`[,|]`).Split(depends, -1) {
		if f := strings.Fields(alt); len(f) > 0 {
			names[f[0]] = true
		}
	}
	return names
}

func TestDebControl(t *testing.T) {
	deb := buildDeb(t)
	arch := nativeArch(t)
	for field, want := range map[string]string{"Package": "avwatch", "Version": testVersion, "Architecture": arch} {
		if got := debField(t, deb, field); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	depends := debField(t, deb, "Depends")
	t.Logf("Depends: %s", depends)
	deps := depNames(depends)
	// Loaded at run time by the pipelines, so no linker would find them.
	for _, p := range []string{"gstreamer1.0-plugins-base", "gstreamer1.0-plugins-good", "gstreamer1.0-plugins-bad", "gstreamer1.0-libav"} {
		if !deps[p] {
			t.Errorf("Depends lacks %s", p)
		}
	}
	// Every library the packaged ELF files link must come from a package
	// named in Depends: extract them and ask dpkg who owns each.
	x := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", deb, x).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}
	unit, _ := os.ReadFile(filepath.Join(x, "usr/lib/systemd/system/avwatch.service"))
	if !bytes.Contains(unit, []byte("\nExecStart=/usr/bin/avwatch run ")) {
		t.Errorf("packaged unit does not start /usr/bin/avwatch:\n%s", grepLines(unit, "ExecStart"))
	}
	linked := 0
	for _, f := range []string{filepath.Join(x, "usr/bin/avwatch"), filepath.Join(x, strings.TrimPrefix(pluginsDir(t), "/"), "libgstavwatch.so")} {
		for _, lib := range neededLibs(t, f) {
			linked++
			pkg := owner(t, lib)
			if !deps[pkg] {
				t.Errorf("%s links %s from package %s, which Depends (%s) lacks", filepath.Base(f), lib, pkg, depends)
			}
		}
	}
	if linked == 0 {
		t.Error("no linked libraries found in the packaged binaries; dependency check vacuous")
	}
}

// neededLibs resolves an ELF file's own DT_NEEDED entries (not their
// dependencies: those are their packages' business) to paths with ldd.
func neededLibs(t *testing.T, file string) []string {
	t.Helper()
	f, err := elf.Open(file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	needed, err := f.ImportedLibraries()
	f.Close()
	if err != nil || len(needed) == 0 {
		return nil // static
	}
	out, err := exec.Command("ldd", file).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", file, err)
	}
	paths := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(\S+) => (/\S+) \(`).FindAllStringSubmatch(string(out), -1) {
		paths[m[1]] = m[2]
	}
	var libs []string
	for _, n := range needed {
		p, ok := paths[n]
		if !ok {
			t.Errorf("%s needs %s, which ldd cannot resolve:\n%s", file, n, out)
			continue
		}
		libs = append(libs, p)
	}
	return libs
}

// owner is the Debian package shipping a library path, trying both sides of
// the /lib -> /usr/lib merge.
func owner(t *testing.T, lib string) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(lib)
	if err != nil {
		real = lib
	}
	candidates := []string{lib, real}
	for _, p := range []string{lib, real} {
		if strings.HasPrefix(p, "/usr/lib/") {
			candidates = append(candidates, strings.TrimPrefix(p, "/usr"))
		} else if strings.HasPrefix(p, "/lib/") {
			candidates = append(candidates, "/usr"+p)
		}
	}
	for _, c := range candidates {
		out, err := exec.Command("dpkg-query", "-S", c).Output()
		if err == nil {
			pkg, _, _ := strings.Cut(strings.TrimSpace(string(out)), ":")
			return pkg
		}
	}
	t.Errorf("no package owns %s (tried %v)", lib, candidates)
	return ""
}

var contentsLine = regexp.MustCompile(`^([-dlhcbps])([rwxsStT-]{9}) (\S+)/(\S+) +\d+ \S+ \S+ \./(.*)$`)

func TestDebContents(t *testing.T) {
	deb := buildDeb(t)
	out, err := exec.Command("dpkg-deb", "--contents", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]fs.FileMode{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		m := contentsLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("dpkg-deb --contents: unexpected line %q", l)
		}
		if m[3] != "root" || m[4] != "root" {
			t.Errorf("%s owned by %s/%s, want root/root", m[5], m[3], m[4])
		}
		if m[1] == "-" {
			got["/"+m[5]] = permBits(m[2])
		} else if m[1] != "d" {
			t.Errorf("unexpected non-file entry %q", l)
		}
	}
	want := documented(t, "/usr", pluginsDir(t))
	if d := diffLayouts(want, got); d != "" {
		t.Errorf("package contents differ from systemd/README.md (PREFIX=/usr):\n%s", d)
	}

	ctl := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-e", deb, ctl).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -e: %v\n%s", err, out)
	}
	conffiles, _ := os.ReadFile(filepath.Join(ctl, "conffiles"))
	if string(conffiles) != "/etc/avwatch/avwatch.yaml\n/etc/avwatch/mqtt-password\n" {
		t.Errorf("conffiles:\n%s", conffiles)
	}
	// "Enables nothing without being asked": no enable/start in any script;
	// try-restart only touches a service that already runs.
	enabling := regexp.MustCompile(`systemctl +(--\S+ +)*(enable|start|restart|reenable)\b|deb-systemd-helper +enable|deb-systemd-invoke +(start|restart)`)
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		b, err := os.ReadFile(filepath.Join(ctl, s))
		if err != nil {
			t.Errorf("maintainer script %s missing: %v", s, err)
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			// Advice printed to the operator is not an action.
			if f := strings.Fields(line); len(f) == 0 || f[0] == "echo" || strings.HasPrefix(f[0], "#") {
				continue
			}
			if m := enabling.FindString(line); m != "" {
				t.Errorf("%s enables or starts the service: %q", s, line)
			}
		}
		if out, err := exec.Command("sh", "-n", filepath.Join(ctl, s)).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", s, err, out)
		}
	}
}

func permBits(s string) fs.FileMode {
	var m fs.FileMode
	for i, c := range s {
		if c != '-' && c != 'S' && c != 'T' {
			m |= 1 << (8 - i)
		}
	}
	return m
}
