package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/avwatch/avwatch/elements/defect"
	"github.com/avwatch/avwatch/pipeline"
	"github.com/avwatch/avwatch/pipeline/event"
)

func init() {
	register("check", "one-shot QC of files or URIs: table of defects, --json; exit 0 clean, 1 defects, 2 error", runCheck)
}

// Exit codes of avwatch check.
const (
	checkClean   = 0
	checkDefects = 1
	checkError   = 2
)

// checkDefect is one defect window in the report (the documented JSON shape).
type checkDefect struct {
	Type        defect.Type `json:"type"`
	StartS      float64     `json:"start_s"`
	EndS        float64     `json:"end_s"`
	DurationS   float64     `json:"duration_s"`
	Value       float64     `json:"value"`
	Threshold   float64     `json:"threshold"`
	OffsetMs    *float64    `json:"offset_ms,omitempty"`
	Channel     *int        `json:"channel,omitempty"`
	DigitalZero *bool       `json:"digital_zero,omitempty"`
	Element     string      `json:"-"`
}

// checkReport is one source's result.
type checkReport struct {
	Source    string        `json:"source"`
	DurationS float64       `json:"duration_s"`
	Decoder   string        `json:"decoder,omitempty"`
	Defects   []checkDefect `json:"defects"`
	// Stats holds the last value of each of videoqc's A/V sync stats
	// (av-offset-ms, av-confidence, av-source, av-signal, av-age-s): the
	// final offset estimate even when no av_offset window was raised.
	Stats map[string]float64 `json:"stats,omitempty"`
	// Warnings are what the run said the user may not expect, each once:
	// a hardware decoder asked for but unusable here, a fallback to
	// software, GStreamer's warnings (a damaged stream's decode errors).
	Warnings []string `json:"warnings,omitempty"`
	Errors   []string `json:"errors,omitempty"`

	moreWarnings int // past maxWarnings, counted in the last entry
}

// maxWarnings bounds a report's warnings: a badly damaged file can warn on
// every frame.
const maxWarnings = 10

// warn adds w unless already there; past maxWarnings the last entry
// counts the rest.
func (r *checkReport) warn(w string) {
	if slices.Contains(r.Warnings, w) {
		return
	}
	if len(r.Warnings) < maxWarnings {
		r.Warnings = append(r.Warnings, w)
		return
	}
	r.moreWarnings++
	if r.moreWarnings == 1 {
		r.Warnings = append(r.Warnings, "1 more warning")
		return
	}
	r.Warnings[maxWarnings] = fmt.Sprintf("%d more warnings", r.moreWarnings)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runCheck(args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: avwatch check [flags] FILE|URI...

Analyses each source as fast as decoding allows and prints its defects.
Exit code: 0 clean, 1 defects found, 2 an error (unreadable, damaged or
missing input; the defects found before it are still printed).

flags:
`)
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print one JSON object per source instead of a table")
	hwaccel := fs.String("hwaccel", "auto", "decoding: auto, nvidia, jetson, vaapi, v4l2, rockchip, software")
	duration := fs.Duration("duration", 0, "stop after this much wall time (live sources run until interrupted otherwise)")
	background := fs.String("background", "auto", "analyse in the decoders' waits at idle CPU priority: on, off, or auto (on unless other processes kept half a core or more busy while the check started: idle-priority analysis would wait for them)")
	progress := fs.String("progress", "auto", "progress on stderr: auto (a bar on a terminal, a line every 10 s otherwise), bar, lines, none")
	var props multiFlag
	fs.Var(&props, "set", "detector setting element.property=value, repeatable (e.g. --set videoqc.black-min-duration=1)")
	srcs, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return checkClean
		}
		return checkError
	}
	if len(srcs) == 0 {
		fs.Usage()
		return checkError
	}
	switch *background {
	case "auto", "on", "off":
	default:
		fmt.Fprintf(os.Stderr, "avwatch check: --background %q: write auto, on or off\n", *background)
		return checkError
	}
	properties := map[string]string{}
	for _, p := range props {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "avwatch check: --set %q: write element.property=value\n", p)
			return checkError
		}
		properties[k] = v
	}
	// The report has no pictures: a snapshot would be a JPEG encoded and
	// dropped (~3.5 ms of CPU each for 720p, plus a thumbnail copy of
	// each candidate's first frame).
	if _, ok := properties["videoqc.snapshot"]; !ok {
		properties["videoqc.snapshot"] = "false"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	code := checkClean
	load := &loadMeter{from: sampleCPU()}
	for _, src := range srcs {
		rep := checkOne(ctx, src, *hwaccel, properties, *duration, progressMode(*progress), *background, load)
		switch {
		case len(rep.Errors) > 0:
			code = checkError
		case len(rep.Defects) > 0 && code == checkClean:
			code = checkDefects
		}
		if *asJSON {
			b, _ := json.Marshal(rep)
			fmt.Println(string(b))
		} else {
			printReport(os.Stdout, rep)
		}
		if *asJSON {
			for _, w := range rep.Warnings {
				fmt.Fprintf(os.Stderr, "avwatch check: %s: warning: %s\n", src, w)
			}
		}
		for _, e := range rep.Errors {
			fmt.Fprintf(os.Stderr, "avwatch check: %s: %s\n", src, e)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return code
}

// parseInterspersed parses flags that may come after the positional
// arguments (`avwatch check clip.ts --json`).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

type progressKind int

const (
	progressNone progressKind = iota
	progressBar
	progressLines
)

func progressMode(s string) progressKind {
	switch s {
	case "bar":
		return progressBar
	case "lines":
		return progressLines
	case "none":
		return progressNone
	}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		return progressBar
	}
	return progressLines
}

// busyOthers is how many cores other processes may keep busy before
// --background=auto keeps the analysers at normal priority. Next to two
// busy loops on 2 cores, idle-priority analysis made a 16 s clip's check
// take 53–56 s instead of 1.4 s (next to one: 2.4 s against 2.2 s for
// three clips, so half a core is cautious). In a window of minWindowTicks
// or more a busy loop reads as ~1 core, an idle box as ~0, though a stray
// tick or two of other work sometimes reads as more (then the check only
// runs as it did before background analysis).
const busyOthers = 0.5

// minWindowTicks: /proc/stat counts 10 ms ticks, so a window must span a
// few of them per core to say anything. The first file's window (from the
// start of avwatch check to the end of its probe) is ~20 ms, and a file
// listed from its index is probed in under a millisecond, so the first
// file is judged by who else is runnable at that moment instead; each
// later file by the window since the decision before it, which spans the
// previous file's run.
const minWindowTicks = 5

// loadMeter carries the start of the load window from one file's decision
// to the next (the files of a check run one after another).
type loadMeter struct{ from cpuSample }

// checkOptions are the runner options of avwatch check.
func checkOptions(background string, load *loadMeter) pipeline.Options {
	o := pipeline.Options{Once: true, StatsInterval: 250 * time.Millisecond, Background: background != "off"}
	if background == "auto" {
		o.BackgroundIf = func() bool {
			now := sampleCPU()
			ok := backgroundAllowed(load.from, now, othersRunnableNow)
			load.from = now
			return ok
		}
	}
	return o
}

// othersRunnableNow is othersRunnable at its highest over three samples: a
// thread of ours that turns runnable between the two reads of one sample
// hides another process's.
func othersRunnableNow() (int, bool) {
	best, any := 0, false
	for i := 0; i < 3; i++ {
		if n, ok := othersRunnable(); ok {
			best, any = max(best, n), true
		}
	}
	return best, any
}

// backgroundAllowed decides --background=auto from two samples: the share
// of cores other processes used between them where the window is long
// enough, else whether any other thread is runnable now. Unknown (not
// Linux): on.
func backgroundAllowed(start, now cpuSample, others func() (int, bool)) bool {
	if windowTicks(start, now) >= minWindowTicks {
		cores, ok := othersCores(start, now)
		return !ok || cores < busyOthers
	}
	n, ok := others()
	return !ok || n == 0
}

// edgeTime places a defect edge on the file's timeline, from its first
// frame or sample, with the origins the run settled on (firstST, firstPTS:
// seconds from its last stats, <0 unknown). The runner stamps MediaTime
// the same way when it handles each edge, but with the origins of the
// streams that have started by then: audio that runs ahead while a GPU
// decoder starts (~2 s of CUDA start-up on an H100) would be dated from the
// audio alone. Else the runner's stamp; else its stream time or PTS.
func edgeTime(ev event.Event, firstST, firstPTS float64) float64 {
	sec := func(v float64) time.Duration { return time.Duration(math.Round(v * float64(time.Second))) }
	d := ev.Defect
	if t, ok := event.MediaTimeOf(d, sec(firstST), sec(firstPTS)); ok {
		return t.Seconds()
	}
	switch {
	case ev.HasMediaTime:
		return ev.MediaTime.Seconds()
	case d.StreamTime >= 0:
		return d.StreamTime.Seconds()
	}
	return math.Max(0, d.PTS.Seconds())
}

// checkOne runs one source to its end and gathers its report.
func checkOne(ctx context.Context, src, hwaccel string, props map[string]string, limit time.Duration, prog progressKind, background string, load *loadMeter) checkReport {
	rep := checkReport{Source: src, Defects: []checkDefect{}}
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	s, err := pipeline.StartWith(ctx, event.Spec{Name: src, Source: src, HWAccel: hwaccel, Properties: props},
		checkOptions(background, load))
	if err != nil {
		rep.Errors = append(rep.Errors, trimSource(err.Error(), src))
		return rep
	}
	defer s.Stop()
	var edges []event.Event // defect edges, converted once media time zero is known
	bar := newProgress(os.Stderr, filepath.Base(src), prog)
	var position, duration float64
	firstPTS, firstST := -1.0, -1.0
	for ev := range s.Events() {
		switch ev.Kind {
		case event.KindDefect:
			edges = append(edges, ev)
		case event.KindStats:
			if ev.Element == "pipeline" {
				if v, ok := ev.Stats["position_s"]; ok {
					position = v
				}
				if v, ok := ev.Stats["duration_s"]; ok {
					duration = v
				}
				if v, ok := ev.Stats["first_pts_s"]; ok {
					firstPTS = v
				}
				if v, ok := ev.Stats["first_st_s"]; ok {
					firstST = v
				}
				bar.update(position, duration, ev.Stats["fps"])
			}
			if ev.Element == "videoqc" {
				for k, v := range ev.Stats {
					if strings.HasPrefix(k, "av-") {
						if rep.Stats == nil {
							rep.Stats = map[string]float64{}
						}
						rep.Stats[k] = finite(v)
					}
				}
			}
		case event.KindDecoder:
			rep.Decoder = ev.Decoder
		case event.KindError:
			rep.Errors = append(rep.Errors, trimSource(ev.Message, src))
		case event.KindWarning:
			rep.warn(trimSource(ev.Message, src))
		case event.KindState:
			if ev.Decoder != "" {
				rep.Decoder = ev.Decoder
			}
		}
	}
	bar.done()
	rep.DurationS = duration
	if rep.DurationS <= 0 {
		rep.DurationS = position
	}
	mediaTime := func(ev event.Event) float64 { return edgeTime(ev, firstST, firstPTS) }
	open := map[string]*checkDefect{} // by type and channel
	for _, ev := range edges {
		d := ev.Defect
		key := fmt.Sprintf("%s/%d", d.Type, d.Channel)
		switch d.Edge {
		case defect.Start:
			open[key] = newCheckDefect(d, ev.Element, mediaTime(ev))
		case defect.End:
			c := open[key]
			if c == nil { // an end without its start: the window from its duration
				c = newCheckDefect(d, ev.Element, mediaTime(ev)-d.Duration.Seconds())
			}
			delete(open, key)
			c.EndS = mediaTime(ev)
			c.DurationS = c.EndS - c.StartS
			if d.Duration > 0 {
				c.DurationS = d.Duration.Seconds()
			}
			c.Value, c.Threshold = finite(d.Value), finite(d.Threshold)
			if d.Type == defect.AVOffset {
				c.OffsetMs = ptr(d.OffsetMs)
			}
			rep.Defects = append(rep.Defects, *c)
		}
	}
	// Windows still open at the end (the source ended inside a defect).
	keys := make([]string, 0, len(open))
	for k := range open {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := open[k]
		c.EndS = math.Max(rep.DurationS, c.StartS)
		c.DurationS = c.EndS - c.StartS
		rep.Defects = append(rep.Defects, *c)
	}
	// By start, then type, channel and end: windows that start together (a black
	// and silent opening) would otherwise come in the order the video and
	// audio threads happened to report them, and the same file would give
	// different reports.
	sort.SliceStable(rep.Defects, func(i, j int) bool {
		a, b := rep.Defects[i], rep.Defects[j]
		if a.StartS != b.StartS {
			return a.StartS < b.StartS
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Channel != nil && b.Channel != nil && *a.Channel != *b.Channel {
			return *a.Channel < *b.Channel
		}
		return a.EndS < b.EndS
	})
	// Media times to 0.1 ms: finer is noise, and reads badly.
	round := func(v float64) float64 { return math.Round(v*1e4) / 1e4 }
	rep.DurationS = round(rep.DurationS)
	for i := range rep.Defects {
		d := &rep.Defects[i]
		d.StartS, d.EndS, d.DurationS = round(d.StartS), round(d.EndS), round(d.DurationS)
	}
	if ctx.Err() != nil && limit == 0 {
		rep.Errors = append(rep.Errors, "interrupted")
	}
	return rep
}

// trimSource drops a leading "SOURCE: " from an error: the report and the
// stderr line name the source already.
func trimSource(msg, src string) string {
	names := []string{src, "source " + src}
	if abs, err := filepath.Abs(src); err == nil {
		names = append(names, "file://"+abs, "source "+abs)
	}
	for _, n := range names {
		if rest, ok := strings.CutPrefix(msg, n+": "); ok {
			return rest
		}
	}
	return msg
}

func newCheckDefect(d defect.Event, element string, start float64) *checkDefect {
	c := &checkDefect{Type: d.Type, StartS: start, Value: finite(d.Value), Threshold: finite(d.Threshold), Element: element}
	if d.Channel >= 0 {
		c.Channel = ptr(d.Channel)
	}
	if d.Type == defect.AVOffset {
		c.OffsetMs = ptr(d.OffsetMs)
	}
	if d.Type == defect.Silence {
		c.DigitalZero = ptr(d.DigitalZero)
	}
	return c
}

// finite keeps JSON valid: ±Inf (e.g. -Inf dBFS of digital silence) and NaN
// become large finite numbers or 0.
func finite(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func printReport(w io.Writer, r checkReport) {
	head := fmt.Sprintf("%s: %.2f s", r.Source, r.DurationS)
	if r.Decoder != "" {
		head += ", decoder " + r.Decoder
	}
	switch n := len(r.Defects); {
	case len(r.Errors) > 0:
		head += fmt.Sprintf(", ERROR (%d defects before it)", n)
	case n == 0:
		head += ", no defects"
	case n == 1:
		head += ", 1 defect"
	default:
		head += fmt.Sprintf(", %d defects", n)
	}
	fmt.Fprintln(w, head)
	if len(r.Defects) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  TYPE\tSTART s\tEND s\tDURATION s\tVALUE\tTHRESHOLD\t DETAIL\t")
		for _, d := range r.Defects {
			var detail []string
			if d.Channel != nil {
				detail = append(detail, fmt.Sprintf("channel %d", *d.Channel))
			}
			if d.OffsetMs != nil {
				detail = append(detail, fmt.Sprintf("offset %+.0f ms", *d.OffsetMs))
			}
			if d.DigitalZero != nil && *d.DigitalZero {
				detail = append(detail, "digital zero")
			}
			fmt.Fprintf(tw, "  %s\t%.3f\t%.3f\t%.3f\t%s\t%s\t %s\t\n", d.Type, d.StartS, d.EndS, d.DurationS,
				num(d.Value), num(d.Threshold), strings.Join(detail, ", "))
		}
		tw.Flush()
	}
	for _, m := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", m)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}

func num(v float64) string {
	switch {
	case v >= math.MaxFloat64:
		return "+inf"
	case v <= -math.MaxFloat64:
		return "-inf"
	}
	return fmt.Sprintf("%.4g", v)
}

// progress shows how far a check got, on stderr.
type progress struct {
	w        io.Writer
	name     string
	kind     progressKind
	last     time.Time
	start    time.Time
	drawn    bool
	lastLine time.Time
}

func newProgress(w io.Writer, name string, k progressKind) *progress {
	return &progress{w: w, name: name, kind: k, start: time.Now(), lastLine: time.Now()}
}

func (p *progress) update(pos, dur, fps float64) {
	switch p.kind {
	case progressBar:
		if time.Since(p.last) < 200*time.Millisecond {
			return
		}
		p.last = time.Now()
		const width = 30
		frac := 0.0
		if dur > 0 {
			frac = math.Min(pos/dur, 1)
		}
		n := int(frac * width)
		bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
		if dur > 0 {
			fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% %.1f/%.1f s %4.0f fps ", p.name, bar, frac*100, pos, dur, fps)
		} else {
			fmt.Fprintf(p.w, "\r%s %.1f s %4.0f fps ", p.name, pos, fps)
		}
		p.drawn = true
	case progressLines:
		if time.Since(p.lastLine) < 10*time.Second {
			return
		}
		p.lastLine = time.Now()
		if dur > 0 {
			fmt.Fprintf(p.w, "%s: %.0f%% (%.1f of %.1f s)\n", p.name, math.Min(pos/dur, 1)*100, pos, dur)
		} else {
			fmt.Fprintf(p.w, "%s: %.1f s\n", p.name, pos)
		}
	}
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 80))
	}
}
