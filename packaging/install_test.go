// Package packaging builds avwatch's install layout and Debian package
// (install.sh, build-deb.sh, cross.sh); these tests run them for real:
// `make install DESTDIR=…`, `make uninstall`, build-deb.sh + dpkg-deb, and,
// when AVWATCH_TEST_DPKG=1, dpkg -i on this machine.
package packaging

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var root = func() string {
	r, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return r
}()

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps installs it): %v", tool, err)
		}
	}
}

func pluginsDir(t *testing.T) string {
	t.Helper()
	need(t, "pkg-config")
	out, err := exec.Command("pkg-config", "--variable=pluginsdir", "gstreamer-1.0").Output()
	if err != nil {
		t.Fatalf("pkg-config --variable=pluginsdir gstreamer-1.0: %v (libgstreamer1.0-dev)", err)
	}
	return strings.TrimSpace(string(out))
}

// documented returns the install layout as systemd/README.md documents it
// (path -> mode), for a PREFIX and a GStreamer plugin directory.
func documented(t *testing.T, prefix, plugindir string) map[string]fs.FileMode {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "systemd", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- layout:begin -->")
	block, _, ok2 := strings.Cut(rest, "<!-- layout:end -->")
	if !ok || !ok2 {
		t.Fatal("systemd/README.md: no <!-- layout:begin --> … <!-- layout:end --> block")
	}
	line := regexp.MustCompile(`^([0-7]{4}) (\S+)$`)
	want := map[string]fs.FileMode{}
	for _, l := range strings.Split(block, "\n") {
		m := line.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		var mode fs.FileMode
		fmt.Sscanf(m[1], "%o", &mode)
		p := m[2]
		p = strings.Replace(p, "PREFIX/", prefix+"/", 1)
		p = strings.Replace(p, "PLUGINDIR/", plugindir+"/", 1)
		want[p] = mode
	}
	if len(want) < 5 {
		t.Fatalf("systemd/README.md layout block lists %d files; parse error?", len(want))
	}
	return want
}

// tree lists the regular files under dir (path relative to dir, with a
// leading "/") and their permission bits.
func tree(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	got := map[string]fs.FileMode{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file (%v)", p, info.Mode())
		}
		rel, _ := filepath.Rel(dir, p)
		got["/"+rel] = info.Mode().Perm()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func diffLayouts(want, got map[string]fs.FileMode) string {
	var lines []string
	for p, m := range want {
		g, ok := got[p]
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("missing   %04o %s", m, p))
		case g != m:
			lines = append(lines, fmt.Sprintf("mode %04o %s, documented %04o", g, p, m))
		}
	}
	for p, m := range got {
		if _, ok := want[p]; !ok {
			lines = append(lines, fmt.Sprintf("extra     %04o %s", m, p))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// standIns writes an executable standing in for bin/avwatch and a file
// standing in for the plugin: the layout tests are about where files go.
func standIns(t *testing.T) (bin, plugin string) {
	t.Helper()
	dir := t.TempDir()
	bin = filepath.Join(dir, "avwatch")
	plugin = filepath.Join(dir, "libgstavwatch.so")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho avwatch stand-in\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plugin, []byte("plugin stand-in\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return bin, plugin
}

// makeInstall runs `make install` (or uninstall) as a user would, minus the
// builds: -o build -o plugin marks those targets done.
func makeTarget(t *testing.T, target string, vars ...string) string {
	t.Helper()
	need(t, "make")
	args := append([]string{"-s", "--no-print-directory", "-C", root, "-o", "build", "-o", "plugin", target}, vars...)
	cmd := exec.Command("make", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func TestInstallLayoutIsDocumented(t *testing.T) {
	plugindir := pluginsDir(t)
	for _, prefix := range []string{"/usr/local", "/usr", "/opt/avwatch"} {
		t.Run(strings.ReplaceAll(prefix, "/", "_"), func(t *testing.T) {
			bin, plugin := standIns(t)
			dest := t.TempDir()
			vars := []string{"DESTDIR=" + dest, "PREFIX=" + prefix, "BIN=" + bin, "PLUGIN_SO=" + plugin}
			makeTarget(t, "install", vars...)

			want := documented(t, prefix, plugindir)
			if d := diffLayouts(want, tree(t, dest)); d != "" {
				t.Fatalf("make install DESTDIR PREFIX=%s differs from systemd/README.md:\n%s", prefix, d)
			}
			unit, _ := os.ReadFile(filepath.Join(dest, prefix, "lib/systemd/system/avwatch.service"))
			if !bytes.Contains(unit, []byte("\nExecStart="+prefix+"/bin/avwatch run -c /etc/avwatch/avwatch.yaml\n")) {
				t.Errorf("installed unit does not start %s/bin/avwatch:\n%s", prefix, grepLines(unit, "ExecStart"))
			}
			cfg, _ := os.ReadFile(filepath.Join(dest, "etc/avwatch/avwatch.yaml"))
			example, _ := os.ReadFile(filepath.Join(root, "systemd/avwatch.yaml"))
			if !bytes.Equal(cfg, example) {
				t.Error("installed /etc/avwatch/avwatch.yaml is not systemd/avwatch.yaml")
			}
			if pw, _ := os.ReadFile(filepath.Join(dest, "etc/avwatch/mqtt-password")); len(pw) != 0 {
				t.Errorf("mqtt-password installed with content %q, want empty", pw)
			}

			makeTarget(t, "uninstall", vars...)
			if left := tree(t, dest); len(left) != 0 {
				t.Errorf("make uninstall left files behind: %v", left)
			}
		})
	}
}

// An operator's config and password survive a reinstall and an uninstall.
func TestInstallKeepsOperatorFiles(t *testing.T) {
	bin, plugin := standIns(t)
	dest := t.TempDir()
	vars := []string{"DESTDIR=" + dest, "BIN=" + bin, "PLUGIN_SO=" + plugin}
	makeTarget(t, "install", vars...)

	cfg := filepath.Join(dest, "etc/avwatch/avwatch.yaml")
	pw := filepath.Join(dest, "etc/avwatch/mqtt-password")
	mine := []byte("# edited by the operator\nstreams: []\n")
	if err := os.WriteFile(cfg, mine, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := makeTarget(t, "install", vars...)
	if !strings.Contains(out, "keeping existing /etc/avwatch/avwatch.yaml") {
		t.Errorf("reinstall did not say it kept the config:\n%s", out)
	}
	for p, want := range map[string][]byte{cfg: mine, pw: []byte("s3cret\n")} {
		if got, _ := os.ReadFile(p); !bytes.Equal(got, want) {
			t.Errorf("reinstall changed %s: %q", p, got)
		}
	}

	makeTarget(t, "uninstall", vars...)
	left := tree(t, dest)
	if len(left) != 2 || left["/etc/avwatch/avwatch.yaml"] == 0 || left["/etc/avwatch/mqtt-password"] == 0 {
		t.Errorf("uninstall should keep exactly the edited config and password, left %v", left)
	}
}

func grepLines(b []byte, substr string) string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if strings.Contains(sc.Text(), substr) {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}
