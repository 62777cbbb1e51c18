package packaging

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func crossSh(t *testing.T, args ...string) (string, error) {
	t.Helper()
	need(t, "dpkg")
	out, err := exec.Command(filepath.Join(root, "packaging", "cross.sh"), args...).CombinedOutput()
	return string(out), err
}

// Native builds need nothing but cgo.
func TestCrossNative(t *testing.T) {
	arch := nativeArch(t)
	out, err := crossSh(t, arch)
	if err != nil || strings.TrimSpace(out) != "CGO_ENABLED=1" {
		t.Errorf("cross.sh %s: %v %q, want CGO_ENABLED=1", arch, err, out)
	}
}

// Without a toolchain the script must fail and say exactly what to install,
// not leave the user to a cgo error. armhf: nobody here has its sysroot.
func TestCrossSaysWhatIsMissing(t *testing.T) {
	if nativeArch(t) == "armhf" {
		t.Skip("armhf is native here")
	}
	if _, err := exec.LookPath("arm-linux-gnueabihf-gcc"); err == nil {
		if ok, _ := filepath.Glob(filepath.Join(root, "build/sysroot/armhf/.complete-armhf")); len(ok) > 0 {
			t.Skip("an armhf toolchain and sysroot are present")
		}
	}
	out, err := crossSh(t, "armhf")
	if err == nil {
		t.Fatalf("cross.sh armhf succeeded without a toolchain:\n%s", out)
	}
	for _, want := range []string{"packaging/sysroot.sh armhf build/sysroot/armhf", "packaging/cross.sh armhf --install"} {
		if !strings.Contains(out, want) {
			t.Errorf("cross.sh armhf output lacks %q:\n%s", want, out)
		}
	}
	if _, err := crossSh(t, "mips64el"); err == nil {
		t.Error("cross.sh mips64el: want an unsupported-architecture error")
	}
}
