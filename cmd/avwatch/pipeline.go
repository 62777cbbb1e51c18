package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/avwatch/avwatch/pipeline"
	"github.com/avwatch/avwatch/pipeline/event"
)

func init() {
	register("pipeline", "print the GStreamer pipeline avwatch would run for a source", runPipeline)
}

func runPipeline(args []string) int {
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: avwatch pipeline [flags] SOURCE

Prints the launch string avwatch runs for SOURCE (stdout) and how it was
chosen (stderr). Copy it into a stream's "pipeline:" to tweak it, or use
the {source} {decode} {video} {audio} {sink} placeholders (pipeline/README.md).

flags:
`)
		fs.PrintDefaults()
	}
	hwaccel := fs.String("hwaccel", "auto", "decoding: auto, nvidia, jetson, vaapi, v4l2, rockchip, software")
	sync := fs.Bool("sync", true, "real-time playback as the agent runs it (false: as fast as possible, as avwatch check)")
	timeout := fs.Duration("probe-timeout", 10*time.Second, "how long to wait for a source's streams")
	tpl := fs.String("template", "", "expand a user pipeline template against SOURCE instead")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	d, err := pipeline.Describe(context.Background(), event.Spec{Source: pos[0], HWAccel: *hwaccel, Sync: *sync, Pipeline: *tpl}, *timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "avwatch pipeline: %v\n", err)
		return 2
	}
	fmt.Println(d.Launch)
	if !d.Probed {
		fmt.Fprintf(os.Stderr, "# could not probe the source (%v); assumed audio and video\n", d.ProbeError)
	} else if d.Media.Video || d.Media.Audio {
		fmt.Fprintf(os.Stderr, "# streams: video=%v (%s) audio=%v\n", d.Media.Video, codecName(string(d.Media.Codec)), d.Media.Audio)
	}
	p := d.Plan
	switch {
	case p.Decoder != "":
		fmt.Fprintf(os.Stderr, "# video decoder: %s (named in the string)\n", p.Decoder)
	case len(p.Raise) > 0:
		fmt.Fprintf(os.Stderr, "# video decoder: decodebin3 picks it; avwatch raises the rank of %v (%s)\n", p.Raise, p.Family)
	case d.Media.Video:
		fmt.Fprintln(os.Stderr, "# video decoder: decodebin3 picks the best software decoder")
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(os.Stderr, "# warning: %s\n", w)
	}
	env := pipeline.RankEnv(p.Raise)
	if env != "" {
		env += " "
	}
	fmt.Fprintf(os.Stderr, "# to run it by hand: %sGST_PLUGIN_PATH=<dir of libgstavwatch.so> gst-launch-1.0 -m '<the line above>'\n", env)
	return 0
}

func codecName(c string) string {
	if c == "" {
		return "codec unknown"
	}
	return c
}
