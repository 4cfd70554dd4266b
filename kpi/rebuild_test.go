package kpi_test

import (
	"math"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

var rollupTables = []string{"kpi_method_hours", "kpi_method_days", "kpi_method_weeks", "kpi_method_daily", "kpi_method_weekly", "kpi_store_hourly", "kpi_store_daily", "kpi_store_weekly",
	"kpi_visitors_hours", "kpi_visitors_daily", "kpi_visitors_weekly", "kpi_estate"}

// snapshot fingerprints every rollup row.
func (w *world) snapshot() map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for _, table := range rollupTables {
		var n int
		var sum string
		err := w.pool.QueryRow(w.ctx, `SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`).Scan(&n, &sum)
		if err != nil {
			w.t.Fatal(err)
		}
		if n == 0 {
			w.t.Fatalf("%s is empty", table)
		}
		out[table] = sum
	}
	return out
}

// matchesRebuild rebuilds every rollup and checks each table ends exactly
// as the snapshot before, which path (named) computed.
func (w *world) matchesRebuild(before map[string]string, path string) {
	w.t.Helper()
	if err := w.roll.Rebuild(w.ctx, nil, 2); err != nil {
		w.t.Fatal(err)
	}
	rebuilt := w.snapshot()
	for _, table := range rollupTables {
		if before[table] != rebuilt[table] {
			w.t.Errorf("%s differs between %s and rebuild", table, path)
		}
	}
}

// The incremental path — batches, late outcomes, footfall corrections —
// ends with exactly the rows a full rebuild computes.
func TestIncrementalMatchesRebuild(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	end := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC) // spans the autumn DST changes
	est := estate.New(estate.Config{Seed: 11, Stores: 4, Days: 21, End: end})
	if _, err := app.LoadEstate(w.ctx, w.pool, est, nil); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	// Late data: every open event of store S001 is resolved, a footfall hour corrected, a new event added.
	rows, err := w.pool.Query(w.ctx, `SELECT e.id::text, e.occurred_at FROM events e JOIN stores s ON s.id = e.store_id
		LEFT JOIN outcomes o ON o.event_id = e.id WHERE s.code = 'S001' AND (o.outcome IS NULL OR o.outcome = 'unresolved') LIMIT 50`)
	if err != nil {
		t.Fatal(err)
	}
	var late []ss.OutcomeInput
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			t.Fatal(err)
		}
		v := 12.5
		late = append(late, ss.OutcomeInput{Event: id, Outcome: ss.OutcomeIntervenedRecovered, At: at.Add(72 * time.Hour).Format(time.RFC3339),
			RespondedAt: at.Add(45 * time.Second).Format(time.RFC3339), ValueRecovered: &v})
	}
	if len(late) == 0 {
		t.Fatal("no open events to resolve")
	}
	if _, err := w.ing.Outcomes(w.ctx, nil, late); err != nil {
		t.Fatal(err)
	}
	var hour time.Time
	if err := w.pool.QueryRow(w.ctx, `SELECT hour FROM footfall f JOIN stores s ON s.id = f.store_id WHERE s.code = 'S002' AND zone_id IS NULL ORDER BY hour LIMIT 1`).Scan(&hour); err != nil {
		t.Fatal(err)
	}
	w.footfall("S002", "", hour, 4321)
	w.event("S003", est.Stores[2].Zones[0].Code, end.Add(-30*time.Hour), 99)
	// A sales correction for a day that has one, and sales for a day that had none.
	amount, other := 1234.56, 99.5
	if _, err := w.ing.Sales(w.ctx, nil, []ss.SaleInput{{Store: "S004", Day: "2026-10-25", Amount: &amount},
		{Store: "S004", Day: "2026-11-20", Amount: &other}}); err != nil {
		t.Fatal(err)
	}
	n, err := w.roll.Refresh(w.ctx)
	if err != nil || n == 0 {
		t.Fatalf("refresh after late data: %d buckets, %v", n, err)
	}
	incremental := w.snapshot()
	sales := w.get(kpi.Query{From: day("2026-10-25"), To: day("2026-10-25"), Dates: true, By: "store", Store: "S004"})
	if len(sales) != 1 || !near(sales[0].Sales, 1234.56, 0.001) {
		t.Errorf("S004 sales on 2026-10-25 after the correction: %+v", sales)
	}
	w.matchesRebuild(incremental, "incremental refresh")
	// And the rollups agree with the raw events: the estate's event count.
	var raw int64
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM events e LEFT JOIN outcomes o ON o.event_id = e.id WHERE o.outcome IS DISTINCT FROM 'false_positive'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	got := w.get(kpi.Query{From: day("2026-01-01"), To: day("2026-12-31"), Dates: true, By: "estate"})
	if len(got) != 1 || got[0].Events != raw {
		t.Errorf("estate events from rollups %+v, raw count %d", got, raw)
	}
}

// Store rows over dates read whole weeks from kpi_store_weekly and the days
// at the ends from kpi_store_daily; both periods must match the raw events.
func TestStoreRowsFromWeeksMatchRawEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	end := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	est := estate.New(estate.Config{Seed: 3, Stores: 3, Days: 35, End: end})
	if _, err := app.LoadEstate(w.ctx, w.pool, est, nil); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	// 2026-10-22 (Thursday) .. 2026-11-08 (Sunday): two whole weeks and four days;
	// the previous period 2026-10-04 .. 2026-10-21 has two whole weeks too.
	from, to := day("2026-10-22"), day("2026-11-08")
	rows := w.get(kpi.Query{From: from, To: to, Dates: true, By: "store"})
	if len(rows) != 3 {
		t.Fatalf("got %d store rows, want 3", len(rows))
	}
	percentiles := 0
	expected := map[time.Time]map[string]float64{
		from: rawExpected(t, w, from, to, kpi.DefaultMinReviews, false), day("2026-10-04"): rawExpected(t, w, day("2026-10-04"), day("2026-10-21"), kpi.DefaultMinReviews, false)}
	for _, r := range rows {
		for _, per := range []struct {
			f        *kpi.Figures
			from, to time.Time
		}{{&r.Figures, from, to}, {r.Previous, day("2026-10-04"), day("2026-10-21")}} {
			var events, visitors int64
			var p50, p90 *float64
			loss := expected[per.from][r.Key.Store]
			err := w.pool.QueryRow(w.ctx, `
SELECT count(*) FILTER (WHERE o.outcome IS DISTINCT FROM 'false_positive'),
    percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.responded_at - e.occurred_at))::float8,
    percentile_disc(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM o.responded_at - e.occurred_at))::float8,
    (SELECT coalesce(sum(f.visitors), 0) FROM footfall f WHERE f.store_id = s.id AND f.zone_id IS NULL
        AND (f.hour AT TIME ZONE s.timezone)::date BETWEEN $2 AND $3)
FROM stores s JOIN events e ON e.store_id = s.id LEFT JOIN outcomes o ON o.event_id = e.id
WHERE s.code = $1 AND (e.occurred_at AT TIME ZONE s.timezone)::date BETWEEN $2 AND $3
GROUP BY s.id`, r.Key.Store, per.from, per.to).Scan(&events, &p50, &p90, &visitors)
			if err != nil {
				t.Fatal(err)
			}
			f := per.f
			if f.Events != events || math.Abs(f.EstLoss-loss) > 0.005 || f.Visitors == nil || *f.Visitors != visitors {
				t.Errorf("%s %s..%s: events %d est_loss %.2f visitors %v, raw %d %.2f %d", r.Key.Store, per.from.Format(time.DateOnly),
					per.to.Format(time.DateOnly), f.Events, f.EstLoss, show2(f.Visitors), events, loss, visitors)
			}
			if p50 == nil {
				// A store without interventions (detection only) has no response times.
				if f.ResponseP50 != nil || f.ResponseP90 != nil {
					t.Errorf("%s: response p50 %v p90 %v, raw none", r.Key.Store, show(f.ResponseP50), show(f.ResponseP90))
				}
				continue
			}
			percentiles++
			if !near(f.ResponseP50, *p50, *p50*0.02) || !near(f.ResponseP90, *p90, *p90*0.02) {
				t.Errorf("%s: response p50 %v p90 %v, raw %v %v", r.Key.Store, show(f.ResponseP50), show(f.ResponseP90), show(p50), show(p90))
			}
		}
	}
	if percentiles == 0 {
		t.Error("no store had response times to compare")
	}

	// One store's row is read from its own store rows, not kpi_estate: the same figures.
	for _, r := range rows {
		one := w.get(kpi.Query{From: from, To: to, Dates: true, By: "store", Store: r.Key.Store})
		if len(one) != 1 {
			t.Fatalf("store %s alone: %d rows", r.Key.Store, len(one))
		}
		a, b := one[0], r
		if a.Events != b.Events || a.EstLoss != b.EstLoss || *a.Visitors != *b.Visitors || show(a.ResponseP90) != show(b.ResponseP90) ||
			show(a.Sales) != show(b.Sales) || a.Previous.Events != b.Previous.Events || show(a.Previous.ResponseP50) != show(b.Previous.ResponseP50) {
			t.Errorf("store %s alone %+v, in the estate %+v", r.Key.Store, a.Figures, b.Figures)
		}
	}

	// By zone: kpi_method_daily and kpi_method_weekly, kpi_visitors_daily and kpi_visitors_weekly.
	code := est.Stores[0].Code
	zones := w.get(kpi.Query{From: from, To: to, Dates: true, By: "zone", Store: code})
	if len(zones) == 0 {
		t.Fatal("no zone rows")
	}
	var zoneVisitors int64
	zoneLoss := rawExpected(t, w, from, to, kpi.DefaultMinReviews, true)
	for _, r := range zones {
		var events, visitors int64
		loss := zoneLoss[code+" "+r.Key.Zone]
		err := w.pool.QueryRow(w.ctx, `
SELECT (SELECT count(*) FROM events e LEFT JOIN outcomes o ON o.event_id = e.id
        WHERE e.zone_id = z.id AND o.outcome IS DISTINCT FROM 'false_positive' AND (e.occurred_at AT TIME ZONE s.timezone)::date BETWEEN $3 AND $4),
    (SELECT coalesce(sum(f.visitors), 0) FROM footfall f WHERE f.zone_id = z.id AND (f.hour AT TIME ZONE s.timezone)::date BETWEEN $3 AND $4)
FROM stores s JOIN zones z ON z.store_id = s.id WHERE s.code = $1 AND z.code = $2`, code, r.Key.Zone, from, to).Scan(&events, &visitors)
		if err != nil {
			t.Fatal(err)
		}
		gotVisitors := int64(0)
		if r.Visitors != nil {
			gotVisitors = *r.Visitors
		}
		zoneVisitors += visitors
		if r.Events != events || math.Abs(r.EstLoss-loss) > 0.005 || gotVisitors != visitors {
			t.Errorf("zone %s: events %d est_loss %.2f visitors %d, raw %d %.2f %d", r.Key.Zone, r.Events, r.EstLoss, gotVisitors, events, loss, visitors)
		}
	}
	if zoneVisitors == 0 {
		t.Error("the estate gave no zone footfall to compare")
	}
}

func show2(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Refreshes running at once — replicas, or a slow refresh overlapping the
// next — take turns: small chunks split a day's hours between transactions,
// and every day still ends with the figures a rebuild computes.
func TestConcurrentRefreshesMatchRebuild(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	est := estate.New(estate.Config{Seed: 7, Stores: 2, Days: 10, End: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)})
	if _, err := app.LoadEstate(w.ctx, w.pool, est, nil); err != nil {
		t.Fatal(err)
	}
	refreshers := make([]*kpi.Rollups, 3)
	for i := range refreshers {
		refreshers[i] = kpi.NewRollups(w.pool)
		kpi.SetRefreshChunk(refreshers[i], 7)
	}
	errs := make(chan error, len(refreshers))
	for _, r := range refreshers {
		go func() {
			_, err := r.Refresh(w.ctx)
			errs <- err
		}()
	}
	for range refreshers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var left int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM kpi_dirty`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d dirty buckets left, %v", left, err)
	}
	w.matchesRebuild(w.snapshot(), "concurrent refreshes")
}
