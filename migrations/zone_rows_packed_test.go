package migrations_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/migrations"
)

// zoneViews are the two zone-row tables 00045 packs, each now a view of
// its packed table; zoneSums the two it drops, sums of the method rows.
var (
	zoneViews = map[string]string{"kpi_method_daily": "kpi_method_days", "kpi_method_weekly": "kpi_method_weeks"}
	zoneSums  = []string{"kpi_daily", "kpi_weekly"}
)

// A packed store-day (00045) read back through its view: a hand-made row
// of kpi_method_days with two cells, amounts in minor units and a response
// sketch, is two rows of kpi_method_daily with amounts in currency units.
func TestZoneRowsView(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := migratedTo(t, 45)
	if _, err := pool.Exec(ctx, `INSERT INTO stores (code, name, timezone, opening_hours, operating_model) VALUES ('NYC', 'NYC', 'America/New_York', '{}', 'detection')`); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `INSERT INTO kpi_method_days (store_id, local_date, zone_ids, categories, methods, detections, events,
        est_loss, recovered_value, concealed_value, recovered, lost, false_positive, open, paid, nudged_paid, blocked_recovered,
        intervened_recovered, unresolved, interventions, responded, confirmed, open_value, paid_value, responses)
    SELECT id, '2026-11-01', '{4,9}', '{bags,cosmetics}', '{sleeve,unknown}', '{3,1}', '{2,1}', '{1999,0}', '{450,0}', '{2449,120}',
        '{1,0}', '{0,0}', '{1,0}', '{1,0}', '{0,0}', '{1,0}', '{0,0}', '{0,0}', '{0,0}', '{1,0}', '{1,0}', '{0,1}',
        '{1999,0}', '{0,0}', ARRAY['{884763262977}', '{}']
    FROM stores WHERE code = 'NYC'`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	rows, err := pool.Query(ctx, `SELECT concat_ws(' ', local_date, zone_id, category, method, detections, events, est_loss, recovered_value,
        concealed_value, recovered, false_positive, open, nudged_paid, interventions, responded, confirmed, open_value, paid_value, response)
    FROM kpi_method_daily ORDER BY zone_id`)
	if err != nil {
		t.Fatal(err)
	}
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
	want := []string{
		"2026-11-01 4 bags sleeve 3 2 19.99 4.50 24.49 1 1 1 1 1 1 0 19.99 0 {884763262977}",
		"2026-11-01 9 cosmetics unknown 1 1 0 0 1.20 0 0 0 0 0 0 1 0 0 {}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("kpi_method_daily:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A row whose arrays disagree in length is refused, whichever array it is.
	for _, col := range []string{"categories", "methods", "events", "est_loss", "interventions", "paid_value", "responses"} {
		_, err = pool.Exec(ctx, `UPDATE kpi_method_days SET `+col+` = `+col+`[1:1]`)
		if err == nil || !strings.Contains(err.Error(), "check") {
			t.Errorf("%s shorter than the cells: %v", col, err)
		}
	}
}

// 00045 packs the method rows in place and drops the zone rows, and its
// Down unpacks the one and sums the other again: on a seeded estate
// spanning the autumn daylight-saving changes of London and New York, at
// 00044 kpi_method_daily holds the facts' rows and the other three tables
// sum them; packed, the views give the very rows of before, every grouping
// and filter the same answer, Verify is clean, a rebuild packs the same
// bytes as the migration, and down again the four tables hold the same
// rows.
func TestZoneRowsPackedMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if migrations.Latest() < 45 {
		t.Fatal("00045 missing")
	}
	pool, p := migratedTo(t, migrations.Latest())
	end := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	if _, err := app.LoadEstate(ctx, pool, estate.New(estate.Config{Seed: 29, Stores: 4, Days: 21, End: end}), nil); err != nil {
		t.Fatal(err)
	}
	roll := kpi.NewRollups(pool)
	if _, err := roll.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	answers := zoneRowAnswers(t, pool, end)
	if _, err := p.DownTo(ctx, 44); err != nil {
		t.Fatal(err)
	}
	// At 00044 the method rows hold the facts: a row per store, zone,
	// category, method and local day with events, its figures counted from
	// the events and their outcomes here; the zone rows and the weeks sum them.
	var off int64
	if err := pool.QueryRow(ctx, `
WITH raw AS (SELECT e.store_id, e.zone_id, e.category, e.method, (e.occurred_at AT TIME ZONE s.timezone)::date AS local_date,
        count(*)::int AS detections, count(*) FILTER (WHERE o.outcome IS DISTINCT FROM 'false_positive')::int AS events,
        coalesce(sum(e.est_value) FILTER (WHERE o.outcome IS NULL OR o.outcome IN ('walked_out', 'confirmed', 'unresolved')), 0) AS est_loss,
        coalesce(sum(coalesce(o.value_recovered, e.est_value)) FILTER (WHERE o.outcome IN ('paid', 'nudged_paid', 'blocked_recovered', 'intervened_recovered')), 0) AS recovered_value,
        count(*) FILTER (WHERE o.outcome = 'walked_out')::int AS lost, count(*) FILTER (WHERE o.outcome = 'false_positive')::int AS false_positive,
        count(*) FILTER (WHERE o.outcome = 'confirmed')::int AS confirmed, count(*) FILTER (WHERE o.outcome = 'paid')::int AS paid,
        count(o.responded_at)::int AS responded,
        coalesce(sum(e.est_value) FILTER (WHERE o.outcome IS NULL OR o.outcome = 'unresolved'), 0) AS open_value
    FROM events e JOIN stores s ON s.id = e.store_id LEFT JOIN outcomes o ON o.event_id = e.id GROUP BY 1, 2, 3, 4, 5),
roll AS (SELECT store_id, zone_id, category, method, local_date, detections, events, est_loss, recovered_value, lost, false_positive,
        confirmed, paid, responded, open_value FROM kpi_method_daily)
SELECT count(*) FROM ((SELECT * FROM raw EXCEPT SELECT * FROM roll) UNION ALL (SELECT * FROM roll EXCEPT SELECT * FROM raw)) x`).Scan(&off); err != nil {
		t.Fatal(err)
	}
	if off != 0 {
		t.Errorf("kpi_method_daily at 00044: %d rows differ from the facts", off)
	}
	for _, q := range []string{
		`SELECT store_id, zone_id, category, local_date, sum(events), sum(est_loss), sum(paid_value) FROM kpi_method_daily GROUP BY 1, 2, 3, 4
            EXCEPT SELECT store_id, zone_id, category, local_date, events, est_loss, paid_value FROM kpi_daily`,
		`SELECT store_id, zone_id, category, method, date_trunc('week', local_date)::date, sum(events), sum(open_value) FROM kpi_method_daily GROUP BY 1, 2, 3, 4, 5
            EXCEPT SELECT store_id, zone_id, category, method, week, events, open_value FROM kpi_method_weekly`,
		`SELECT store_id, zone_id, category, date_trunc('week', local_date)::date, sum(detections), sum(recovered_value) FROM kpi_method_daily GROUP BY 1, 2, 3, 4
            EXCEPT SELECT store_id, zone_id, category, week, detections, recovered_value FROM kpi_weekly`,
	} {
		var n int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM (`+q+`) x`).Scan(&n); err != nil || n != 0 {
			t.Errorf("at 00044, %d sums differ (%v): %s", n, err, q)
		}
	}
	// The rows as 00044 holds them, kept aside in tables of the test's own.
	var all []string
	for view := range zoneViews {
		all = append(all, view)
	}
	all = append(all, zoneSums...)
	for _, table := range all {
		if _, err := pool.Exec(ctx, `CREATE TABLE `+table+`_before AS SELECT * FROM `+table); err != nil {
			t.Fatal(err)
		}
	}
	same := func(when string, tables []string) {
		t.Helper()
		for _, view := range tables {
			var n, off int64
			err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM `+view+`), (SELECT count(*) FROM (
                (SELECT * FROM `+view+`_before EXCEPT ALL SELECT * FROM `+view+`)
                UNION ALL (SELECT * FROM `+view+` EXCEPT ALL SELECT * FROM `+view+`_before)) x)`).Scan(&n, &off)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if n == 0 || off != 0 {
				t.Errorf("%s: %s has %d rows, %d differ from those before", when, view, n, off)
			}
		}
	}
	others := []string{"kpi_method_hours", "kpi_store_hourly", "kpi_store_daily", "kpi_store_weekly", "kpi_estate", "kpi_estate_cuts"}
	before := fingerprints(t, pool, others)

	if _, err := p.UpTo(ctx, 45); err != nil {
		t.Fatal(err)
	}
	var views []string
	for view := range zoneViews {
		views = append(views, view)
	}
	same("packed, through the views", views)
	for _, table := range zoneSums {
		var gone bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NULL`, table).Scan(&gone); err != nil || !gone {
			t.Errorf("%s after 00045: dropped %v (%v)", table, gone, err)
		}
	}
	for view, packed := range zoneViews {
		var rows, cells int64
		if err := pool.QueryRow(ctx, `SELECT count(*), (SELECT count(*) FROM `+view+`) FROM `+packed).Scan(&rows, &cells); err != nil {
			t.Fatal(err)
		}
		if rows == 0 || rows*3 > cells {
			t.Errorf("%s: %d packed rows for %d cells, want at least 3 cells a row", packed, rows, cells)
		}
	}
	for table, f := range fingerprints(t, pool, others) {
		if before[table] != f {
			t.Errorf("%s differs after packing", table)
		}
	}
	again := zoneRowAnswers(t, pool, end)
	for q, a := range answers {
		if again[q] != a {
			t.Errorf("%s: before packing\n%s\nafter\n%s", q, a, again[q])
		}
	}
	verifyClean(t, pool, end.AddDate(0, 0, -21), end, 4, "packed")
	// The refresh packs a day and a week as the migration did: a rebuild
	// from the facts writes the same bytes.
	var packedTables []string
	for _, packed := range zoneViews {
		packedTables = append(packedTables, packed)
	}
	migrated := fingerprints(t, pool, packedTables)
	if err := roll.Rebuild(ctx, nil, 2); err != nil {
		t.Fatal(err)
	}
	for table, f := range fingerprints(t, pool, packedTables) {
		if migrated[table] != f {
			t.Errorf("%s rebuilt from the facts differs from the migration's packing", table)
		}
	}

	if _, err := p.DownTo(ctx, 44); err != nil {
		t.Fatal(err)
	}
	same("unpacked and summed by the Down", all)
	for table, f := range fingerprints(t, pool, others) {
		if before[table] != f {
			t.Errorf("%s differs after packing and unpacking", table)
		}
	}
	if _, err := p.UpTo(ctx, 45); err != nil {
		t.Fatal(err)
	}
	verifyClean(t, pool, end.AddDate(0, 0, -21), end, 4, "packed again")
}

// zoneRowAnswers is kpiAnswers and the cuts over dates that read the zone
// rows with a zone, category or method filter, of each store and of the
// estate.
func zoneRowAnswers(t *testing.T, pool *pgxpool.Pool, end time.Time) map[string]string {
	t.Helper()
	out := kpiAnswers(t, pool, end)
	// Both ends of 20 days: days at either end of whole weeks.
	from, to := end.AddDate(0, 0, -20), end.AddDate(0, 0, -1)
	filtered(t, pool, out, `SELECT DISTINCT ON (s.code) s.code, z.code, e.category, e.method FROM events e
        JOIN stores s ON s.id = e.store_id JOIN zones z ON z.id = e.zone_id ORDER BY s.code, z.code, e.category, e.method`, func(f eventFilter) []kpi.Query {
		qs := []kpi.Query{
			{By: kpi.ByZone, Store: f.store, Method: f.method},
			{By: kpi.ByCategory, Store: f.store, Zone: f.zone},
			{By: kpi.ByMethod, Store: f.store, Category: f.category},
			{By: kpi.ByMethod, Category: f.category},
			{By: kpi.ByCategory, Method: f.method},
			{By: kpi.ByDay, Store: f.store, Zone: f.zone, Method: f.method},
			{By: kpi.ByWeek, Category: f.category},
		}
		for i := range qs {
			qs[i].From, qs[i].To, qs[i].Dates = from, to, true
		}
		return qs
	})
	return out
}
