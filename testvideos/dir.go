package testvideos

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// EnvDir names the environment variable that points at a generated set
// (make test sets it).
const EnvDir = "AVWATCH_TESTVIDEOS"

// Fresh reports whether dir holds a complete set made by the current
// generator sources: truth.json's generator starts with SourceHash() and
// every clip file exists with its recorded size. (The GStreamer part of
// the generator id is checked by the generator itself, which can ask
// GStreamer; this package stays free of cgo.)
func Fresh(dir string) (*Truth, error) {
	t, err := Load(dir)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(t.Generator, SourceHash()+"+") {
		return nil, fmt.Errorf("test clips in %s are stale: made by generator %q, sources are now %s", dir, t.Generator, SourceHash())
	}
	for _, c := range t.Clips {
		st, err := os.Stat(filepath.Join(dir, c.Clip))
		if err != nil {
			return nil, fmt.Errorf("test clips in %s are incomplete: %w", dir, err)
		}
		if c.Bytes != 0 && st.Size() != c.Bytes {
			return nil, fmt.Errorf("test clips in %s: %s is %d bytes, truth.json says %d", dir, c.Clip, st.Size(), c.Bytes)
		}
	}
	return t, nil
}

// Dir returns a directory holding a fresh set of test clips: $AVWATCH_TESTVIDEOS
// when that holds one, otherwise <module root>/testvideos/out, generated
// there first if needed (`go run ./testvideos/gen`, which serialises
// concurrent callers with a file lock). It fails the test when the clips
// cannot be had.
func Dir(tb testing.TB) string {
	tb.Helper()
	if env := os.Getenv(EnvDir); env != "" {
		if _, err := Fresh(env); err == nil {
			return env
		} else {
			tb.Logf("%s: %v; using the default directory", EnvDir, err)
		}
	}
	root, err := moduleRoot()
	if err != nil {
		tb.Fatalf("test clips: %v", err)
	}
	out := filepath.Join(root, "testvideos", "out")
	if _, err := Fresh(out); err == nil {
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./testvideos/gen", "-out", out)
	cmd.Dir = root
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	if err := cmd.Run(); err != nil {
		tb.Fatalf("test clips: `go run ./testvideos/gen -out %s` in %s failed: %v\n%s\n(run `make testvideos` to see the full output)", out, root, err, tail(buf.String(), 3000))
	}
	if _, err := Fresh(out); err != nil {
		tb.Fatalf("test clips: generator finished but %v", err)
	}
	tb.Logf("test clips ready in %s (%.1f s)", out, time.Since(start).Seconds())
	return out
}

// moduleRoot finds the avwatch module root: from the go command (tests run
// inside the module), else from this file's compile-time path.
func moduleRoot() (string, error) {
	if out, err := exec.Command("go", "env", "GOMOD").Output(); err == nil {
		gomod := strings.TrimSpace(string(out))
		if gomod != "" && gomod != os.DevNull {
			if b, err := os.ReadFile(gomod); err == nil && bytes.Contains(b, []byte("module github.com/avwatch/avwatch")) {
				return filepath.Dir(gomod), nil
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Dir(filepath.Dir(file))
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root, nil
		}
	}
	return "", fmt.Errorf("cannot find the avwatch module root (run the tests from inside the repository)")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
