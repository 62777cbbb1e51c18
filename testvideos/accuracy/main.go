// Command accuracy runs `avwatch check --json` on every test clip and
// scores the reports against truth.json:
//
//	go run ./testvideos/accuracy -dir testvideos/out [-avwatch bin/avwatch] [-json]
//
// It prints precision, recall and timing error per defect type, the misses
// and false positives of each clip, and the A/V offset found on each sync
// clip next to the truth. Exit status 0 means the report was made (however
// good or bad the detectors are); 2 means it could not be (no truth file,
// no checker).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/testvideos"
	"github.com/avwatch/avwatch/testvideos/score"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// Output is the -json document.
type Output struct {
	Dir     string       `json:"dir"`
	Avwatch string       `json:"avwatch"`
	Types   []score.Type `json:"types"`
	Clips   []score.Clip `json:"clips"`
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("accuracy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "testvideos/out", "directory with truth.json and the clips (make testvideos)")
	bin := fs.String("avwatch", "bin/avwatch", "the avwatch binary to run `check --json CLIP` with (make build)")
	asJSON := fs.Bool("json", false, "print the scores as JSON")
	jobs := fs.Int("j", 2, "clips checked in parallel")
	timeout := fs.Duration("timeout", 5*time.Minute, "limit for one clip's check")
	only := fs.String("clips", "", "comma-separated clip names to score (default: all)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	truth, err := testvideos.Load(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "accuracy:", err)
		return 2
	}
	if _, err := exec.LookPath(*bin); err != nil {
		fmt.Fprintf(stderr, "accuracy: checker %s: %v (run `make build`, or pass -avwatch PATH)\n", *bin, err)
		return 2
	}
	clips := truth.Clips
	if *only != "" {
		want := map[string]bool{}
		for _, n := range strings.Split(*only, ",") {
			want[strings.TrimSpace(n)] = true
		}
		var sel []testvideos.Clip
		for _, c := range clips {
			if want[c.Clip] {
				sel = append(sel, c)
				delete(want, c.Clip)
			}
		}
		if len(want) > 0 {
			fmt.Fprintf(stderr, "accuracy: no such clip in %s/truth.json: %v\n", *dir, keys(want))
			return 2
		}
		clips = sel
	}
	results := make([]score.Clip, len(clips))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, *jobs); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				c := clips[i]
				rep, err := check(*bin, filepath.Join(*dir, c.Clip), *timeout)
				results[i] = score.ScoreClip(c, truth.EventsFor(c.Clip), rep)
				if err != nil {
					results[i].Error = err.Error()
				}
			}
		}()
	}
	for i := range clips {
		work <- i
	}
	close(work)
	wg.Wait()
	out := Output{Dir: *dir, Avwatch: *bin, Types: score.Summarize(results), Clips: results}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(stderr, "accuracy:", err)
			return 2
		}
		return 0
	}
	printText(stdout, out, truth, clips)
	return 0
}

// check runs the checker on one clip. Exit status 1 (defects found) is
// normal; 2 still carries the report of what was analysed before the error.
func check(bin, path string, timeout time.Duration) (score.Report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "check", "--json", path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		return score.Report{}, fmt.Errorf("%s check: %w", bin, err)
	}
	if ctx.Err() != nil {
		return score.Report{}, fmt.Errorf("%s check did not finish within %v", bin, timeout)
	}
	rep, perr := score.ParseReport(out.Bytes())
	switch {
	case code > 2 || code < 0:
		return rep, fmt.Errorf("%s check exited %d: %s", bin, code, lastLine(errb.String()))
	case perr != nil:
		return rep, fmt.Errorf("%s check exited %d without a JSON report: %v; %s", bin, code, perr, lastLine(errb.String()))
	case code == 2:
		msg := strings.Join(rep.Errors, "; ")
		if msg == "" {
			msg = lastLine(errb.String())
		}
		return rep, fmt.Errorf("%s check exited 2 (error): %s", bin, msg)
	}
	return rep, nil
}

func printText(w io.Writer, out Output, truth *testvideos.Truth, clips []testvideos.Clip) {
	fmt.Fprintf(w, "avwatch accuracy: %d clips in %s, checker %s\n\n", len(out.Clips), out.Dir, out.Avwatch)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tTP\tFP\tFN\tdecoy FP\tcontrol FP\toptional\tprecision\trecall\tstart err mean/max s\tend err mean/max s\toffset err mean/max ms\t")
	for _, t := range out.Types {
		off := "-"
		if t.Offset != nil {
			off = fmt.Sprintf("%.1f / %.1f", t.Offset.Mean, t.Offset.Max)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", t.Type, t.TP, t.FP, t.FN, t.DecoyHits, t.ControlFP, t.Optional,
			frac(t.Precision), frac(t.Recall), stat(t.Start), stat(t.End), off)
	}
	tw.Flush()
	fmt.Fprintln(w, "\n(timing errors are beyond each event's tolerance; decoy and control FP are included in FP; optional = side-effect events reported, neither hit nor false alarm)")

	fmt.Fprintln(w, "\nper clip:")
	for _, c := range out.Clips {
		var lines []string
		if c.Error != "" {
			lines = append(lines, "ERROR  "+c.Error)
		}
		for _, e := range c.FN {
			lines = append(lines, fmt.Sprintf("missed %s %.2f-%.2f s (%s)", e.Type, e.StartS, e.EndS, e.Note))
		}
		decoy := map[score.Defect]testvideos.Event{}
		for _, h := range c.DecoyHits {
			decoy[h.Found] = h.Decoy
		}
		for _, d := range c.FP {
			if dc, ok := decoy[d]; ok {
				lines = append(lines, fmt.Sprintf("false  %s %.2f-%.2f s inside the decoy %.2f-%.2f s (%s)", d.Type, d.StartS, d.EndS, dc.StartS, dc.EndS, dc.Note))
			} else {
				lines = append(lines, fmt.Sprintf("false  %s %.2f-%.2f s%s", d.Type, d.StartS, d.EndS, detail(d)))
			}
		}
		status := fmt.Sprintf("%d found", len(c.TP))
		if len(lines) == 0 {
			status += ", nothing missed, no false positives"
		}
		if c.Control {
			status += " (control clip)"
		}
		fmt.Fprintf(w, "  %-26s %s\n", c.Clip, status)
		for _, l := range lines {
			fmt.Fprintf(w, "  %-26s   %s\n", "", l)
		}
	}
	printAV(w, out, truth, clips)
}

// printAV shows, for every clip with an A/V offset in its truth, the true
// offset, the av_offset windows reported with their offsets and, when the
// checker reports stats, its final estimate and confidence.
func printAV(w io.Writer, out Output, truth *testvideos.Truth, clips []testvideos.Clip) {
	byClip := map[string]score.Clip{}
	for _, c := range out.Clips {
		byClip[c.Clip] = c
	}
	var rows [][]string
	for _, c := range clips {
		var tv *testvideos.Event
		for _, e := range truth.EventsFor(c.Clip) {
			if e.Type == defect.AVOffset {
				e := e
				tv = &e
			}
		}
		if tv == nil {
			continue
		}
		want := fmt.Sprintf("%+.0f", tv.OffsetMs)
		if tv.OffsetEndMs != nil {
			want += fmt.Sprintf(" → %+.0f", *tv.OffsetEndMs)
		}
		kind := "required"
		switch {
		case tv.Decoy:
			kind = "must not alert"
		case tv.Optional:
			kind = "optional"
		}
		res := byClip[c.Clip]
		var found []string
		for _, list := range [][]score.Match{res.TP, res.Optional} {
			for _, m := range list {
				if m.Truth.Type == defect.AVOffset {
					found = append(found, fmt.Sprintf("%.1f-%.1f s %s", m.Found.StartS, m.Found.EndS, offsetStr(m.Found.OffsetMs)))
				}
			}
		}
		for _, d := range res.FP {
			if d.Type == defect.AVOffset {
				found = append(found, fmt.Sprintf("%.1f-%.1f s %s (false)", d.StartS, d.EndS, offsetStr(d.OffsetMs)))
			}
		}
		if len(found) == 0 {
			found = []string{"none"}
		}
		est, conf, errMs := "-", "-", "-"
		if v, ok := res.Stats["av-offset-ms"]; ok {
			// The estimate describes a moment av-age-s before the last
			// frame (a marker pair, the middle of a correlation window):
			// a drifting truth is compared there.
			at := tv.EndS
			if age, ok := res.Stats["av-age-s"]; ok && c.DurationS > 0 {
				at = c.DurationS - age
			}
			est = fmt.Sprintf("%+.1f", v)
			errMs = fmt.Sprintf("%+.1f", v-tv.OffsetAt(at))
		}
		if v, ok := res.Stats["av-confidence"]; ok {
			conf = fmt.Sprintf("%.2f", v)
		}
		rows = append(rows, []string{c.Clip, want, kind, strings.Join(found, "; "), est, conf, errMs})
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\nA/V offset (ms, positive = audio late):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "clip\ttruth\talert\treported av_offset windows\testimate\tconfidence\testimate err\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintln(w, "(estimate and confidence are the checker's last stats av-offset-ms / av-confidence, when its report carries stats; the error is against the true offset av-age-s before the end of the clip, the moment the estimate describes, else at the end)")
}

func offsetStr(v *float64) string {
	if v == nil {
		return "(no offset_ms)"
	}
	return fmt.Sprintf("%+.1f", *v)
}

func detail(d score.Defect) string {
	var parts []string
	if d.Channel != nil {
		parts = append(parts, fmt.Sprintf("channel %d", *d.Channel))
	}
	if d.OffsetMs != nil {
		parts = append(parts, fmt.Sprintf("offset %+.0f ms", *d.OffsetMs))
	}
	if d.Value != 0 {
		parts = append(parts, fmt.Sprintf("value %.4g", d.Value))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func frac(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *p)
}

func stat(s score.Stat) string {
	if s.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f / %.3f", s.Mean, s.Max)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
