// Command kpibench measures KPI requests on a large synthetic estate: a
// store's 90 days by zone and the estate's 30 days by store through the HTTP
// API with concurrent clients, every grouping with one client and a mix of
// them over 50 connections, the bytes per table, the same store request computed from raw
// events, and an incremental rollup refresh against a full rebuild.
// See docs/BENCHMARKS.md.
//
//	go run ./cmd/kpibench -load          # generate, COPY and build rollups (long)
//	go run ./cmd/kpibench               # measure on the loaded database
//	go run ./cmd/kpibench -read-url URL # reads/s from a streaming replica against the primary
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/migrations"
)

func main() {
	doLoad := flag.Bool("load", false, "drop and load the benchmark database, then build its rollups")
	doRebuild := flag.Bool("rebuild", false, "migrate and rebuild the rollups of the loaded database (timed), without reloading")
	dbName := flag.String("db", "shrinkscope_bench", "benchmark database (on TEST_DATABASE_URL's server)")
	stores := flag.Int("stores", 2000, "stores")
	days := flag.Int("days", 365, "days of history")
	scale := flag.Float64("rate-scale", 1.5, "concealment rate multiplier (1.5 gives about 50M events for 2000 x 365)")
	zoneStores := flag.Int("zone-footfall-stores", 100, "stores that get zone footfall (the store requests use these)")
	clients := flag.Int("clients", runtime.NumCPU(), "concurrent HTTP clients (default: one per core)")
	storeReqs := flag.Int("store-requests", 1000, "store-by-zone requests")
	estateReqs := flag.Int("estate-requests", 300, "estate-by-store requests")
	groupingReqs := flag.Int("grouping-requests", 30, "requests of each grouping with one client (0: skip)")
	mixConns := flag.Int("mix-connections", 50, "connections of the mix of every grouping (0: skip)")
	mixReqs := flag.Int("mix-requests", 2000, "requests of the mix of every grouping")
	cases := flag.String("cases", "", "a regular expression: time only the grouping cases whose names match it (default: every case)")
	only := flag.Bool("groupings-only", false, "measure the bytes per table and the groupings only")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	readURL := flag.String("read-url", "", "a streaming replica of TEST_DATABASE_URL's server: measure reads per second served from it against the primary instead (replica.go)")
	readRounds := flag.Int("read-rounds", 3, "with -read-url: rounds per server, alternating")
	flag.Parse()
	if *cases != "" {
		re, err := regexp.Compile(*cases)
		if err != nil {
			log.Fatalf("-cases: %v", err)
		}
		caseFilter = re
	}
	ctx := context.Background()
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	est := estate.New(estate.Config{Seed: 5, Stores: *stores, Days: *days, End: end, RateScale: *scale})

	if *doLoad {
		recreate(ctx, *dbName)
	}
	pool, err := pgxpool.New(ctx, dsn(*dbName))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if *doLoad || *doRebuild {
		if err := migrations.Up(ctx, pool, nil); err != nil {
			log.Fatal(err)
		}
	}
	if *doLoad {
		if err := load(ctx, pool, est, *zoneStores); err != nil {
			log.Fatal(err)
		}
	}
	if *doLoad || *doRebuild {
		start := time.Now()
		if err := kpi.NewRollups(pool).Rebuild(ctx, nil, runtime.NumCPU()); err != nil {
			log.Fatal(err)
		}
		rebuild := time.Since(start)
		log.Printf("full rollup rebuild: %s", rebuild.Round(time.Millisecond))
		if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_meta (k text PRIMARY KEY, v double precision)`); err != nil {
			log.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO bench_meta VALUES ('rebuild_seconds', $1) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, rebuild.Seconds()); err != nil {
			log.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
			log.Fatal(err)
		}
	}
	var nEvents, nStores int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM stores)`).Scan(&nEvents, &nStores); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("estate: %d stores, %d events, %d days to %s; %d stores with zone footfall\n", nStores, nEvents, *days, end.AddDate(0, 0, -1).Format(time.DateOnly), *zoneStores)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *readURL != "" {
		replicaReads(ctx, pool, *readURL, *dbName, est, end, *zoneStores, *clients, *storeReqs, *readRounds)
		return
	}
	tableBytes(ctx, pool)
	measure(ctx, pool, est, end, *zoneStores, *clients, *storeReqs, *estateReqs, groupingOptions{*groupingReqs, *mixConns, *mixReqs, *only})
}

func dsn(db string) string {
	u, err := url.Parse(dbtest.AdminURL())
	if err != nil {
		log.Fatal(err)
	}
	u.Path = "/" + db
	// The service and the database share this machine: no TLS on loopback.
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func recreate(ctx context.Context, db string) {
	c, err := pgx.Connect(ctx, dbtest.AdminURL())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range []string{`DROP DATABASE IF EXISTS ` + pgx.Identifier{db}.Sanitize() + ` WITH (FORCE)`, `CREATE DATABASE ` + pgx.Identifier{db}.Sanitize()} {
		if _, err := c.Exec(ctx, q); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintln(os.Stderr, "recreated database", db)
}
