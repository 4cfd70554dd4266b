package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/shrinkscope/shrinkscope/frigate"
)

// cmdFrigate runs the bridge for a store that runs Frigate: its MQTT events
// to events and footfall, delivered to the server over HTTP.
func cmdFrigate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("frigate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("config", "", "YAML configuration file (required; see frigate.Config)")
	drain := fs.Bool("drain", false, "deliver the spool and exit without reading the broker")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		fmt.Fprintln(e.stderr, "usage: shrinkscope frigate --config FILE [--drain]")
		return errUsage
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %q is not debug, info, warn or error", *logLevel)
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
	cfg, err := frigate.LoadConfig(*path, e.getenv)
	if err != nil {
		return flagError(err)
	}
	b, err := frigate.New(cfg, log)
	if err != nil {
		return err
	}
	if *drain {
		return b.Drain(ctx)
	}
	return b.Run(ctx)
}
