package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"time"

	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// cmdKPI runs KPI maintenance: `kpi rebuild [--store S]` recomputes rollups
// from the facts (repair), `kpi refresh` catches up with ingest once.
func cmdKPI(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "rebuild" && args[0] != "refresh") {
		fmt.Fprintln(e.stderr, "usage: shrinkscope kpi rebuild [--store S] | refresh")
		return errUsage
	}
	fs := flag.NewFlagSet("kpi "+args[0], flag.ContinueOnError)
	store := fs.String("store", "", "rebuild one store (code); empty: every store")
	c, err := parseConfig(fs, e, args[1:], dbFlags...)
	if err != nil {
		return err
	}
	d, _, err := openMigrated(ctx, c, e)
	if err != nil {
		return err
	}
	defer d.Close()
	r := kpi.NewRollups(d.Pool)
	start := time.Now()
	if args[0] == "refresh" {
		n, err := r.Refresh(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "refreshed %d buckets in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	}
	var ids []int64
	if *store != "" {
		st, err := layout.New(d.Pool).Store(ctx, *store)
		if err != nil {
			return fmt.Errorf("--store: %w", err)
		}
		ids = []int64{st.ID}
	}
	if err := r.Rebuild(ctx, ids, runtime.NumCPU()); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rebuilt KPI rollups in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
