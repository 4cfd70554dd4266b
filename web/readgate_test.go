package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/web"
)

// With every read slot taken, a further read is shed with 503 and
// Retry-After once its wait is up, while ingest and health checks, which
// do not queue behind reads, answer at once.
func TestReadsAreShedWhenTheGateIsFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setupWith(t, dbtest.New(t), web.Options{ReadConcurrency: 1, ReadWait: 200 * time.Millisecond})
	// A read of targets stalls on a lock held here, and holds the one slot.
	tx, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE kpi_targets IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	stalled := make(chan response, 1)
	go func() { stalled <- f.do("GET", "/api/v1/targets", f.admin, nil) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'kpi_targets'::regclass`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the targets read never reached the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := f.do("GET", "/api/v1/stores", f.admin, nil)
	if r.Status != http.StatusServiceUnavailable || r.errCode() != "unavailable" || r.Header.Get("Retry-After") == "" {
		t.Errorf("read with the gate full: %d, Retry-After %q: %s; want 503 with Retry-After", r.Status, r.Header.Get("Retry-After"), r.Raw)
	}
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(event("S1", "Z1", time.Now().Add(-time.Minute))))
	f.mustStatus(http.StatusOK, "GET", "/healthz", "", nil)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-stalled; r.Status != http.StatusOK {
		t.Errorf("the stalled read: %d %s", r.Status, r.Raw)
	}
	f.mustStatus(http.StatusOK, "GET", "/api/v1/stores", f.admin, nil)
}
