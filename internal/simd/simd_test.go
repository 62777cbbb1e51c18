package simd

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// On amd64 Linux the kernel's own view of the CPU must agree with CPUID.
func TestAVX2MatchesCPUInfo(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		if hasAVX2() {
			t.Fatal("AVX2 reported off amd64")
		}
		return
	}
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo")
	}
	flags := ""
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "flags") {
			flags = " " + l + " "
			break
		}
	}
	want := strings.Contains(flags, " avx2 ")
	if got := hasAVX2(); got != want {
		t.Fatalf("hasAVX2() = %v, /proc/cpuinfo says avx2 = %v", got, want)
	}
}
