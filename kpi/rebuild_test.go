package kpi_test

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/seed"
	"github.com/shrinkscope/shrinkscope/kpi"
)

var rollupTables = []string{"kpi_hourly", "kpi_daily", "kpi_store_daily", "kpi_visitors_hourly", "kpi_visitors_daily", "kpi_response"}

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
		if n == 0 && table != "kpi_response" {
			w.t.Fatalf("%s is empty", table)
		}
		out[table] = sum
	}
	return out
}

// The incremental path — batches, late outcomes, footfall corrections —
// ends with exactly the rows a full rebuild computes.
func TestIncrementalMatchesRebuild(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	end := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC) // spans the autumn DST changes
	est := estate.New(estate.Config{Seed: 11, Stores: 4, Days: 21, End: end})
	if _, err := seed.Load(w.ctx, w.pool, est, nil); err != nil {
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
	n, err := w.roll.Refresh(w.ctx)
	if err != nil || n == 0 {
		t.Fatalf("refresh after late data: %d buckets, %v", n, err)
	}
	incremental := w.snapshot()
	if err := w.roll.Rebuild(w.ctx, nil); err != nil {
		t.Fatal(err)
	}
	rebuilt := w.snapshot()
	for _, table := range rollupTables {
		if incremental[table] != rebuilt[table] {
			t.Errorf("%s differs between incremental refresh and rebuild", table)
		}
	}
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
