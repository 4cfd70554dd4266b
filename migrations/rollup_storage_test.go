package migrations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/migrations"
)

// 00034 converts the hourly rollups in place: a retailer upgrading keeps
// every figure. On a seeded estate spanning the autumn daylight-saving
// changes of London and New York, the rollups taken back to the shape of
// 00032 equal what that shape held (zone rows per hour, and footfall rows
// per hour, recomputed here from the facts), and converted forward again
// they are the same rows and give the same answer to every grouping, with
// Verify clean.
func TestRollupStorageMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Loaded and refreshed by this code at the latest schema, then taken
	// down to 00034 (the refresh writes the tables of the latest schema).
	pool, p := migratedTo(t, migrations.Latest())
	end := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	if _, err := app.LoadEstate(ctx, pool, estate.New(estate.Config{Seed: 11, Stores: 4, Days: 21, End: end}), nil); err != nil {
		t.Fatal(err)
	}
	roll := kpi.NewRollups(pool)
	if _, err := roll.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// 00039's estate cuts go with the Down; today's reads need them, so
	// they are kept aside and put back in a table of the same shape.
	if _, err := pool.Exec(ctx, `CREATE TABLE cuts_kept AS SELECT * FROM kpi_estate_cuts`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 34); err != nil {
		t.Fatal(err)
	}
	withEstateCuts(t, pool)
	if _, err := pool.Exec(ctx, `INSERT INTO kpi_estate_cuts SELECT * FROM cuts_kept`); err != nil {
		t.Fatal(err)
	}
	tables := []string{"kpi_store_hourly", "kpi_visitors_hours", "kpi_method_hourly", "kpi_daily", "kpi_visitors_daily", "kpi_store_daily", "kpi_estate"}
	var answers map[string]string
	todaysRollups(t, p, func() { answers = kpiAnswers(t, pool, end) })
	before := fingerprints(t, pool, tables)

	if _, err := p.DownTo(ctx, 32); err != nil {
		t.Fatal(err)
	}
	// The shape of 00032, against the facts: a zone row per hour with the
	// hour's events, and a footfall row per hour.
	for _, q := range []struct{ name, sql string }{
		{"kpi_hourly", `
WITH raw AS (SELECT e.store_id, e.zone_id, e.category, local_hour(e.occurred_at, s.timezone) AS hour, count(*)::int AS detections,
        coalesce(sum(e.est_value) FILTER (WHERE o.outcome IS DISTINCT FROM 'false_positive'), 0) AS value
    FROM events e JOIN stores s ON s.id = e.store_id LEFT JOIN outcomes o ON o.event_id = e.id GROUP BY 1, 2, 3, 4)
SELECT count(*) FROM ((SELECT * FROM raw EXCEPT SELECT store_id, zone_id, category, hour, detections, concealed_value FROM kpi_hourly)
    UNION ALL (SELECT store_id, zone_id, category, hour, detections, concealed_value FROM kpi_hourly EXCEPT SELECT * FROM raw)) x`},
		{"kpi_visitors_hourly", `
SELECT count(*) FROM ((SELECT f.store_id, coalesce(f.zone_id, 0), f.hour, (f.hour AT TIME ZONE s.timezone)::date,
        ((extract(isodow FROM f.hour AT TIME ZONE s.timezone)::int - 1) * 24 + extract(hour FROM f.hour AT TIME ZONE s.timezone)::int)::smallint, f.visitors
    FROM footfall f JOIN stores s ON s.id = f.store_id
    EXCEPT SELECT store_id, zone_id, hour, local_date, how, visitors FROM kpi_visitors_hourly)
    UNION ALL (SELECT store_id, zone_id, hour, local_date, how, visitors FROM kpi_visitors_hourly
    EXCEPT SELECT f.store_id, coalesce(f.zone_id, 0), f.hour, (f.hour AT TIME ZONE s.timezone)::date,
        ((extract(isodow FROM f.hour AT TIME ZONE s.timezone)::int - 1) * 24 + extract(hour FROM f.hour AT TIME ZONE s.timezone)::int)::smallint, f.visitors
    FROM footfall f JOIN stores s ON s.id = f.store_id)) x`},
	} {
		var off int64
		if err := pool.QueryRow(ctx, q.sql).Scan(&off); err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		if off != 0 {
			t.Errorf("%s at 00032: %d rows differ from the facts", q.name, off)
		}
	}
	var hours, visitorHours int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM kpi_hourly), (SELECT count(*) FROM kpi_visitors_hourly)`).Scan(&hours, &visitorHours); err != nil {
		t.Fatal(err)
	}
	if hours == 0 || visitorHours == 0 {
		t.Fatalf("at 00032: %d zone hours, %d footfall hours", hours, visitorHours)
	}

	if _, err := p.UpTo(ctx, 34); err != nil {
		t.Fatal(err)
	}
	after := fingerprints(t, pool, tables)
	for _, table := range tables {
		if before[table] != after[table] {
			t.Errorf("%s differs after converting down and up again", table)
		}
	}
	var again map[string]string
	todaysRollups(t, p, func() { again = kpiAnswers(t, pool, end) })
	for q, a := range answers {
		if again[q] != a {
			t.Errorf("%s: before the conversion\n%s\nafter\n%s", q, a, again[q])
		}
	}
	rep, err := roll.Verify(ctx, nil, end.AddDate(0, 0, -21), end)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) != 0 || rep.Stores != 4 {
		t.Errorf("verify after the conversion: %+v", rep)
	}
}

// fingerprints is a digest of every row of each table.
func fingerprints(t *testing.T, pool *pgxpool.Pool, tables []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range tables {
		var n int
		var sum string
		if err := pool.QueryRow(context.Background(), `SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("%s is empty", table)
		}
		out[table] = fmt.Sprint(n, " ", sum)
	}
	return out
}

// sameAnswers reports, as of when, every answer of kpiAnswers that is not
// what it was (answers).
func sameAnswers(t *testing.T, pool *pgxpool.Pool, end time.Time, answers map[string]string, when string) {
	t.Helper()
	again := kpiAnswers(t, pool, end)
	for q, a := range answers {
		if again[q] != a {
			t.Errorf("%s: %s\nbefore %s\nnow    %s", when, q, a, again[q])
		}
	}
}

// verifyClean runs Verify over from..to and reports, as of when, any drift
// or a count of stores other than stores.
func verifyClean(t *testing.T, pool *pgxpool.Pool, from, to time.Time, stores int, when string) {
	t.Helper()
	rep, err := kpi.NewRollups(pool).Verify(context.Background(), nil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) != 0 || rep.Stores != stores {
		t.Errorf("%s: verify %+v", when, rep)
	}
}

// kpiAnswers is every grouping's answer over the estate's last two weeks by
// dates and its last day over instants, for the estate and each store, as JSON.
func kpiAnswers(t *testing.T, pool *pgxpool.Pool, end time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT code FROM stores ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	var stores []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		stores = append(stores, c)
	}
	k := kpi.NewKPIs(pool)
	out := map[string]string{}
	for _, by := range kpi.Groupings {
		for _, store := range append([]string{""}, stores...) {
			for _, q := range []kpi.Query{
				{From: end.AddDate(0, 0, -14), To: end.AddDate(0, 0, -1), Dates: true},
				{From: end.Add(-36 * time.Hour), To: end},
				{From: time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)},
			} {
				q.By, q.Store = by, store
				if by == kpi.ByZone && store == "" {
					continue
				}
				res, err := k.Get(ctx, q)
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				b, err := json.Marshal(res)
				if err != nil {
					t.Fatal(err)
				}
				out[fmt.Sprintf("by=%s store=%q %s..%s", by, store, q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))] = string(b)
			}
		}
	}
	return out
}
