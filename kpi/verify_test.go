package kpi_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/estate"
)

// Verify finds no drift where the rollups are current, and finds exactly
// the drift planted by hand in each kind of rollup table; days with a
// refresh still due are skipped, not reported.
func TestVerifyFindsPlantedDrift(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	end := time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC) // spans the autumn changes of Europe and America
	est := estate.New(estate.Config{Seed: 5, Stores: 3, Days: 21, End: end})
	if _, err := app.LoadEstate(w.ctx, w.pool, est, nil); err != nil {
		t.Fatal(err)
	}
	w.refresh()
	from, to := day("2026-10-10"), day("2026-11-04")
	rep, err := w.roll.Verify(w.ctx, nil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) != 0 || rep.Stores != 3 || rep.Chunks < 3 || rep.Pending != 0 {
		t.Fatalf("a current estate: %+v", rep)
	}

	var store string
	var storeID int64
	if err := w.pool.QueryRow(w.ctx, `SELECT code, id FROM stores ORDER BY code LIMIT 1`).Scan(&store, &storeID); err != nil {
		t.Fatal(err)
	}
	plant := []string{
		// An hour's zone row counts one event too many: the day's first
		// packed cell.
		`UPDATE kpi_method_hours SET events[1] = events[1] + 1 WHERE store_id = $1 AND local_date = '2026-10-20'`,
		// A day's zone row went missing: the first cell of the packed
		// store-day (migration 00045), every array without its first element.
		`UPDATE kpi_method_days SET ` + dropFirstCell + ` WHERE store_id = $1 AND local_date = '2026-10-21'`,
		// A store week's visitors and a store day's loss are off.
		`UPDATE kpi_store_weekly SET visitors = visitors + 7 WHERE store_id = $1 AND week = '2026-10-19'`,
		`UPDATE kpi_store_daily SET est_loss = est_loss + 0.01 WHERE store_id = $1 AND local_date = '2026-10-27'`,
		// An entrance hour's visitors are off.
		`UPDATE kpi_visitors_hours SET visitors[1] = visitors[1] - 1 WHERE store_id = $1 AND zone_id = 0 AND local_date = '2026-10-22'`,
	}
	for _, q := range plant {
		tag, err := w.pool.Exec(w.ctx, q, storeID)
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("plant %q: %v rows, %v", q, tag.RowsAffected(), err)
		}
	}
	rep, err = w.roll.Verify(w.ctx, []string{store}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, d := range rep.Drift {
		if d.Store != store {
			t.Errorf("drift in another store: %s", d)
		}
		found[d.Level+" "+d.Figure] = true
	}
	var got []string
	for k := range found {
		got = append(got, k)
	}
	sort.Strings(got)
	// The missing daily row shows in every figure it had that was not zero:
	// detections at least.
	for _, want := range []string{"kpi_method_hourly events", "kpi_method_daily detections", "kpi_store_weekly visitors",
		"kpi_store_daily est_loss", "kpi_visitors_hourly visitors"} {
		if !found[want] {
			t.Errorf("planted drift %q not found; found %s", want, strings.Join(got, ", "))
		}
	}
	for _, k := range got {
		switch {
		case strings.HasPrefix(k, "kpi_method_daily "), k == "kpi_method_hourly events", k == "kpi_store_weekly visitors",
			k == "kpi_store_daily est_loss", k == "kpi_visitors_hourly visitors":
		default:
			t.Errorf("drift reported that was not planted: %s", k)
		}
	}
	if d := rep.Drift[0]; d.String() == "" || d.Raw == d.Rollup {
		t.Errorf("drift reads %q", d)
	}

	// Repaired by a rebuild; then a fact whose refresh is due is skipped,
	// and one that lost its mark is caught.
	if err := w.roll.Rebuild(w.ctx, nil, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pool.Exec(w.ctx, `
INSERT INTO events (id, store_id, zone_id, occurred_at, score, method, category, est_value)
SELECT gen_random_uuid(), store_id, zone_id, occurred_at + interval '1 second', score, method, category, est_value
FROM events WHERE store_id = $1 AND occurred_at >= '2026-10-28' ORDER BY occurred_at LIMIT 1`, storeID); err != nil {
		t.Fatal(err)
	}
	rep, err = w.roll.Verify(w.ctx, []string{store}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drift) == 0 {
		t.Fatal("an event with no rollup and no mark went unnoticed")
	}
	for _, d := range rep.Drift {
		if d.Figure != "detections" && d.Figure != "events" && d.Figure != "est_loss" && d.Figure != "concealed_value" &&
			d.Figure != "open" && d.Figure != "unresolved" && d.Figure != "est_loss_cents" && d.Figure != "lost" &&
			d.Figure != "false_positive" && d.Figure != "recovered" && d.Figure != "recovered_value" && !strings.HasSuffix(d.Figure, "_recovered") &&
			d.Figure != "paid" && d.Figure != "interventions" && d.Figure != "responded" && d.Figure != "recovered_value_cents" &&
			d.Figure != "open_value" && d.Figure != "open_value_cents" && d.Figure != "confirmed" && d.Figure != "paid_value" && d.Figure != "paid_value_cents" {
			t.Errorf("unexpected drift %s", d)
		}
	}
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO kpi_dirty (store_id, hour)
		SELECT store_id, local_hour(occurred_at, s.timezone) FROM events e JOIN stores s ON s.id = e.store_id
		WHERE e.store_id = $1 AND occurred_at >= '2026-10-28' ORDER BY occurred_at LIMIT 1`, storeID); err != nil {
		t.Fatal(err)
	}
	rep, err = w.roll.Verify(w.ctx, []string{store}, from, to)
	if err != nil || len(rep.Drift) != 0 || rep.Pending != 1 {
		t.Fatalf("with the refresh due: %+v, %v", rep, err)
	}
	w.refresh()
	if rep, err = w.roll.Verify(w.ctx, nil, from, to); err != nil || len(rep.Drift) != 0 || rep.Pending != 0 {
		t.Fatalf("after the refresh: %+v, %v", rep, err)
	}
	if _, err := w.roll.Verify(w.ctx, []string{"NOPE"}, from, to); err == nil {
		t.Error("an unknown store verified")
	}
}

// dropFirstCell is the SET list that takes the first cell out of a row of
// kpi_method_days: each of its arrays from the second element on.
var dropFirstCell = func() string {
	var set []string
	for _, c := range strings.Fields(`zone_ids categories methods detections events est_loss recovered_value concealed_value recovered lost
		false_positive open paid nudged_paid blocked_recovered intervened_recovered unresolved interventions responded confirmed
		open_value paid_value responses`) {
		set = append(set, c+" = "+c+"[2:]")
	}
	return strings.Join(set, ", ")
}()
