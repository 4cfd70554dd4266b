package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// cmdKPI runs KPI maintenance: `kpi rebuild [--store S]` recomputes rollups
// from the facts (repair), `kpi refresh` catches up with ingest once, and
// `kpi verify [--store S] [--from D --to D]` compares the rollups with the
// facts and fails on any drift.
func cmdKPI(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "rebuild" && args[0] != "refresh" && args[0] != "verify") {
		fmt.Fprintln(e.stderr, "usage: shrinkscope kpi rebuild [--store S] | refresh | verify [--store S] [--from YYYY-MM-DD --to YYYY-MM-DD]")
		return errUsage
	}
	fs := flag.NewFlagSet("kpi "+args[0], flag.ContinueOnError)
	store := fs.String("store", "", "one store (code); empty: every store")
	var fromS, toS *string
	if args[0] == "verify" {
		fromS = fs.String("from", "", "first local date to verify (default: the first day with facts)")
		toS = fs.String("to", "", "last local date to verify (default: the last day with facts)")
	}
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
	if args[0] == "verify" {
		return verify(ctx, e, d.Pool, r, *store, *fromS, *toS)
	}
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

// errDrift makes `kpi verify` exit non-zero when it found drift.
var errDrift = errors.New("the rollups differ from the facts: run `shrinkscope kpi rebuild` to repair them")

func verify(ctx context.Context, e *env, pool *pgxpool.Pool, r *kpi.Rollups, store, fromS, toS string) error {
	var stores []string
	if store != "" {
		stores = []string{store}
	}
	from, to, err := verifyPeriod(ctx, pool, fromS, toS)
	if err != nil {
		return err
	}
	if to.Before(from) {
		fmt.Fprintln(e.stdout, "no facts to verify")
		return nil
	}
	start := time.Now()
	rep, err := r.Verify(ctx, stores, from, to)
	if err != nil {
		return err
	}
	for _, d := range rep.Drift {
		fmt.Fprintln(e.stdout, "drift:", d)
	}
	fmt.Fprintf(e.stdout, "verified %d stores, %s..%s in whole weeks (%d chunks) in %s: %d figures drift, %d days skipped with a refresh due\n",
		rep.Stores, from.Format(time.DateOnly), to.Format(time.DateOnly), rep.Chunks, time.Since(start).Round(time.Millisecond), len(rep.Drift), rep.Pending)
	if len(rep.Drift) > 0 {
		return errDrift
	}
	return nil
}

// verifyPeriod reads --from and --to; a missing end is that of the facts.
func verifyPeriod(ctx context.Context, pool *pgxpool.Pool, fromS, toS string) (from, to time.Time, err error) {
	var lo, hi *time.Time
	if fromS == "" || toS == "" {
		// A day either side: the facts' UTC dates bracket every store's local ones.
		err = pool.QueryRow(ctx, `SELECT (min(t) AT TIME ZONE 'UTC')::date - 1, (max(t) AT TIME ZONE 'UTC')::date + 1 FROM (
    SELECT min(occurred_at) AS t FROM events UNION ALL SELECT max(occurred_at) FROM events
    UNION ALL SELECT min(hour) FROM footfall UNION ALL SELECT max(hour) FROM footfall) x`).Scan(&lo, &hi)
		if err != nil {
			return from, to, fmt.Errorf("kpi verify: the span of the facts: %w", err)
		}
		if lo == nil {
			return time.Time{}, time.Time{}.Add(-time.Hour), nil
		}
		from, to = *lo, *hi
	}
	for _, p := range []struct {
		name, s string
		t       *time.Time
	}{{"--from", fromS, &from}, {"--to", toS, &to}} {
		if p.s == "" {
			continue
		}
		if *p.t, err = time.Parse(time.DateOnly, p.s); err != nil {
			return from, to, fmt.Errorf("%s must be a date (YYYY-MM-DD), got %q", p.name, p.s)
		}
	}
	if to.Before(from) {
		return from, to, fmt.Errorf("--to %s is before --from %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	return from, to, nil
}
