package kpi

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Ingest refuses facts from before their store's kept_from (retention.go):
// their week's raw facts are purged and its rollups are the only record,
// which no refresh, rebuild or verify touches again, so a late fact stored
// there would be counted by nothing. Refusing it (422) tells the sender so
// instead of a silent 200.

// keptEdge is where a store's retained raw facts begin: the local Monday
// kept_from and the instant it began in the store's time zone.
type keptEdge struct {
	day time.Time // midnight UTC of the kept_from date, to compare with dates
	at  time.Time
}

// keptFromSQL is store $1's edge; no row when nothing was purged.
const keptFromSQL = `SELECT r.kept_from, r.kept_from::timestamp AT TIME ZONE s.timezone
FROM kpi_retention r JOIN store_directory s ON s.id = r.store_id WHERE r.store_id = $1`

// kept returns ref's edge, read once per store and batch; ok is false when
// the store has purged nothing.
func (r *resolver) kept(ref *ss.StoreRef) (keptEdge, bool) {
	if e, seen := r.edges[ref.ID]; seen {
		return e, !e.at.IsZero()
	}
	if r.edges == nil {
		r.edges = map[int64]keptEdge{}
	}
	var e keptEdge
	err := r.pool.QueryRow(r.ctx, keptFromSQL, ref.ID).Scan(&e.day, &e.at)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		r.failed = fmt.Errorf("kpi: read kept_from of store %q: %w", ref.Code, err)
		return keptEdge{}, false
	}
	r.edges[ref.ID] = e
	return e, !e.at.IsZero()
}

// before adds an item error when instant t of item i (its field) falls
// before ref's kept_from, and reports whether it did.
func (r *resolver) before(i int, ref *ss.StoreRef, field string, t time.Time, be *ss.BatchError) bool {
	e, ok := r.kept(ref)
	if !ok || !t.Before(e.at) {
		return false
	}
	be.Add(i, field, "%s %s is before store %s's kept_from %s: raw facts before then were purged by retention and nothing older is stored",
		field, t.UTC().Format(time.RFC3339), ref.Code, e.day.Format(time.DateOnly))
	return true
}

// beforeDay is before for a local date (a sales day).
func (r *resolver) beforeDay(i int, ref *ss.StoreRef, field string, day time.Time, be *ss.BatchError) bool {
	e, ok := r.kept(ref)
	if !ok || !day.Before(e.day) {
		return false
	}
	be.Add(i, field, "%s %s is before store %s's kept_from %s: raw facts before then were purged by retention and nothing older is stored",
		field, day.Format(time.DateOnly), ref.Code, e.day.Format(time.DateOnly))
	return true
}
