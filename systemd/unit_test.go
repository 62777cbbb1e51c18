// Package systemd holds the avwatch unit, its drop-in examples and the
// sysusers file; these tests check them with systemd's own tools
// (systemd-analyze verify / security, systemd-sysusers), offline: nothing
// here needs systemd running as PID 1.
package systemd

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxExposure is the bar: "OK" or better on systemd-analyze security.
const maxExposure = 3.0

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (Debian package systemd, in scripts/deps.sh): %v", name, err)
	}
	return p
}

// stageUnit writes the unit into a fresh directory as `make install` would
// (ExecStart pointing at an executable that exists, since verify checks it),
// with the drop-in, if any, in avwatch.service.d/. It returns the unit path.
func stageUnit(t *testing.T, dropin string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "avwatch")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("avwatch.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := bytes.Replace(src, []byte("\nExecStart=/usr/bin/avwatch "), []byte("\nExecStart="+bin+" "), 1)
	if bytes.Equal(unit, src) {
		t.Fatal("avwatch.service: no `ExecStart=/usr/bin/avwatch ` line to rewrite (packaging/install.sh relies on it)")
	}
	path := filepath.Join(dir, "avwatch.service")
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	if dropin != "" {
		d := filepath.Join(dir, "avwatch.service.d")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(dropin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, filepath.Base(dropin)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// verify runs systemd-analyze verify and returns its complaints. It exits 0
// on many problems (unknown keys, bad values "ignoring"), so any output at
// all counts as a complaint.
func verify(t *testing.T, unit string) string {
	t.Helper()
	cmd := exec.Command(needTool(t, "systemd-analyze"), "verify", "--man=no", unit)
	out, err := cmd.CombinedOutput()
	msg := strings.TrimSpace(string(out))
	if err != nil && msg == "" {
		msg = err.Error()
	}
	return msg
}

var exposureRE = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)

func exposure(t *testing.T, unit string) float64 {
	t.Helper()
	cmd := exec.Command(needTool(t, "systemd-analyze"), "security", "--offline=true", "--no-pager", unit)
	out, err := cmd.CombinedOutput()
	m := exposureRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security %s: no overall exposure in output (%v):\n%s", unit, err, out)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func dropins(t *testing.T) []string {
	t.Helper()
	d, err := filepath.Glob("dropins/*.conf")
	if err != nil || len(d) == 0 {
		t.Fatalf("no drop-in examples in systemd/dropins (%v)", err)
	}
	return d
}

func TestUnitVerifies(t *testing.T) {
	if msg := verify(t, stageUnit(t, "")); msg != "" {
		t.Errorf("systemd-analyze verify avwatch.service:\n%s", msg)
	}
	for _, d := range dropins(t) {
		t.Run(filepath.Base(d), func(t *testing.T) {
			if msg := verify(t, stageUnit(t, d)); msg != "" {
				t.Errorf("systemd-analyze verify avwatch.service + %s:\n%s", d, msg)
			}
		})
	}
}

// The check above must be able to fail: a misspelt key is only a warning
// with exit status 0, which a test looking at the status alone would miss.
func TestVerifyCatchesBrokenUnit(t *testing.T) {
	path := stageUnit(t, "")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), "ProtectHome=yes", "ProtectHomme=yes", 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg := verify(t, path); !strings.Contains(msg, "ProtectHomme") {
		t.Errorf("verify did not report the unknown key ProtectHomme; got %q", msg)
	}
}

func TestUnitSecurityExposure(t *testing.T) {
	v := exposure(t, stageUnit(t, ""))
	t.Logf("systemd-analyze security --offline=true avwatch.service: exposure %.1f", v)
	if v > maxExposure {
		t.Errorf("exposure %.1f > %.1f: the hardening regressed (systemd-analyze security --offline=true systemd/avwatch.service lists the items)", v, maxExposure)
	}
	for _, d := range dropins(t) {
		t.Run(filepath.Base(d), func(t *testing.T) {
			dv := exposure(t, stageUnit(t, d))
			t.Logf("with %s: exposure %.1f", d, dv)
			if dv > maxExposure {
				t.Errorf("exposure with %s %.1f > %.1f", d, dv, maxExposure)
			}
		})
	}
}

// unitSettings parses a unit into key -> values (in order; keys repeat).
func unitSettings(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: not key=value: %q", path, line)
		}
		kv[k] = append(kv[k], v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return kv
}

// The settings the issue and the agent rely on; the score alone would not
// notice, say, the watchdog or the credential going missing.
func TestUnitContract(t *testing.T) {
	kv := unitSettings(t, "avwatch.service")
	want := map[string]string{
		"Type":                    "notify",
		"NotifyAccess":            "main",
		"WatchdogSec":             "30s",
		"Restart":                 "on-failure",
		"ExecStart":               "/usr/bin/avwatch run -c /etc/avwatch/avwatch.yaml",
		"ExecReload":              "/bin/kill -HUP $MAINPID",
		"User":                    "avwatch",
		"SupplementaryGroups":     "video render",
		"StateDirectory":          "avwatch",
		"ConfigurationDirectory":  "avwatch",
		"LoadCredential":          "mqtt-password:/etc/avwatch/mqtt-password",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"PrivateDevices":          "no",
		"DevicePolicy":            "closed",
		"MemoryDenyWriteExecute":  "yes",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
		"WantedBy":                "multi-user.target",
	}
	for k, v := range want {
		if got := kv[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s=%q, want exactly %s=%s", k, got, k, v)
		}
	}
	if got := kv["SystemCallFilter"]; len(got) == 0 || got[0] != "@system-service" {
		t.Errorf("SystemCallFilter=%q, want @system-service first", got)
	}
	// ORC needs a writable, exec-able $HOME under MemoryDenyWriteExecute.
	if !contains(kv["Environment"], "HOME=%S/avwatch") {
		t.Errorf("Environment=%q lacks HOME=%%S/avwatch", kv["Environment"])
	}
	allowed := map[string]bool{}
	for _, v := range kv["DeviceAllow"] {
		allowed[v] = true
	}
	for _, d := range []string{"char-drm rw", "char-video4linux rw", "char-nvidia* rw", "char-nvhost* rw"} {
		if !allowed[d] {
			t.Errorf("DeviceAllow=%s missing (have %q)", d, kv["DeviceAllow"])
		}
	}
	if len(allowed) != len(kv["DeviceAllow"]) {
		t.Errorf("duplicate DeviceAllow= lines: %q", kv["DeviceAllow"])
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// systemd-sysusers --root applies the file to a scratch /etc: the user gets
// the state directory as home and membership of video and render, and render
// is created where the system lacks it (as on this build machine).
func TestSysusersCreatesUser(t *testing.T) {
	sysusers := needTool(t, "systemd-sysusers")
	root := t.TempDir()
	etc := filepath.Join(root, "etc")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"passwd": "root:x:0:0:root:/root:/bin/bash\n",
		"group":  "root:x:0:\nvideo:x:44:\n",
		"shadow": "root:*:19000:0:99999:7:::\n", "gshadow": "root:*::\nvideo:*::\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(etc, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	conf, err := filepath.Abs("sysusers.conf")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(sysusers, "--root="+root, conf).CombinedOutput(); err != nil {
		t.Fatalf("systemd-sysusers --root: %v\n%s", err, out)
	}
	passwd, _ := os.ReadFile(filepath.Join(etc, "passwd"))
	group, _ := os.ReadFile(filepath.Join(etc, "group"))
	if !regexp.MustCompile(`(?m)^avwatch:x:\d+:\d+:[^:]*:/var/lib/avwatch:/usr/sbin/nologin$`).Match(passwd) {
		t.Errorf("no avwatch system user with home /var/lib/avwatch in passwd:\n%s", passwd)
	}
	for _, g := range []string{"video", "render"} {
		if !regexp.MustCompile(`(?m)^` + g + `:x:\d+:(.*,)?avwatch(,.*)?$`).Match(group) {
			t.Errorf("avwatch not in group %s:\n%s", g, group)
		}
	}
	if !regexp.MustCompile(`(?m)^avwatch:x:\d+:$`).Match(group) {
		t.Errorf("no avwatch group:\n%s", group)
	}
}

// The score check must be able to fail too: the same unit stripped of its
// hardening has to land above the bar.
func TestExposureCatchesWeakUnit(t *testing.T) {
	path := stageUnit(t, "")
	kv := unitSettings(t, path)
	weak := "[Unit]\nDescription=weak\n[Service]\nType=notify\nExecStart=" + kv["ExecStart"][0] + "\n"
	if err := os.WriteFile(path, []byte(weak), 0o644); err != nil {
		t.Fatal(err)
	}
	if v := exposure(t, path); v <= maxExposure {
		t.Errorf("an unhardened unit scored %.1f, not above %.1f: the exposure check cannot fail", v, maxExposure)
	}
}
