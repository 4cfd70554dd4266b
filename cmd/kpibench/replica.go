package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/web"
)

// replicaReads serves the same KPI read mix — four store-by-zone 90-day
// requests to one estate-by-store 30-day request — from two servers on the
// benchmark database: one reading from the primary, one reading from the
// streaming replica at readURL (as serve --read-database-url does). The
// rounds alternate between them so both see the same machine; it prints
// each round's reads per second and latencies, the medians and the ratio.
func replicaReads(ctx context.Context, pool *pgxpool.Pool, readURL, dbName string, est *estate.Estate, end time.Time, zoneStores, clients, reqs, rounds int) {
	cfg, err := pgxpool.ParseConfig(readURL)
	if err != nil {
		log.Fatalf("-read-url: %v", err)
	}
	cfg.ConnConfig.Database = dbName
	rpool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatalf("-read-url: %v", err)
	}
	defer rpool.Close()
	waitReplayed(ctx, pool, rpool)

	secret, _, err := tokens.New(pool).Create(ctx, "kpibench-replica", ss.RoleOps, nil)
	if err != nil {
		log.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	primarySvc := app.New(pool)
	replicaSvc := app.New(pool)
	onReplica := app.New(rpool)
	replicaSvc.Replica = &onReplica
	replicaSvc.Reads = db.NewReader(pool, rpool, db.ReaderOptions{})
	if err := replicaSvc.Reads.Probe(ctx); err != nil {
		log.Fatalf("probe the replica: %v", err)
	}
	go replicaSvc.Reads.Run(sctx)
	if rd := replicaSvc.Reads.Read(); !rd.Replica {
		log.Fatalf("the replica is not fit to read from (%s)", rd.Fallback)
	}
	serveOn := func(svc app.Services) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		srv := web.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{}, nil)
		go func() { _ = srv.Serve(sctx, ln) }()
		return "http://" + ln.Addr().String()
	}
	bases := map[string]string{"primary": serveOn(primarySvc), "replica": serveOn(replicaSvc)}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	last := end.AddDate(0, 0, -1)
	rng := rand.New(rand.NewPCG(3, 4))
	paths := make([]string, reqs)
	for i := range paths {
		if i%5 == 4 {
			paths[i] = fmt.Sprintf("/api/v1/kpis?by=store&from=%s&to=%s", last.AddDate(0, 0, -29).Format(time.DateOnly), last.Format(time.DateOnly))
			continue
		}
		code := est.Stores[rng.IntN(zoneStores)].Code
		paths[i] = fmt.Sprintf("/api/v1/kpis?by=zone&store=%s&from=%s&to=%s", code, last.AddDate(0, 0, -89).Format(time.DateOnly), last.Format(time.DateOnly))
	}
	get := func(base, path string) error {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		if res.StatusCode != 200 {
			return fmt.Errorf("%s: status %d", path, res.StatusCode)
		}
		return nil
	}
	for _, base := range bases { // warm both servers' and databases' caches alike
		run(clients, min(len(paths), 100), func(i int) error { return get(base, paths[i]) })
	}
	rps := map[string][]float64{}
	p50s := map[string][]float64{}
	for round := range rounds {
		for _, name := range []string{"primary", "replica"} {
			start := time.Now()
			lat := run(clients, len(paths), func(i int) error { return get(bases[name], paths[i]) })
			took := time.Since(start)
			rps[name] = append(rps[name], float64(len(paths))/took.Seconds())
			p50s[name] = append(p50s[name], float64(pct(lat, 0.5).Microseconds())/1000)
			report(fmt.Sprintf("round %d, reads from the %s", round+1, name), lat)
		}
	}
	if fb := replicaSvc.Reads.Fallbacks(); fb[db.FallbackUnreachable]+fb[db.FallbackLagging] > 0 {
		log.Fatalf("reads meant for the replica fell back to the primary: %v", fb)
	}
	mp, mr := stats.Median(rps["primary"]), stats.Median(rps["replica"])
	fmt.Printf("KPI mix, %d clients, %d requests a round, %d rounds: primary median %.0f reads/s (p50 %.1f ms), replica median %.0f reads/s (p50 %.1f ms); replica/primary %.2f\n",
		clients, len(paths), rounds, mp, stats.Median(p50s["primary"]), mr, stats.Median(p50s["replica"]), mr/mp)
}

// waitReplayed waits until the replica has replayed the primary's WAL as it
// stands now, so both serve the same estate.
func waitReplayed(ctx context.Context, primary, replica *pgxpool.Pool) {
	var lsn string
	if err := primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		log.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var done bool
		if err := replica.QueryRow(ctx, `SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done); err != nil {
			log.Fatalf("-read-url: %v", err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			log.Fatalf("-read-url: the replica has not replayed up to %s in 10 minutes (or is not a replica)", lsn)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
