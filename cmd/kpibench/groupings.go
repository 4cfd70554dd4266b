package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"net/url"
	"regexp"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// caseFilter, when set (-cases), keeps the grouping cases whose names it
// matches.
var caseFilter *regexp.Regexp

// groupingCase is one KPI request shape a dashboard sends: a grouping over
// a scope and period. Store requests pick a store among those with zone
// footfall.
type groupingCase struct {
	name  string
	query func(store string) url.Values
}

// groupingCases are every grouping kpi offers, at the scope and period a
// dashboard asks them for, and the instant (hourly) reads.
func groupingCases(last time.Time, est *estate.Estate) []groupingCase {
	// The first zone of a store: the zone and category cuts filter on it.
	firstZone := map[string]ss.Zone{}
	for _, st := range est.Stores {
		if len(st.Zones) > 0 {
			firstZone[st.Code] = st.Zones[0]
		}
	}
	day := func(d int) string { return last.AddDate(0, 0, d).Format(time.DateOnly) }
	dates := func(by string, days int, store string) url.Values {
		v := url.Values{"by": {by}, "from": {day(-days + 1)}, "to": {day(0)}}
		if store != "" {
			v.Set("store", store)
		}
		return v
	}
	end := last.AddDate(0, 0, 1)
	instants := url.Values{"from": {end.Add(-24 * time.Hour).Format(time.RFC3339)}, "to": {end.Format(time.RFC3339)}}
	return []groupingCase{
		{"estate, estate 30 days", func(string) url.Values { return dates("estate", 30, "") }},
		{"region, estate 30 days", func(string) url.Values { return dates("region", 30, "") }},
		{"store, estate 30 days", func(string) url.Values { return dates("store", 30, "") }},
		{"zone, store 90 days", func(s string) url.Values { return dates("zone", 90, s) }},
		{"category, estate 30 days", func(string) url.Values { return dates("category", 30, "") }},
		{"category, store 90 days", func(s string) url.Values { return dates("category", 90, s) }},
		{"method, estate 30 days", func(string) url.Values { return dates("method", 30, "") }},
		{"method, store 90 days", func(s string) url.Values { return dates("method", 90, s) }},
		{"day, store 90 days", func(s string) url.Values { return dates("day", 90, s) }},
		{"day, estate 30 days", func(string) url.Values { return dates("day", 30, "") }},
		{"week, estate 90 days", func(string) url.Values { return dates("week", 90, "") }},
		{"hour_of_week, store 90 days", func(s string) url.Values { return dates("hour_of_week", 90, s) }},
		{"hour_of_week, estate 30 days", func(string) url.Values { return dates("hour_of_week", 30, "") }},
		{"zone, store last 24 hours", func(s string) url.Values {
			v := url.Values{"by": {"zone"}, "store": {s}}
			for k, x := range instants {
				v[k] = x
			}
			return v
		}},
		{"method, store last 24 hours", func(s string) url.Values {
			v := url.Values{"by": {"method"}, "store": {s}}
			for k, x := range instants {
				v[k] = x
			}
			return v
		}},
		{"category, store last 24 hours", func(s string) url.Values {
			v := url.Values{"by": {"category"}, "store": {s}}
			for k, x := range instants {
				v[k] = x
			}
			return v
		}},
		{"hour_of_week of a zone, store 90 days", func(s string) url.Values {
			v := dates("hour_of_week", 90, s)
			v.Set("zone", firstZone[s].Code)
			return v
		}},
		{"hour_of_week of a category, store 90 days", func(s string) url.Values {
			v := dates("hour_of_week", 90, s)
			v.Set("category", firstZone[s].Category)
			return v
		}},
		{"store, estate last 24 hours", func(string) url.Values {
			v := url.Values{"by": {"store"}}
			for k, x := range instants {
				v[k] = x
			}
			return v
		}},
	}
}

// measureGroupings times each grouping case with one client (reqs requests
// each, after two to warm up), then a mix of every case over mixConns
// connections, and prints medians and p99s.
func measureGroupings(base string, get func(string) error, est *estate.Estate, last time.Time, zoneStores, reqs, mixConns, mixReqs int) {
	var cases []groupingCase
	for _, c := range groupingCases(last, est) {
		if caseFilter == nil || caseFilter.MatchString(c.name) {
			cases = append(cases, c)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func() string { return est.Stores[rng.IntN(zoneStores)].Code }
	u := func(c groupingCase, store string) string { return base + "/api/v1/kpis?" + c.query(store).Encode() }
	fmt.Println("one client, each grouping:")
	for _, c := range cases {
		for range 2 {
			if err := get(u(c, pick())); err != nil {
				log.Fatal(err)
			}
		}
		urls := make([]string, reqs)
		for i := range urls {
			urls[i] = u(c, pick())
		}
		lat := run(1, reqs, func(i int) error { return get(urls[i]) })
		ms := make([]float64, len(lat))
		for i, d := range lat {
			ms[i] = float64(d.Microseconds()) / 1000
		}
		fmt.Printf("  %-36s n=%4d  median %7.2f ms  p99 %7.2f ms\n", c.name, reqs, stats.Median(ms), float64(pct(lat, 0.99).Microseconds())/1000)
	}
	if mixConns <= 0 || mixReqs <= 0 {
		return
	}
	urls := make([]string, mixReqs)
	for i := range urls {
		urls[i] = u(cases[rng.IntN(len(cases))], pick())
	}
	start := time.Now()
	lat := run(mixConns, mixReqs, func(i int) error { return get(urls[i]) })
	took := time.Since(start)
	fmt.Printf("mix of every grouping, %d connections: ", mixConns)
	report(fmt.Sprintf("%.0f requests/s", float64(mixReqs)/took.Seconds()), lat)
}

// tableBytes prints every table's size with its indexes and TOAST (a
// partitioned table's partitions summed), largest first, and the bytes per
// event of each and of the whole database.
func tableBytes(ctx context.Context, pool *pgxpool.Pool) {
	var events int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&events); err != nil {
		log.Fatal(err)
	}
	rows, err := pool.Query(ctx, `
SELECT coalesce(p.relname, c.relname), sum(pg_total_relation_size(c.oid))::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')
GROUP BY 1`)
	if err != nil {
		log.Fatal(err)
	}
	type size struct {
		name  string
		bytes int64
	}
	var sizes []size
	var s size
	for rows.Next() {
		if err := rows.Scan(&s.name, &s.bytes); err != nil {
			log.Fatal(err)
		}
		sizes = append(sizes, s)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	var db int64
	if err := pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&db); err != nil {
		log.Fatal(err)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i].bytes > sizes[j].bytes })
	perEvent := func(b int64) float64 { return float64(b) / float64(max(events, 1)) }
	fmt.Printf("bytes per table (with indexes and TOAST), %d events:\n", events)
	var tables int64
	for _, s := range sizes {
		tables += s.bytes
		if s.bytes < 1<<20 {
			continue
		}
		fmt.Printf("  %-24s %9.1f MB  %7.1f bytes/event\n", s.name, float64(s.bytes)/1e6, perEvent(s.bytes))
	}
	fmt.Printf("  %-24s %9.1f MB  %7.1f bytes/event\n", "all tables", float64(tables)/1e6, perEvent(tables))
	fmt.Printf("  %-24s %9.1f MB  %7.1f bytes/event\n", "database", float64(db)/1e6, perEvent(db))
}
