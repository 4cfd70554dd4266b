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
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/web"
)

// groupingOptions are how many requests measureGroupings sends.
type groupingOptions struct {
	reqs, mixConns, mixReqs int
	only                    bool // skip the other measurements
}

func measure(ctx context.Context, pool *pgxpool.Pool, est *estate.Estate, end time.Time, zoneStores, clients, storeReqs, estateReqs int, g groupingOptions) {
	secret, _, err := tokens.New(pool).Create(ctx, "kpibench", ss.RoleOps, nil)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	srv := web.New(app.New(pool), slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{}, nil)
	go func() { _ = srv.Serve(sctx, ln) }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(clients, g.mixConns)}}
	last := end.AddDate(0, 0, -1)
	rng := rand.New(rand.NewPCG(1, 2))
	storeURL := func() string {
		code := est.Stores[rng.IntN(zoneStores)].Code
		return fmt.Sprintf("%s/api/v1/kpis?by=zone&store=%s&from=%s&to=%s", base, code, last.AddDate(0, 0, -89).Format(time.DateOnly), last.Format(time.DateOnly))
	}
	estateURL := fmt.Sprintf("%s/api/v1/kpis?by=store&from=%s&to=%s", base, last.AddDate(0, 0, -29).Format(time.DateOnly), last.Format(time.DateOnly))
	get := func(u string) error {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		if res.StatusCode != 200 {
			return fmt.Errorf("%s: status %d", u, res.StatusCode)
		}
		return nil
	}
	if g.reqs > 0 {
		measureGroupings(base, get, est, last, zoneStores, g.reqs, g.mixConns, g.mixReqs)
	}
	if g.only {
		return
	}
	// Warm the caches the way a running service would be warm.
	for range 20 {
		if err := get(storeURL()); err != nil {
			log.Fatal(err)
		}
	}
	if err := get(estateURL); err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	urls := make([]string, storeReqs)
	for i := range urls {
		urls[i] = storeURL()
	}
	store := run(clients, storeReqs, func(i int) error { mu.Lock(); u := urls[i]; mu.Unlock(); return get(u) })
	report("store by zone, 90 days, HTTP", store)
	estateLat := run(clients, estateReqs, func(int) error { return get(estateURL) })
	report("estate by store, 30 days, HTTP", estateLat)

	codes := make([]string, 40)
	for i := range codes {
		codes[i] = est.Stores[rng.IntN(zoneStores)].Code
	}
	raw := run(clients, len(codes), func(i int) error { return rawStoreByZone(ctx, pool, codes[i], last) })
	report("store by zone, 90 days, raw events (SQL, no HTTP)", raw)
	fmt.Printf("ratio raw/rollup, store request: p50 %.1fx, p99 %.1fx\n",
		pct(raw, 0.5).Seconds()/pct(store, 0.5).Seconds(), pct(raw, 0.99).Seconds()/pct(store, 0.99).Seconds())

	incremental(ctx, pool, est, last, rng)
}

// run performs n calls of f over `clients` goroutines and returns each call's latency.
func run(clients, n int, f func(i int) error) []time.Duration {
	lat := make([]time.Duration, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := time.Now()
				if err := f(i); err != nil {
					log.Fatal(err)
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return lat
}

func pct(lat []time.Duration, q float64) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func report(name string, lat []time.Duration) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("%-50s n=%4d  p50 %8.1f ms  p90 %8.1f ms  p99 %8.1f ms  max %8.1f ms\n", name, len(lat),
		ms(pct(lat, 0.5)), ms(pct(lat, 0.9)), ms(pct(lat, 0.99)), ms(pct(lat, 1)))
}

// rawStoreByZone computes what the store request answers — every KPI by zone
// for 90 days and the 90 before — straight from events, outcomes and footfall.
func rawStoreByZone(ctx context.Context, pool *pgxpool.Pool, code string, last time.Time) error {
	from, prevFrom := last.AddDate(0, 0, -89), last.AddDate(0, 0, -179)
	rows, err := pool.Query(ctx, `
WITH ev AS (
    SELECT e.zone_id, (e.occurred_at AT TIME ZONE s.timezone)::date >= $2 AS cur, e.est_value, o.outcome, o.value_recovered,
           extract(epoch FROM o.responded_at - e.occurred_at) AS resp
    FROM events e JOIN stores s ON s.id = e.store_id LEFT JOIN outcomes o ON o.event_id = e.id
    WHERE s.code = $1 AND e.occurred_at >= $3::date - 1 AND e.occurred_at < $4::date + 2
      AND (e.occurred_at AT TIME ZONE s.timezone)::date BETWEEN $3 AND $4)
SELECT zone_id, cur,
    count(*) FILTER (WHERE outcome IS DISTINCT FROM 'false_positive'),
    coalesce(sum(est_value) FILTER (WHERE outcome IS NULL OR outcome IN ('walked_out', 'unresolved')), 0),
    coalesce(sum(coalesce(value_recovered, est_value)) FILTER (WHERE outcome IN ('paid', 'nudged_paid', 'blocked_recovered', 'intervened_recovered')), 0),
    count(*) FILTER (WHERE outcome IN ('paid', 'nudged_paid', 'blocked_recovered', 'intervened_recovered')),
    count(*) FILTER (WHERE outcome = 'walked_out'), count(*) FILTER (WHERE outcome = 'false_positive'),
    count(*) FILTER (WHERE outcome IN ('nudged_paid', 'blocked_recovered', 'intervened_recovered')),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY resp), percentile_cont(0.9) WITHIN GROUP (ORDER BY resp)
FROM ev GROUP BY zone_id, cur`, code, from, prevFrom, last)
	if err != nil {
		return err
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = pool.Query(ctx, `
SELECT coalesce(f.zone_id, 0), (f.hour AT TIME ZONE s.timezone)::date >= $2, sum(f.visitors)
FROM footfall f JOIN stores s ON s.id = f.store_id
WHERE s.code = $1 AND f.hour >= $3::date - 1 AND f.hour < $4::date + 2 AND (f.hour AT TIME ZONE s.timezone)::date BETWEEN $3 AND $4
GROUP BY 1, 2`, code, from, prevFrom, last)
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// incremental ingests 10,000 events into 50 stores and times the refresh
// that brings the rollups up to date, against the full rebuild of the load.
func incremental(ctx context.Context, pool *pgxpool.Pool, est *estate.Estate, last time.Time, rng *rand.Rand) {
	lay := layout.New(pool)
	ing := kpi.NewIngester(pool, lay.Directory())
	roll := kpi.NewRollups(pool)
	if _, err := roll.Refresh(ctx); err != nil {
		log.Fatal(err)
	}
	var events []ss.Event
	for s := range 50 {
		st := &est.Stores[(s*37)%len(est.Stores)]
		zones, err := lay.Zones(ctx, st.Code)
		if err != nil {
			log.Fatal(err)
		}
		for range 200 {
			z := zones[rng.IntN(len(zones))]
			at := last.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
			events = append(events, ss.Event{ID: uuid.Must(uuid.NewV7()), Store: st.Code, StoreID: z.StoreID, Zone: z.Code, ZoneID: z.ID,
				OccurredAt: at, Score: 0.8, Method: ss.MethodBag, Category: z.Category, EstValue: z.UnitValue})
		}
	}
	if _, err := ing.StoreEvents(ctx, events); err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	n, err := roll.Refresh(ctx)
	if err != nil {
		log.Fatal(err)
	}
	took := time.Since(start)
	var rebuild float64
	if err := pool.QueryRow(ctx, `SELECT v FROM bench_meta WHERE k = 'rebuild_seconds'`).Scan(&rebuild); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("incremental refresh after %d new events: %d buckets in %s; full rebuild took %.0f s; ratio %.4f%%\n",
		len(events), n, took.Round(time.Millisecond), rebuild, 100*took.Seconds()/rebuild)
	// Take the events out again so the next run measures the same estate.
	ids := make([][16]byte, len(events))
	for i := range events {
		ids[i] = events[i].ID
	}
	drop := `DELETE FROM events WHERE id = ANY($1)`
	var eventIDs bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('event_ids') IS NOT NULL`).Scan(&eventIDs); err != nil {
		log.Fatal(err)
	}
	if eventIDs {
		drop = `WITH gone AS (DELETE FROM events WHERE id = ANY($1)) DELETE FROM event_ids WHERE id = ANY($1)`
	}
	if _, err := pool.Exec(ctx, drop, ids); err != nil {
		log.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO kpi_dirty (store_id, hour) SELECT store_id, hour FROM kpi_store_hourly WHERE hour >= $1`, last.Add(-24*time.Hour)); err != nil {
		log.Fatal(err)
	}
	if _, err := roll.Refresh(ctx); err != nil {
		log.Fatal(err)
	}
}
