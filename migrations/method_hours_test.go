package migrations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// A packed day (00038) read back through the view: a hand-made row of two
// cells for a London store on its 25-hour day, the repeated 01:00 at
// minutes 0 (BST) and 60 (GMT), amounts in minor units; and kpi_cents,
// which packs amounts, refuses part of a cent.
func TestMethodHoursView(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := migratedTo(t, 38)
	if _, err := pool.Exec(ctx, `INSERT INTO stores (code, name, timezone, opening_hours, operating_model) VALUES ('LON', 'LON', 'Europe/London', '{}', 'detection')`); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `INSERT INTO kpi_method_hours (store_id, local_date, minutes, zone_ids, categories, methods, detections, events,
        est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered,
        intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, responses)
    SELECT id, '2026-10-25', '{0,60}', '{7,7}', '{bags,bags}', '{pocket,unknown}', '{1,2}', '{1,1}', '{1250,0}', '{0,-310}',
        '{1250,310}', '{0,1}', '{0,0}', '{0,1}', '{1,0}', '{0,1}', '{0,0}', '{0,0}', '{0,0}', '{0,0}', '{0,0}', '{1,0}', '{0,0}',
        '{1250,0}', '{0,-310}', ARRAY['{884763262977}', '{}']
    FROM stores WHERE code = 'LON'`)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT concat_ws(' ', to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI'), local_date, how, zone_id,
        category, method, detections, events, est_loss, recovered_value, concealed_value, recovered, false_positive, open, paid,
        responded, open_value, paid_value, response)
    FROM kpi_method_hourly ORDER BY hour`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Sunday: how 6·24 + 1 = 145 for both 01:00s; 1250 minor units = 12.50.
	want := []string{
		"2026-10-25T00:00 2026-10-25 145 7 bags pocket 1 1 12.50 0 12.50 0 0 1 0 1 12.50 0 {884763262977}",
		"2026-10-25T01:00 2026-10-25 145 7 bags unknown 2 1 0 -3.10 3.10 1 1 0 1 0 0 -3.10 {}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("kpi_method_hourly:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	var cents int64
	if err := pool.QueryRow(ctx, `SELECT kpi_cents(12.50) + kpi_cents(-3.10)`).Scan(&cents); err != nil || cents != 940 {
		t.Errorf("kpi_cents(12.50) + kpi_cents(-3.10) = %d (%v), want 940", cents, err)
	}
	_, err = pool.Exec(ctx, `SELECT kpi_cents(0.005)`)
	if err == nil || !strings.Contains(err.Error(), "not whole minor units") {
		t.Errorf("half a cent: %v", err)
	}
}

// 00038 packs kpi_method_hourly in place and its Down unpacks it: on a seeded
// estate spanning the autumn daylight-saving changes of London and New
// York, unpacked to 00037 the table holds the facts' rows; packed again the
// view gives those rows, every grouping the same answer, Verify is clean,
// a rebuild packs the very same bytes, and down again the table holds the
// same rows.
func TestMethodHoursMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Loaded and refreshed by this code, then unpacked down to 00037.
	pool, p := migratedTo(t, 38)
	withEstateCuts(t, pool)
	packedZoneRows(t, p, true)
	end := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	if _, err := app.LoadEstate(ctx, pool, estate.New(estate.Config{Seed: 11, Stores: 4, Days: 21, End: end}), nil); err != nil {
		t.Fatal(err)
	}
	roll := kpi.NewRollups(pool)
	if _, err := roll.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 37); err != nil {
		t.Fatal(err)
	}
	// At 00037 the table holds the facts: a row per store, zone, category,
	// method and local hour with events, its figures counted from the
	// events and their outcomes here.
	var off int64
	if err := pool.QueryRow(ctx, `
WITH raw AS (SELECT e.store_id, e.zone_id, e.category, e.method, local_hour(e.occurred_at, s.timezone) AS hour,
        count(*)::int AS detections, count(*) FILTER (WHERE o.outcome IS DISTINCT FROM 'false_positive')::int AS events,
        coalesce(sum(e.est_value) FILTER (WHERE o.outcome IS NULL OR o.outcome IN ('walked_out', 'confirmed', 'unresolved')), 0) AS est_loss,
        coalesce(sum(coalesce(o.value_recovered, e.est_value)) FILTER (WHERE o.outcome IN ('paid', 'nudged_paid', 'blocked_recovered', 'intervened_recovered')), 0) AS recovered_value,
        count(*) FILTER (WHERE o.outcome = 'walked_out')::int AS lost, count(*) FILTER (WHERE o.outcome = 'false_positive')::int AS false_positive,
        count(*) FILTER (WHERE o.outcome = 'confirmed')::int AS confirmed, count(*) FILTER (WHERE o.outcome = 'paid')::int AS paid,
        count(o.responded_at)::int AS responded,
        coalesce(sum(e.est_value) FILTER (WHERE o.outcome IS NULL OR o.outcome = 'unresolved'), 0) AS open_value
    FROM events e JOIN stores s ON s.id = e.store_id LEFT JOIN outcomes o ON o.event_id = e.id GROUP BY 1, 2, 3, 4, 5),
roll AS (SELECT store_id, zone_id, category, method, hour, detections, events, est_loss, recovered_value, lost, false_positive,
        confirmed, paid, responded, open_value FROM kpi_method_hourly)
SELECT count(*) FROM ((SELECT * FROM raw EXCEPT SELECT * FROM roll) UNION ALL (SELECT * FROM roll EXCEPT SELECT * FROM raw)) x`).Scan(&off); err != nil {
		t.Fatal(err)
	}
	if off != 0 {
		t.Errorf("kpi_method_hourly at 00037: %d rows differ from the facts", off)
	}
	var answers map[string]string
	todaysRollups(t, p, func() { answers = methodAnswers(t, pool, end) })
	// The rows as 00037 holds them, kept aside in a table of the test's own.
	if _, err := pool.Exec(ctx, `CREATE TABLE method_rows_before AS SELECT * FROM kpi_method_hourly`); err != nil {
		t.Fatal(err)
	}
	others := []string{"kpi_store_hourly", "kpi_method_daily", "kpi_daily", "kpi_store_daily", "kpi_estate"}
	before := fingerprints(t, pool, others)

	same := func(when string) {
		t.Helper()
		var n, off int64
		err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM kpi_method_hourly), (SELECT count(*) FROM (
            (SELECT * FROM method_rows_before EXCEPT ALL SELECT * FROM kpi_method_hourly)
            UNION ALL (SELECT * FROM kpi_method_hourly EXCEPT ALL SELECT * FROM method_rows_before)) x)`).Scan(&n, &off)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if n == 0 || off != 0 {
			t.Errorf("%s: %d rows, %d differ from those before", when, n, off)
		}
	}

	if _, err := p.UpTo(ctx, 38); err != nil {
		t.Fatal(err)
	}
	same("packed, through the view")
	var days, cells int64
	if err := pool.QueryRow(ctx, `SELECT count(*), (SELECT count(*) FROM method_rows_before) FROM kpi_method_hours`).Scan(&days, &cells); err != nil {
		t.Fatal(err)
	}
	if days == 0 || days >= cells {
		t.Errorf("%d packed days for %d cells", days, cells)
	}
	for table, f := range fingerprints(t, pool, others) {
		if before[table] != f {
			t.Errorf("%s differs after packing", table)
		}
	}
	var again map[string]string
	todaysRollups(t, p, func() { again = methodAnswers(t, pool, end) })
	for q, a := range answers {
		if again[q] != a {
			t.Errorf("%s: before packing\n%s\nafter\n%s", q, a, again[q])
		}
	}
	rep, err := roll.Verify(ctx, nil, end.AddDate(0, 0, -21), end)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) != 0 || rep.Stores != 4 {
		t.Errorf("verify after packing: %+v", rep)
	}
	// The refresh packs a day as the migration did: a rebuild from the
	// facts writes the same bytes.
	packed := fingerprints(t, pool, []string{"kpi_method_hours"})
	packedZoneRows(t, p, true)
	if err := roll.Rebuild(ctx, nil, 2); err != nil {
		t.Fatal(err)
	}
	if f := fingerprints(t, pool, []string{"kpi_method_hours"}); f["kpi_method_hours"] != packed["kpi_method_hours"] {
		t.Errorf("kpi_method_hours rebuilt from the facts differs from the migration's packing")
	}

	if _, err := p.DownTo(ctx, 37); err != nil {
		t.Fatal(err)
	}
	same("unpacked by the Down")
	for table, f := range fingerprints(t, pool, others) {
		if before[table] != f {
			t.Errorf("%s differs after packing and unpacking", table)
		}
	}
}

// methodAnswers is kpiAnswers and the cuts that read the method hours with
// a zone, category or method filter: by hour of week over dates and
// instants, and by zone, category and method over instants, of each store
// and of the estate.
func methodAnswers(t *testing.T, pool *pgxpool.Pool, end time.Time) map[string]string {
	t.Helper()
	out := kpiAnswers(t, pool, end)
	filtered(t, pool, out, `SELECT DISTINCT s.code, z.code, e.category, e.method FROM events e
        JOIN stores s ON s.id = e.store_id JOIN zones z ON z.id = e.zone_id ORDER BY 1, 2, 3, 4 LIMIT 6`, func(f eventFilter) []kpi.Query {
		return []kpi.Query{
			{By: kpi.ByHourOfWeek, Store: f.store, Zone: f.zone, From: end.AddDate(0, 0, -14), To: end.AddDate(0, 0, -1), Dates: true},
			{By: kpi.ByHourOfWeek, Category: f.category, From: end.AddDate(0, 0, -14), To: end.AddDate(0, 0, -1), Dates: true},
			{By: kpi.ByHourOfWeek, Store: f.store, Method: f.method, From: time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)},
			{By: kpi.ByCategory, Store: f.store, Zone: f.zone, From: end.Add(-36 * time.Hour), To: end},
			{By: kpi.ByMethod, Category: f.category, From: time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)},
			{By: kpi.ByZone, Store: f.store, Method: f.method, From: end.Add(-36 * time.Hour), To: end},
		}
	})
	return out
}

// eventFilter is a store, zone, category and method that events have.
type eventFilter struct{ store, zone, category, method string }

// filtered adds to out, as JSON by query, the answers of the queries each
// filter read by filterSQL (store, zone, category and method codes) gives.
func filtered(t *testing.T, pool *pgxpool.Pool, out map[string]string, filterSQL string, queries func(eventFilter) []kpi.Query) {
	t.Helper()
	ctx := context.Background()
	var filters []eventFilter
	rows, err := pool.Query(ctx, filterSQL)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var f eventFilter
		if err := rows.Scan(&f.store, &f.zone, &f.category, &f.method); err != nil {
			t.Fatal(err)
		}
		filters = append(filters, f)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(filters) == 0 {
		t.Fatal("no events")
	}
	k := kpi.NewKPIs(pool)
	for _, f := range filters {
		for _, q := range queries(f) {
			res, err := k.Get(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprintf("%+v", q)] = string(b)
		}
	}
}
