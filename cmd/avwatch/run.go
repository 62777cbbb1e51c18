package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/avwatch/avwatch/agent"
	"github.com/avwatch/avwatch/agent/config"
	"github.com/avwatch/avwatch/pipeline"
)

func init() {
	register("run", "the agent daemon: watch the configured streams, publish alerts over MQTT (-c FILE, --validate)", runRun)
}

const defaultConfig = "/etc/avwatch/avwatch.yaml"

// exitConfig is EX_CONFIG (sysexits.h): the config is wrong. The unit's
// RestartPreventExitStatus=78 keeps systemd from restarting into the same
// error; usage errors exit 2.
const exitConfig = 78

func runRun(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: avwatch run [-c FILE] [--validate] [--log-format text|json]\n\n"+
			"Runs one supervised pipeline per configured stream and publishes alerts\n"+
			"over MQTT. SIGHUP reloads the config, SIGTERM stops and flushes.\n"+
			"The annotated example config is systemd/avwatch.yaml.\n\nflags:\n")
		fs.PrintDefaults()
	}
	var path string
	fs.StringVar(&path, "c", defaultConfig, "config `file`")
	fs.StringVar(&path, "config", defaultConfig, "config `file` (same as -c)")
	validate := fs.Bool("validate", false, "check the config and every stream's pipeline, then exit (0 valid, 78 invalid)")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "avwatch run: unexpected argument %q (the config is given with -c)\n", fs.Arg(0))
		return 2
	}
	cfg, err := config.Load(path)
	if err == nil {
		err = cfg.Check(pipeline.Validate)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "avwatch: %s: %v\n", path, err)
		return exitConfig
	}
	if *validate {
		var names []string
		for _, s := range cfg.Streams {
			n := s.Name
			if !s.Enabled {
				n += " (disabled)"
			}
			names = append(names, n)
		}
		broker := strings.Join(cfg.BrokerURLs(), ", ")
		if cfg.Embedded() {
			broker += " (embedded)"
		}
		fmt.Printf("%s: valid; device %s, broker %s, %d streams: %s\n", path, cfg.Device, broker, len(cfg.Streams), strings.Join(names, ", "))
		return 0
	}

	level := new(slog.LevelVar)
	hopts := &slog.HandlerOptions{Level: level}
	if os.Getenv("JOURNAL_STREAM") != "" {
		// journald stamps every line itself.
		hopts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		}
	}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, hopts)
	if *logFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, hopts)
	} else if *logFormat != "text" {
		fmt.Fprintf(os.Stderr, "avwatch run: --log-format %q: use text or json\n", *logFormat)
		return 2
	}
	err = agent.Serve(agent.Options{
		Config:     cfg,
		ConfigPath: path,
		Starter:    pipeline.Start,
		Validate:   pipeline.Validate,
		Logger:     slog.New(h),
		LogLevel:   level,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "avwatch: %v\n", err)
		return 1
	}
	return 0
}
