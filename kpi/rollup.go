package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"
)

// LocalHour is the instant the local clock hour containing t began in loc:
// t less the minutes and seconds the local clock shows. It is unambiguous on
// the repeated hour of a daylight-saving change and right for half-hour
// offsets; the SQL function local_hour is the same formula.
func LocalHour(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	within := time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())
	return t.Add(-within).In(time.UTC)
}

// Rollups keeps the KPI rollups current. Ingest marks the (store, local hour)
// buckets it touches as dirty in its own transaction; Refresh recomputes just
// those buckets from the facts — the hours, then their days and weeks, per
// zone and per store, then the estate rows of those days and weeks; Rebuild
// recomputes a store's every row with the same aggregations, so both paths
// give identical numbers.
type Rollups struct {
	pool  *pgxpool.Pool
	chunk int // buckets per refresh transaction
}

// NewRollups returns the rollup maintainer on pool.
func NewRollups(pool *pgxpool.Pool) *Rollups { return &Rollups{pool: pool, chunk: refreshChunk} }

// refreshChunk bounds the buckets one refresh transaction takes, so that
// ingest waiting on a bucket being recomputed waits briefly.
const refreshChunk = 2000

// Refresh recomputes dirty buckets until none are left and returns how many
// it recomputed. Replicas may run it at once: refreshes take turns on an
// advisory lock (rollupLock), each taking the buckets ingest has committed.
func (r *Rollups) Refresh(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := r.refreshOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

func (r *Rollups) refreshOnce(ctx context.Context) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, rollupLock); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
DELETE FROM kpi_dirty WHERE (store_id, hour) IN (
    SELECT store_id, hour FROM kpi_dirty ORDER BY store_id, hour LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING store_id, hour`, r.chunk)
		if err != nil {
			return err
		}
		var stores []int64
		var hours []time.Time
		var id int64
		var h time.Time
		if _, err := pgx.ForEachRow(rows, []any{&id, &h}, func() error {
			stores, hours = append(stores, id), append(hours, h)
			return nil
		}); err != nil {
			return err
		}
		n = len(stores)
		if n == 0 {
			return nil
		}
		batch := &pgx.Batch{}
		for _, q := range bucketStatements {
			batch.Queue(q, stores, hours)
		}
		for _, q := range estateBucketStatements {
			batch.Queue(q, stores, hours)
		}
		return tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("kpi: refresh rollups: %w", err)
	}
	return n, nil
}

// Rebuild recomputes every rollup of the given stores (every store when ids
// is empty) from the facts: the repair path, and the reference the
// incremental path must match. Stores are rebuilt in parallel, each in its
// own transaction, by up to workers connections (at least one).
func (r *Rollups) Rebuild(ctx context.Context, ids []int64, workers int) error {
	if len(ids) == 0 {
		rows, err := r.pool.Query(ctx, `SELECT id FROM stores ORDER BY id`)
		if err != nil {
			return fmt.Errorf("kpi: rebuild: %w", err)
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return fmt.Errorf("kpi: rebuild: %w", err)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	for _, id := range ids {
		g.Go(func() error {
			if err := r.rebuildStore(gctx, id); err != nil {
				return fmt.Errorf("kpi: rebuild rollups of store %d: %w", id, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// The estate rows hold every store's days: rebuilt once, at the end.
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`SELECT pg_advisory_xact_lock($1)`, rollupLock)
		batch.Queue(`SET LOCAL work_mem = '256MB'`)
		for _, q := range estateAllStatements {
			batch.Queue(q)
		}
		return tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return fmt.Errorf("kpi: rebuild estate rollups: %w", err)
	}
	return nil
}

func (r *Rollups) rebuildStore(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`SELECT pg_advisory_xact_lock_shared($1)`, rollupLock)
		// A store-year's hourly groups outgrow the default work_mem, and spill.
		batch.Queue(`SET LOCAL work_mem = '64MB'`)
		batch.Queue(`DELETE FROM kpi_dirty WHERE store_id = $1`, id)
		// Each statement pair empties one rollup table of the store, then
		// fills it; kpi_estate, which holds every store, is rebuilt whole after.
		for _, q := range storeStatements {
			batch.Queue(q, id)
		}
		return tx.SendBatch(ctx, batch).Close()
	})
}
