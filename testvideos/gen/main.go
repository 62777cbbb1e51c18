// Command gen writes the test clips and their ground truth:
//
//	go run ./testvideos/gen -out DIR
//
// It is deterministic (same sources and GStreamer → same bytes), cached (it
// exits at once when DIR/truth.json was made by the same sources and
// GStreamer), atomic (it builds DIR.tmp-PID and renames it into place, so a
// half-written set never looks fresh) and serialised (a lock file DIR.lock
// keeps two generators from running at once).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/avwatch/avwatch/testvideos"
	"github.com/avwatch/avwatch/testvideos/internal/container"
	"github.com/avwatch/avwatch/testvideos/internal/media"
	"github.com/avwatch/avwatch/testvideos/internal/plan"
	"github.com/avwatch/avwatch/testvideos/internal/synth"
)

func main() {
	out := flag.String("out", "", "directory to write the clips and truth.json into (required)")
	jobs := flag.Int("j", min(2, runtime.NumCPU()), "clips generated in parallel (each encoder uses one thread)")
	force := flag.Bool("force", false, "regenerate even when the set is up to date")
	only := flag.String("only", "", "generate just this clip into -out (debugging; no cache, no truth.json swap)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out DIR is required, e.g. go run ./testvideos/gen -out testvideos/out")
		os.Exit(2)
	}
	dir, err := filepath.Abs(*out)
	if err != nil {
		fatal(err)
	}
	if *only != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fatal(err)
		}
		for _, c := range plan.All() {
			if c.Meta.Clip == *only {
				meta, err := build(c, dir)
				if err != nil {
					fatal(err)
				}
				fmt.Printf("%s: %d bytes\n", meta.Clip, meta.Bytes)
				return
			}
		}
		fatal(fmt.Errorf("no clip named %q", *only))
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		fatal(err)
	}
	id := testvideos.GeneratorID(media.GstVersion())
	if !*force && upToDate(dir, id) {
		fmt.Printf("test clips in %s are up to date (generator %s)\n", dir, id)
		return
	}
	unlock, err := lock(dir + ".lock")
	if err != nil {
		fatal(err)
	}
	defer unlock()
	// Another generator may have finished while we waited for the lock.
	if !*force && upToDate(dir, id) {
		fmt.Printf("test clips in %s are up to date (generator %s)\n", dir, id)
		return
	}
	start := time.Now()
	truth, err := generate(dir, id, *jobs)
	if err != nil {
		fatal(err)
	}
	var total int64
	for _, c := range truth.Clips {
		total += c.Bytes
	}
	fmt.Printf("wrote %d clips, %.1f MB, in %.1f s to %s (generator %s)\n",
		len(truth.Clips), float64(total)/1e6, time.Since(start).Seconds(), dir, id)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

func upToDate(dir, id string) bool {
	t, err := testvideos.Fresh(dir)
	return err == nil && t.Generator == id
}

// lock takes an exclusive flock on path, waiting for another holder.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fmt.Printf("another generator holds %s; waiting for it\n", path)
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// generate builds every clip into a temporary sibling of dir and swaps it
// into place.
func generate(dir, id string, jobs int) (*testvideos.Truth, error) {
	tmp := fmt.Sprintf("%s.tmp-%d", dir, os.Getpid())
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	clips := plan.All()
	metas := make([]testvideos.Clip, len(clips))
	errs := make([]error, len(clips))
	order := make([]int, len(clips))
	for i := range order {
		order[i] = i
	}
	// Longest first: the pool finishes close to the ideal time.
	sort.SliceStable(order, func(a, b int) bool { return clips[order[a]].Cost() > clips[order[b]].Cost() })
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, jobs); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				t0 := time.Now()
				metas[i], errs[i] = build(clips[i], tmp)
				if errs[i] == nil {
					fmt.Printf("  %-26s %6.1f MB %5.1f s\n", metas[i].Clip, float64(metas[i].Bytes)/1e6, time.Since(t0).Seconds())
				}
			}
		}()
	}
	for _, i := range order {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("%s: %w", clips[i].Meta.Clip, err)
		}
	}
	truth := &testvideos.Truth{Generator: id, Clips: metas}
	for _, c := range clips {
		truth.Events = append(truth.Events, c.Events...)
	}
	b, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "truth.json"), append(b, '\n'), 0o644); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	old := fmt.Sprintf("%s.old-%d", dir, os.Getpid())
	if _, err := os.Stat(dir); err == nil {
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("move the old set aside: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("move the new set into place: %w", err)
	}
	os.RemoveAll(old)
	return truth, nil
}

// build encodes, muxes and post-processes one clip into dir.
func build(c *plan.Clip, dir string) (testvideos.Clip, error) {
	m := c.Meta
	t0 := time.Now()
	var aus []media.AU
	for _, s := range c.Segments {
		seg, err := media.EncodeVideo(m.Width, m.Height, m.FPSNum, m.FPSDen, s.From, s.To,
			media.X264{QP: s.QP, KeyInt: int(m.KeyframeS * m.FPS()), Preset: plan.Preset, Extra: plan.X264Opts}, c.Render)
		if err != nil {
			return m, err
		}
		aus = append(aus, seg...)
	}
	tEnc := time.Now()
	sound := c.Sound()
	pcm := toS16(sound)[2*plan.AudioDelay[m.AudioCodec]:]
	tSnd := time.Now()
	path := filepath.Join(dir, m.Clip)
	err := media.Mux{Path: path, Container: m.Container, W: m.Width, H: m.Height, FPSN: m.FPSNum, FPSD: m.FPSDen,
		Video: aus, AudioCodec: m.AudioCodec, Audio: pcm}.Write()
	if err != nil {
		return m, err
	}
	tMux := time.Now()
	if os.Getenv("GEN_TRACE") != "" {
		fmt.Printf("  %s: video %.1fs sound %.1fs mux %.1fs\n", m.Clip, tEnc.Sub(t0).Seconds(), tSnd.Sub(tEnc).Seconds(), tMux.Sub(tSnd).Seconds())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	switch m.Container {
	case "mp4":
		// 2024-01-01T00:00:00Z in seconds since 1904.
		if err := container.PinMP4Dates(b, 3786825600); err != nil {
			return m, err
		}
	case "mpegts":
		if len(c.Damage) > 0 {
			pes, err := container.VideoPES(b)
			if err != nil {
				return m, err
			}
			if len(pes) != m.Frames {
				return m, fmt.Errorf("expected %d video PES packets, found %d", m.Frames, len(pes))
			}
			for _, d := range c.Damage {
				r := synth.NewRand(synth.Hash(c.Seed, uint64(d.Frame)))
				if d.Flip {
					container.FlipBits(b, pes[d.Frame], d.From, d.To, r.Uint64)
				} else {
					container.Damage(b, pes[d.Frame], d.From, d.To, func() byte { return byte(r.Uint64()) })
				}
			}
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return m, err
	}
	sum := sha256.Sum256(b)
	m.Bytes, m.SHA256 = int64(len(b)), hex.EncodeToString(sum[:])
	return m, nil
}

// toS16 converts to interleaved 16-bit PCM by rounding, without dither:
// digital silence must stay exactly zero and a clipped passage exactly at
// full scale.
func toS16(s synth.Stereo) []int16 {
	out := make([]int16, 2*s.Len())
	conv := func(v float64) int16 {
		v *= 32768
		if v >= 32767 {
			return 32767
		}
		if v <= -32768 {
			return -32768
		}
		if v < 0 {
			return int16(v - 0.5)
		}
		return int16(v + 0.5)
	}
	for i := range s.L {
		out[2*i] = conv(s.L[i])
		out[2*i+1] = conv(s.R[i])
	}
	return out
}
