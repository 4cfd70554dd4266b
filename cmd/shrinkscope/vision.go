package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/shrinkscope/shrinkscope/vision"
)

// cmdVision runs the in-store inference tier: cameras to events and
// footfall, delivered to the server over HTTP.
func cmdVision(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "check" {
		return cmdVisionCheck(ctx, e, args[1:])
	}
	fs := flag.NewFlagSet("vision", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("config", "", "YAML configuration file (required; see vision.Config)")
	drain := fs.Bool("drain", false, "deliver the spool and exit without reading any camera")
	dry := fs.Bool("dry-run", false, "run the whole pipeline and log its events and footfall, spooling and sending nothing")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		fmt.Fprintln(e.stderr, "usage: shrinkscope vision --config FILE [--drain | --dry-run]\n       shrinkscope vision check --config FILE [--frames N] [--out DIR]")
		return errUsage
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %q is not debug, info, warn or error", *logLevel)
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
	cfg, err := vision.LoadConfig(*path, e.getenv)
	if err != nil {
		return flagError(err)
	}
	if *drain && *dry {
		return flagError(fmt.Errorf("--drain and --dry-run exclude each other"))
	}
	var r *vision.Runner
	if *dry {
		r = vision.NewDryRunner(cfg, log)
	} else if r, err = vision.NewRunner(cfg, log); err != nil {
		return err
	}
	if *drain {
		return r.Drain(ctx)
	}
	if err := vision.InitRuntime(cfg.Runtime.Library); err != nil {
		return err
	}
	return r.Run(ctx)
}

// cmdVisionCheck tries a vision config without sending anything: the
// runtime, the model's fit, the calibration and a few annotated frames.
func cmdVisionCheck(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("vision check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("config", "", "YAML configuration file (required; see vision.Config)")
	frames := fs.Int("frames", 5, "frames to read from each camera")
	out := fs.String("out", "vision-check", "folder for the annotated PNG frames")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" || *frames < 1 {
		fmt.Fprintln(e.stderr, "usage: shrinkscope vision check --config FILE [--frames N] [--out DIR]")
		return errUsage
	}
	cfg, err := vision.LoadConfig(*path, e.getenv)
	if err != nil {
		return flagError(err)
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return vision.Check(ctx, cfg, vision.CheckOptions{Frames: *frames, Out: *out}, e.stdout, log)
}
