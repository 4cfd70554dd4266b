package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"runtime"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
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
		return usageError(args)
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
		return verify(ctx, e, r, *store, *fromS, *toS)
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

func verify(ctx context.Context, e *env, r *kpi.Rollups, store, fromS, toS string) error {
	var stores []string
	if store != "" {
		stores = []string{store}
	}
	per, err := verifyPeriod(ctx, r, fromS, toS)
	if errors.Is(err, errNoFacts) {
		fmt.Fprintln(e.stdout, err)
		return nil
	}
	if err != nil {
		return err
	}
	from, to := per.From, per.To
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

// verifyPeriod reads --from and --to as local dates; a missing end is that
// of the facts.
func verifyPeriod(ctx context.Context, r *kpi.Rollups, fromS, toS string) (ss.Period, error) {
	if fromS == "" || toS == "" {
		span, ok, err := r.FactDays(ctx)
		if err != nil {
			return span, err
		}
		if !ok {
			return span, errNoFacts
		}
		fromS, toS = cmp.Or(fromS, span.From.Format(time.DateOnly)), cmp.Or(toS, span.To.Format(time.DateOnly))
	}
	// No longest period here: verify reads the whole history in chunks.
	p, err := ss.ParsePeriod(fromS, toS, "", time.Now(), ss.PeriodRules{DatesOnly: true, MaxDays: math.MaxInt32})
	if e, ok := err.(*ss.Error); ok {
		return p, fmt.Errorf("--%s: %s", e.Field, e.Message)
	}
	return p, err
}

// errNoFacts is verify's answer to an estate without facts.
var errNoFacts = errors.New("no facts to verify")
