package packaging

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestDpkgInstall installs the package on this machine, runs the installed
// avwatch (version, doctor) and purges it. It changes the system (a package,
// the avwatch user, maybe the render group), so it runs only when asked:
//
//	AVWATCH_TEST_DPKG=1 go test ./packaging -run Dpkg -v
func TestDpkgInstall(t *testing.T) {
	if os.Getenv("AVWATCH_TEST_DPKG") != "1" {
		t.Skip("changes the system (dpkg -i, a system user); set AVWATCH_TEST_DPKG=1 to run it")
	}
	if os.Geteuid() != 0 {
		t.Skip("dpkg -i needs root")
	}
	need(t, "dpkg", "getent")
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "avwatch").Output(); err == nil && strings.Contains(string(out), "installed") {
		t.Skip("an avwatch package is installed already; not touching it")
	}
	deb := buildDeb(t)
	if debStandIn {
		// A copy of coreelements in the system plugin dir would clash with
		// the real one in every GStreamer process on this machine.
		t.Fatal("needs the real plugin: run `make plugin` first (build/libgstavwatch.so)")
	}
	exists := func(db, name string) bool { return exec.Command("getent", db, name).Run() == nil }
	hadUser, hadRender := exists("passwd", "avwatch"), exists("group", "render")

	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		exec.Command("dpkg", "--purge", "avwatch").Run()
		if !hadUser {
			exec.Command("userdel", "avwatch").Run()
			exec.Command("groupdel", "avwatch").Run()
		}
		if !hadRender {
			exec.Command("groupdel", "render").Run()
		}
	})

	t.Log(run("dpkg", "-i", deb))
	groups := run("id", "-nG", "avwatch")
	for _, g := range []string{"avwatch", "video", "render"} {
		if !strings.Contains(" "+strings.TrimSpace(groups)+" ", " "+g+" ") {
			t.Errorf("avwatch user not in group %s: %s", g, groups)
		}
	}
	if home := run("getent", "passwd", "avwatch"); !strings.Contains(home, ":/var/lib/avwatch:") {
		t.Errorf("avwatch home: %s", home)
	}
	if st, err := os.Stat("/etc/avwatch/mqtt-password"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("/etc/avwatch/mqtt-password: %v %v, want mode 0600", st, err)
	}
	if v := run("/usr/bin/avwatch", "version"); !strings.Contains(v, testVersion) {
		t.Errorf("avwatch version: %q, want %s", v, testVersion)
	}
	usage, _ := exec.Command("/usr/bin/avwatch").CombinedOutput()
	if !strings.Contains(string(usage), "doctor") {
		t.Fatalf("the installed avwatch has no doctor command:\n%s", usage)
	}
	doc, err := exec.Command("/usr/bin/avwatch", "doctor").CombinedOutput()
	t.Logf("avwatch doctor:\n%s", doc)
	if err != nil {
		t.Errorf("avwatch doctor: %v", err)
	}

	// The service's user, with the service's groups and a private $HOME like
	// the unit's, sees the same GStreamer and decoders.
	if _, err := exec.LookPath("setpriv"); err == nil {
		home := t.TempDir()
		run("chown", "avwatch:avwatch", home)
		cmd := exec.Command("setpriv", "--reuid=avwatch", "--regid=avwatch", "--init-groups",
			"env", "HOME="+home, "XDG_CACHE_HOME="+home+"/.cache", "/usr/bin/avwatch", "doctor")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("avwatch doctor as user avwatch: %v\n%s", err, out)
		} else if string(out) != string(doc) {
			t.Logf("avwatch doctor as user avwatch differs from root's:\n%s", out)
		}
	}

	run("dpkg", "--purge", "avwatch")
	for _, p := range []string{"/usr/bin/avwatch", "/usr/lib/systemd/system/avwatch.service", "/etc/avwatch"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s still there after dpkg --purge", p)
		}
	}
}
