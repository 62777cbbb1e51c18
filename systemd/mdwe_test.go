package systemd

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// mdweExecEnv makes the test binary a tiny launcher: apply the kernel's W^X
// policy (what MemoryDenyWriteExecute=yes enforces with seccomp), then exec
// the command, which inherits it.
const mdweExecEnv = "AVWATCH_TEST_MDWE_EXEC"

const (
	prSetMDWE            = 65 // PR_SET_MDWE, Linux 6.3
	prMDWERefuseExecGain = 1  // PR_MDWE_REFUSE_EXEC_GAIN
)

func TestMain(m *testing.M) {
	if os.Getenv(mdweExecEnv) == "1" {
		args := os.Args[1:]
		if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetMDWE, prMDWERefuseExecGain, 0, 0, 0, 0); e != 0 {
			os.Stderr.WriteString("prctl(PR_SET_MDWE): " + e.Error() + "\n")
			os.Exit(125)
		}
		path, err := exec.LookPath(args[0])
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(127)
		}
		err = syscall.Exec(path, args, os.Environ())
		os.Stderr.WriteString("exec: " + err.Error() + "\n")
		os.Exit(126)
	}
	os.Exit(m.Run())
}

// The unit sets MemoryDenyWriteExecute=yes on the grounds that ORC (the SIMD
// JIT behind videoconvert, audioconvert, volume) maps its code through a file
// in $HOME instead of W+X memory. Run ORC's own self-test and a videoconvert
// pipeline under the W^X policy with a writable $HOME, as the unit gives it.
func TestORCUnderMemoryDenyWriteExecute(t *testing.T) {
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, 66 /* PR_GET_MDWE */, 0, 0, 0, 0, 0); e != 0 {
		t.Skipf("kernel without PR_SET_MDWE (Linux < 6.3): %v", e)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	run := func(name string, args ...string) {
		t.Helper()
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("%s not installed (liborc-0.4-dev-bin, gstreamer1.0-tools): %v", name, err)
		}
		cmd := exec.Command(self, append([]string{name}, args...)...)
		cmd.Env = append(os.Environ(), mdweExecEnv+"=1", "HOME="+home, "XDG_RUNTIME_DIR=", "ORC_CODE=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s under W^X with HOME=%s: %v\n%s", name, home, err, out)
		}
	}
	run("orc-bugreport")
	run("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=10", "!",
		"video/x-raw,format=I420,width=320,height=240", "!", "videoconvert", "!",
		"video/x-raw,format=BGRA", "!", "fakesink")
}
