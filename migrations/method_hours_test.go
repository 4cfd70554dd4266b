package migrations_test

import (
	"context"
	"encoding/hex"
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

// The bytes of a packed cell (00038), computed by hand from the format the
// migration describes, and back.
func TestMethodCellBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := migratedTo(t, 38)
	for _, c := range []struct {
		name, args, want string
	}{{
		// minute −60 → zigzag 119 = 77; zone 12345 → zigzag 24690 = f2 c0 01;
		// labels 0, 1; mask bits 0 1 2 4 8 15 17 and 19 (the sketch) =
		// 688407 = 97 82 2a; detections 1, events 1, est_loss 12.50 → 1250 →
		// zigzag 2500 = c4 13, concealed c4 13, open 1, responded 1,
		// open_value c4 13; sketch: 2 buckets, 5 (+5) ×2, 300 (+295 = a7 02) ×1.
		"an open event with a response sketch",
		`-60, 12345, 0, 1, ARRAY[1,1,12.50,0,12.50,0,0,0,1,0,0,0,0,0,0,1,0,12.50,0]::numeric[], ARRAY[(5::bigint << 32) | 2, (300::bigint << 32) | 1]`,
		"77f2c001000197822a0101c413c4130101c413020502a70201",
	}, {
		"every figure zero: five bytes of key and mask", `0, 0, 0, 0, array_fill(0, ARRAY[19])::numeric[], '{}'`, "0000000000",
	}, {
		// A negative recovered value (value_recovered has no sign check):
		// −3.10 → −310 → zigzag 619 = eb 04; mask bit 3 = 08.
		"a negative amount", `1, -1, 2, 3, ARRAY[0,0,0,-3.10,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]::numeric[], '{}'`, "02010203" + "08" + "eb04",
	}} {
		var got []byte
		if err := pool.QueryRow(ctx, `SELECT kpi_method_cell(`+c.args+`)`).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if hex.EncodeToString(got) != c.want {
			t.Errorf("%s: %x, want %s", c.name, got, c.want)
		}
	}

	// Two cells back: the second's minute and zone are deltas of the first's.
	var rows []string
	r, err := pool.Query(ctx, `SELECT concat_ws(' ', minute, zone_id, category, method, detections, events, est_loss, recovered_value,
        concealed_value, recovered, false_positive, open, paid, responded, open_value, paid_value, response)
    FROM kpi_method_cells(decode('77f2c001000197822a0101c413c4130101c413020502a70201', 'hex')
        || kpi_method_cell(120, -5, 1, 0, ARRAY[2,1,0,3.10,3.10,1,0,1,0,1,0,0,0,0,0,0,0,0,3.10]::numeric[], '{}'), ARRAY['bag', 'pocket'])`)
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var s string
		if err := r.Scan(&s); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, s)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"-60 12345 bag pocket 1 1 12.50 0 12.50 0 0 1 0 1 12.50 0 {21474836482,1288490188801}",
		"60 12340 pocket bag 2 1 0 3.10 3.10 1 1 0 1 0 0 3.10 {}",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("decoded\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	// An empty day has no cells; an amount that is not whole cents is refused.
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM kpi_method_cells(''::bytea, '{}')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("an empty day: %d cells, %v", n, err)
	}
	_, err = pool.Exec(ctx, `SELECT kpi_method_cell(0, 0, 0, 0, ARRAY[1,1,0.005,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]::numeric[], '{}')`)
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
	// The rows as 00037 holds them, kept aside in a table of the test's own.
	if _, err := pool.Exec(ctx, `CREATE TABLE method_rows_before AS SELECT * FROM kpi_method_hourly`); err != nil {
		t.Fatal(err)
	}
	others := []string{"kpi_store_hourly", "kpi_method_daily", "kpi_daily", "kpi_store_daily", "kpi_estate"}
	before := fingerprints(t, pool, others)
	answers := methodAnswers(t, pool, end)

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
	again := methodAnswers(t, pool, end)
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
	ctx := context.Background()
	out := kpiAnswers(t, pool, end)
	type filter struct{ store, zone, category, method string }
	var filters []filter
	rows, err := pool.Query(ctx, `SELECT DISTINCT s.code, z.code, e.category, e.method FROM events e
        JOIN stores s ON s.id = e.store_id JOIN zones z ON z.id = e.zone_id ORDER BY 1, 2, 3, 4 LIMIT 6`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var f filter
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
		for _, q := range []kpi.Query{
			{By: kpi.ByHourOfWeek, Store: f.store, Zone: f.zone, From: end.AddDate(0, 0, -14), To: end.AddDate(0, 0, -1), Dates: true},
			{By: kpi.ByHourOfWeek, Category: f.category, From: end.AddDate(0, 0, -14), To: end.AddDate(0, 0, -1), Dates: true},
			{By: kpi.ByHourOfWeek, Store: f.store, Method: f.method, From: time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)},
			{By: kpi.ByCategory, Store: f.store, Zone: f.zone, From: end.Add(-36 * time.Hour), To: end},
			{By: kpi.ByMethod, Category: f.category, From: time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)},
			{By: kpi.ByZone, Store: f.store, Method: f.method, From: end.Add(-36 * time.Hour), To: end},
		} {
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
	return out
}
