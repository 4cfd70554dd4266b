package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
)

// Everything the generator emits is stored once: counts match the generator's
// own stream, outcomes sit in their events' buckets, and a layout change
// becomes a second layout version effective at the change.
func TestLoadStoresTheWholeEstate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC) // spans the US spring-forward (8 March)
	est := estate.New(estate.Config{Seed: 3, Stores: 3, Days: 21, End: end})
	var c estate.Collector
	if err := est.StreamAll(&c); err != nil {
		t.Fatal(err)
	}
	latest := map[[16]byte]bool{}
	for _, o := range c.Outcomes {
		latest[o.EventID] = true
	}
	var calls int
	st, err := app.LoadEstate(ctx, pool, est, func(done, total int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("progress called %d times, want 3", calls)
	}
	counts := map[string]int{}
	for _, table := range []string{"stores", "events", "outcomes", "footfall", "sales"} {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	want := map[string]int{"stores": 3, "events": len(c.Events), "outcomes": len(latest), "footfall": len(c.Footfalls), "sales": len(c.Sales)}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s: %d rows stored, generator emitted %d", k, counts[k], v)
		}
	}
	if st.Events != len(c.Events) || len(c.Events) == 0 {
		t.Errorf("Load reported %d events, generator emitted %d", st.Events, len(c.Events))
	}
	var misplaced int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outcomes o JOIN events e ON e.id = o.event_id WHERE o.occurred_at <> e.occurred_at OR o.store_id <> e.store_id`).Scan(&misplaced); err != nil {
		t.Fatal(err)
	}
	if misplaced != 0 {
		t.Errorf("%d outcomes outside their event's bucket", misplaced)
	}
	for i, s := range est.Stores {
		var versions int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM layout_versions lv JOIN stores s ON s.id = lv.store_id WHERE s.code = $1`, s.Code).Scan(&versions)
		want := 1
		if s.Change >= 0 {
			want = 2
		}
		if versions != want {
			t.Errorf("store %d (%s): %d layout versions, want %d", i, s.Code, versions, want)
		}
	}
}

// A reset empties every table but the schema version and the tokens, so
// the same estate loads again from nothing: the same counts, no event id
// taken for a replay.
func TestResetThenLoadAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	est := estate.New(estate.Config{Seed: 9, Stores: 2, Days: 10, End: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	first, err := app.LoadEstate(ctx, pool, est, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO api_tokens (name, role, hash, prefix) VALUES ('keep', 'admin', 'x', 'sst_x')`); err != nil {
		t.Fatal(err)
	}
	if err := app.Reset(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var left, tokens int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM stores) + (SELECT count(*) FROM events)
		+ (SELECT count(*) FROM kpi_dirty) + (SELECT count(*) FROM footfall), (SELECT count(*) FROM api_tokens)`).Scan(&left, &tokens); err != nil {
		t.Fatal(err)
	}
	if left != 0 || tokens != 1 {
		t.Fatalf("after reset: %d rows left in the estate's tables, %d tokens", left, tokens)
	}
	again, err := app.LoadEstate(ctx, pool, est, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Errorf("loaded %+v after the reset, %+v before", again, first)
	}
}
