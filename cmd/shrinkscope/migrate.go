package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/shrinkscope/shrinkscope/migrations"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "up" && args[0] != "status") {
		fmt.Fprintln(e.stderr, "usage: shrinkscope migrate up|status [flags]")
		return usageError(args)
	}
	c, err := parseConfig(flag.NewFlagSet("migrate "+args[0], flag.ContinueOnError), e, args[1:], dbFlags...)
	if err != nil {
		return err
	}
	log := newLogger(c, e.stderr)
	d, err := openDB(ctx, c, log)
	if err != nil {
		return err
	}
	defer d.Close()
	if args[0] == "up" {
		if err := migrateUp(ctx, d.Pool, log, c); err != nil {
			return err
		}
		cur, err := migrations.Current(ctx, d.Pool)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "schema at version %d\n", cur)
		return nil
	}
	return migrations.Status(ctx, d.Pool, e.stdout)
}
