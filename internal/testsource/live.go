package testsource

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Proc is a live source running as its own process.
type Proc struct {
	t     testing.TB
	name  string
	args  []string
	ready string // line on stdout that says it is up ("" none)
	mu    sync.Mutex
	cmd   *exec.Cmd
	exit  chan struct{}
}

// Start (re)starts the process and waits until it is ready.
func (p *Proc) Start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.t.Fatalf("%s already running", p.name)
	}
	cmd := exec.Command(p.name, p.args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("starting %s: %v", p.name, err)
	}
	p.cmd = cmd
	p.exit = make(chan struct{})
	readyc := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if !sent && p.ready != "" && strings.Contains(sc.Text(), p.ready) {
				readyc <- true
				sent = true
			}
		}
		if !sent {
			readyc <- false
		}
	}()
	go func(c *exec.Cmd, exit chan struct{}) { c.Wait(); close(exit) }(cmd, p.exit)
	if p.ready == "" {
		return
	}
	select {
	case ok := <-readyc:
		if !ok {
			p.t.Fatalf("%s exited before it was ready", p.name)
		}
	case <-time.After(20 * time.Second):
		p.t.Fatalf("%s not ready after 20 s", p.name)
	}
}

// Kill kills the process (SIGKILL: a camera losing power) and waits for it.
func (p *Proc) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Kill()
	<-p.exit
	p.cmd = nil
}

func newProc(t testing.TB, ready, name string, args ...string) *Proc {
	p := &Proc{t: t, name: name, args: args, ready: ready}
	t.Cleanup(p.Kill)
	p.Start()
	return p
}

// FreeTCPPort returns a loopback TCP port that was free a moment ago.
func FreeTCPPort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeUDPPort returns a loopback UDP port that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

const liveVideo = "videotestsrc is-live=true horizontal-speed=4 ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25"
const liveAudio = "audiotestsrc is-live=true volume=0.1 ! audio/x-raw,rate=48000,channels=2 ! voaacenc"

// UDPSender sends live H.264 + AAC in MPEG-TS to 127.0.0.1:port, like an
// encoder pushing to a monitoring box. The source URI is udp://127.0.0.1:port.
func UDPSender(t testing.TB, port int) *Proc {
	desc := fmt.Sprintf("%s ! h264parse ! mux. %s ! aacparse ! mux. mpegtsmux name=mux alignment=7 ! udpsink host=127.0.0.1 port=%d sync=true",
		liveVideo, liveAudio, port)
	return newProc(t, "", "gst-launch-1.0", append([]string{"-q"}, strings.Fields(desc)...)...)
}

// SRTListener sends live H.264 + AAC in MPEG-TS as an SRT listener on
// 127.0.0.1:port; the source URI is srt://127.0.0.1:port?mode=caller.
func SRTListener(t testing.TB, port int) *Proc {
	desc := fmt.Sprintf("%s ! h264parse ! mux. %s ! aacparse ! mux. mpegtsmux name=mux alignment=7 ! srtsink uri=srt://127.0.0.1:%d?mode=listener wait-for-connection=false",
		liveVideo, liveAudio, port)
	return newProc(t, "", "gst-launch-1.0", append([]string{"-q"}, strings.Fields(desc)...)...)
}

// RTSPServer serves live H.264 (+ AAC when audio) on
// rtsp://127.0.0.1:port/live from its own process.
func RTSPServer(t testing.TB, port int, audio bool) *Proc {
	launch := "( " + liveVideo + " ! rtph264pay name=pay0 pt=96 "
	if audio {
		launch += liveAudio + " ! rtpmp4gpay name=pay1 pt=97 "
	}
	launch += ")"
	return newProc(t, "ready", rtspBinary(t), "-port", fmt.Sprint(port), "-mount", "/live", "-launch", launch)
}

var buildMu sync.Mutex

// rtspBinary builds ./rtspserver once (cached by the hash of its source).
func rtspBinary(t testing.TB) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	srcDir := filepath.Join(filepath.Dir(self), "rtspserver")
	src, err := os.ReadFile(filepath.Join(srcDir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(src)
	bin := filepath.Join(Dir(), "rtspserver-"+hex.EncodeToString(sum[:8]))
	buildMu.Lock()
	defer buildMu.Unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(Dir(), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, ".")
	cmd.Dir = srcDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building rtspserver: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}
