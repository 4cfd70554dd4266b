package kpi_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
)

// Purging raw facts keeps every rollup as it was, and neither a rebuild,
// a verify, nor a late fact for a purged week erases or contradicts them.
func TestPurgeKeepsRollups(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	end := time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC) // a Monday
	est := estate.New(estate.Config{Seed: 5, Stores: 3, Days: 28, End: end})
	if _, err := app.LoadEstate(w.ctx, w.pool, est, nil); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	before := w.snapshot()
	// Thursday 5 March: each store keeps from its local Monday 2 March.
	cut := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	edge := `(DATE '2026-03-02'::timestamp AT TIME ZONE s.timezone)`
	var oldEvents, newEvents, oldFootfall int64
	w.scan(`SELECT count(*) FILTER (WHERE e.occurred_at < `+edge+`), count(*) FILTER (WHERE e.occurred_at >= `+edge+`)
		FROM events e JOIN stores s ON s.id = e.store_id`, &oldEvents, &newEvents)
	w.scan(`SELECT count(*) FROM footfall f JOIN stores s ON s.id = f.store_id WHERE f.hour < `+edge, &oldFootfall)
	// Outcomes by their own store and time, as they were stored.
	var oldOutcomes, newOutcomes int64
	w.scan(`SELECT count(*) FILTER (WHERE o.occurred_at < `+edge+`), count(*) FILTER (WHERE o.occurred_at >= `+edge+`)
		FROM outcomes o JOIN stores s ON s.id = o.store_id`, &oldOutcomes, &newOutcomes)
	if oldEvents == 0 || newEvents == 0 || oldFootfall == 0 || oldOutcomes == 0 || newOutcomes == 0 {
		t.Fatalf("estate has %d old and %d new events, %d old footfall rows, %d old and %d new outcomes",
			oldEvents, newEvents, oldFootfall, oldOutcomes, newOutcomes)
	}
	st, err := w.roll.Purge(w.ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stores != 3 || st.Events != oldEvents || st.Footfall != oldFootfall || st.Outcomes != oldOutcomes {
		t.Errorf("purge %+v, want 3 stores, %d events, %d footfall rows, %d outcomes", st, oldEvents, oldFootfall, oldOutcomes)
	}
	var left, kept, keptFrom, leftOutcomes, keptOutcomes int64
	w.scan(`SELECT count(*) FILTER (WHERE e.occurred_at < `+edge+`), count(*) FROM events e JOIN stores s ON s.id = e.store_id`, &left, &kept)
	w.scan(`SELECT count(*) FILTER (WHERE o.occurred_at < `+edge+`), count(*) FROM outcomes o JOIN stores s ON s.id = o.store_id`, &leftOutcomes, &keptOutcomes)
	w.scan(`SELECT count(*) FROM kpi_retention WHERE kept_from = '2026-03-02'`, &keptFrom)
	if left != 0 || kept != newEvents || keptFrom != 3 || leftOutcomes != 0 || keptOutcomes != newOutcomes {
		t.Errorf("after purge: %d old events left, %d kept (want %d), %d old outcomes left, %d kept (want %d), %d stores keep from 2 March",
			left, kept, newEvents, leftOutcomes, keptOutcomes, newOutcomes, keptFrom)
	}
	// A second purge at the same age removes nothing.
	if st, err := w.roll.Purge(w.ctx, cut); err != nil || st.Stores != 0 || st.Rows() != 0 {
		t.Errorf("second purge %+v %v", st, err)
	}
	for table, sum := range w.snapshot() {
		if sum != before[table] {
			t.Errorf("%s changed by the purge", table)
		}
	}
	// A rebuild recomputes from the facts left, and keeps the purged weeks' rows.
	w.matchesRebuild(before, "the purge")
	rep, err := w.roll.Verify(w.ctx, nil, day("2026-02-09"), day("2026-03-15"))
	if err != nil || len(rep.Drift) != 0 {
		t.Errorf("verify after purge: %v, drift %v", err, rep.Drift)
	}
	// A late event for a purged week is refused (no rollup would ever
	// count it) and changes nothing.
	zone := est.Stores[0].Zones[0].Code
	score := 0.9
	late := ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: est.Stores[0].Code, Zone: zone,
		OccurredAt: "2026-02-20T15:30:00Z", Score: &score}
	var be *ss.BatchError
	if _, err := w.ing.Events(w.ctx, nil, []ss.EventInput{late}); !errors.As(err, &be) || len(be.Items) != 1 || be.Items[0].Field != "occurred_at" {
		t.Errorf("late event in a purged week: %v, want a batch error on occurred_at", err)
	}
	w.refresh()
	for table, sum := range w.snapshot() {
		if sum != before[table] {
			t.Errorf("%s changed by a late event in a purged week", table)
		}
	}
}

func (w *world) scan(sql string, dest ...any) {
	w.t.Helper()
	if err := w.pool.QueryRow(w.ctx, sql).Scan(dest...); err != nil {
		w.t.Fatal(err)
	}
}
