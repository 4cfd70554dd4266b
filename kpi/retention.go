package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Retention: raw facts (events, their outcomes, footfall) older than a
// configured age are purged, while their rollups stay as the record of those
// periods. Each store purges whole local ISO weeks: kpi_retention.kept_from
// is the local Monday from which the store's raw facts are complete, so
// every hourly, daily and weekly rollup row is either wholly before it (kept
// as it is, forever) or wholly after it (recomputable from the facts).
// Three guards keep the rows before kept_from:
//
//   - Rebuild's store statements (storeShape) delete and recompute only rows
//     on or after kept_from, and read facts only from then on;
//   - Refresh skips dirty marks of hours before kept_from (a late fact for a
//     purged week would otherwise replace that hour's kept figures with its
//     own);
//   - Verify starts each store at kept_from.
//
// Sales (one row per store and day) are kept.

// keptFromDate is store $1's kept_from, or -infinity when nothing was purged.
const keptFromDate = `(SELECT coalesce(max(r.kept_from), '-infinity'::date) FROM kpi_retention r WHERE r.store_id = $1)`

// keptFromInstant is the instant store $1's kept_from began in its time zone.
const keptFromInstant = `(SELECT coalesce(max(r.kept_from::timestamp AT TIME ZONE st.timezone), '-infinity'::timestamptz)
    FROM kpi_retention r JOIN store_directory st ON st.id = r.store_id WHERE r.store_id = $1)`

// PurgeStats is what Purge removed.
type PurgeStats struct {
	Stores   int // stores whose kept_from moved
	Events   int64
	Outcomes int64
	Footfall int64
}

// Rows is every raw row purged.
func (p PurgeStats) Rows() int64 { return p.Events + p.Outcomes + p.Footfall }

// Purge deletes the raw facts of each store from before the local Monday of
// the week holding before (in the store's time zone), so at least everything
// since before is kept, and records that Monday as the store's kept_from.
// Rollups are first brought up to date, and each store's purge holds the
// rollup lock, so no refresh or rebuild sees half of it.
func (r *Rollups) Purge(ctx context.Context, before time.Time) (PurgeStats, error) {
	var st PurgeStats
	if _, err := r.Refresh(ctx); err != nil {
		return st, fmt.Errorf("kpi: purge: %w", err)
	}
	rows, err := r.pool.Query(ctx, `
SELECT s.id, date_trunc('week', ($1::timestamptz AT TIME ZONE s.timezone))::date AS kept_from
FROM store_directory s LEFT JOIN kpi_retention k ON k.store_id = s.id
WHERE k.kept_from IS NULL OR k.kept_from < date_trunc('week', ($1::timestamptz AT TIME ZONE s.timezone))::date
ORDER BY s.id`, before)
	if err != nil {
		return st, fmt.Errorf("kpi: purge: %w", err)
	}
	type cut struct {
		store int64
		from  time.Time
	}
	var cuts []cut
	var c cut
	if _, err := pgx.ForEachRow(rows, []any{&c.store, &c.from}, func() error { cuts = append(cuts, c); return nil }); err != nil {
		return st, fmt.Errorf("kpi: purge: %w", err)
	}
	for _, c := range cuts {
		if err := r.purgeStore(ctx, c.store, c.from, &st); err != nil {
			return st, fmt.Errorf("kpi: purge store %d before %s: %w", c.store, c.from.Format(time.DateOnly), err)
		}
		st.Stores++
	}
	return st, nil
}

func (r *Rollups) purgeStore(ctx context.Context, store int64, keptFrom time.Time, st *PurgeStats) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, rollupLock); err != nil {
			return err
		}
		// Marks committed since the refresh above: their hours are recomputed
		// now, while their facts still exist.
		rows, err := tx.Query(ctx, `DELETE FROM kpi_dirty d USING store_directory s
WHERE d.store_id = $1 AND s.id = d.store_id AND d.hour < ($2::date::timestamp AT TIME ZONE s.timezone)
RETURNING d.store_id, d.hour`, store, keptFrom)
		if err != nil {
			return err
		}
		set := map[bucket]bool{}
		var b bucket
		if _, err := pgx.ForEachRow(rows, []any{&b.store, &b.hour}, func() error { set[b] = true; return nil }); err != nil {
			return err
		}
		if len(set) > 0 {
			if err := recomputeIn(ctx, tx, sortedBuckets(set)); err != nil {
				return err
			}
		}
		b2 := &pgx.Batch{}
		edge := `(SELECT $2::date::timestamp AT TIME ZONE timezone FROM store_directory WHERE id = $1)`
		// The outcomes of the events purged, found by the events' index
		// (an outcome is its event's store and time: kpi/outcomes.go); the
		// stores equal, so that on Citus it stays on the store's shard.
		b2.Queue(`DELETE FROM outcomes o USING events e
WHERE o.event_id = e.id AND o.store_id = e.store_id AND e.store_id = $1 AND e.occurred_at < `+edge, store, keptFrom)
		b2.Queue(`DELETE FROM events WHERE store_id = $1 AND occurred_at < `+edge, store, keptFrom)
		b2.Queue(`DELETE FROM footfall WHERE store_id = $1 AND hour < `+edge, store, keptFrom)
		b2.Queue(`INSERT INTO kpi_retention (store_id, kept_from) VALUES ($1, $2)
ON CONFLICT (store_id) DO UPDATE SET kept_from = greatest(kpi_retention.kept_from, excluded.kept_from), purged_at = now()`, store, keptFrom)
		br := tx.SendBatch(ctx, b2)
		for _, n := range []*int64{&st.Outcomes, &st.Events, &st.Footfall} {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return err
			}
			*n += tag.RowsAffected()
		}
		return br.Close()
	})
}

// retained drops the buckets of hours before their store's kept_from.
func retained(ctx context.Context, tx pgx.Tx, buckets []bucket) ([]bucket, error) {
	var purged int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM kpi_retention`).Scan(&purged); err != nil || purged == 0 {
		return buckets, err
	}
	stores := make([]int64, len(buckets))
	hours := make([]time.Time, len(buckets))
	for i, b := range buckets {
		stores[i], hours[i] = b.store, b.hour
	}
	rows, err := tx.Query(ctx, `SELECT h.store_id, h.hour FROM unnest($1::bigint[], $2::timestamptz[]) h(store_id, hour)
JOIN store_directory s ON s.id = h.store_id LEFT JOIN kpi_retention r ON r.store_id = h.store_id
WHERE r.kept_from IS NULL OR h.hour >= (r.kept_from::timestamp AT TIME ZONE s.timezone)
ORDER BY 1, 2`, stores, hours)
	if err != nil {
		return nil, err
	}
	var out []bucket
	var b bucket
	_, err = pgx.ForEachRow(rows, []any{&b.store, &b.hour}, func() error { out = append(out, b); return nil })
	return out, err
}

// keptFrom returns each store's kept_from (stores with none are absent).
func (r *Rollups) keptFrom(ctx context.Context) (map[int64]time.Time, error) {
	rows, err := r.pool.Query(ctx, `SELECT store_id, kept_from FROM kpi_retention`)
	if err != nil {
		return nil, err
	}
	out := map[int64]time.Time{}
	var id int64
	var d time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &d}, func() error { out[id] = d; return nil })
	return out, err
}
