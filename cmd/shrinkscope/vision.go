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
	fs := flag.NewFlagSet("vision", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("config", "", "YAML configuration file (required; see vision.Config)")
	drain := fs.Bool("drain", false, "deliver the spool and exit without reading any camera")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		fmt.Fprintln(e.stderr, "usage: shrinkscope vision --config FILE [--drain]")
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
	r, err := vision.NewRunner(cfg, log)
	if err != nil {
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
