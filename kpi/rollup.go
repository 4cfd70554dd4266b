package kpi

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
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

// Rollups keeps the KPI rollups current. Every writer of facts appends marks
// for the (store, local hour) buckets it touches to kpi_dirty in its own
// transaction; Refresh takes the marks of committed writers and recomputes
// just those buckets from the facts — the hours, then their days and weeks,
// per zone and per store, then the estate rows of those days and weeks;
// Rebuild recomputes a store's every row with the same aggregations, so both
// paths give identical numbers.
//
// Why no change is lost: a refresh deletes only the marks its snapshot
// shows, which are those of committed transactions, and recomputes in later
// statements, whose snapshots show at least those transactions' facts. A
// writer still open when the refresh takes its marks has marks the refresh
// cannot see and so does not delete: the next refresh recomputes its
// buckets. (Marks were once unique per bucket: a writer whose bucket was
// already marked added nothing, and a refresh could take that older mark and
// recompute before the writer committed.)
type Rollups struct {
	pool  *pgxpool.Pool
	chunk int // marks per refresh transaction
	log   *slog.Logger

	refreshed atomic.Int64 // buckets recomputed
	failed    atomic.Int64 // store refreshes that failed
}

// NewRollups returns the rollup maintainer on pool.
func NewRollups(pool *pgxpool.Pool) *Rollups {
	return &Rollups{pool: pool, chunk: refreshChunk, log: slog.New(slog.DiscardHandler)}
}

// SetLogger sets where refresh failures are logged (default: nowhere).
func (r *Rollups) SetLogger(l *slog.Logger) { r.log = l }

// RefreshStats are counters since the maintainer was made, for /metrics.
type RefreshStats struct {
	Buckets  int64 // buckets recomputed
	Failures int64 // one store's buckets failing to refresh, counted per attempt
}

// Stats returns the refresh counters.
func (r *Rollups) Stats() RefreshStats {
	return RefreshStats{Buckets: r.refreshed.Load(), Failures: r.failed.Load()}
}

// refreshChunk bounds the marks one refresh transaction takes, so that it
// stays short.
const refreshChunk = 2000

// Refresh recomputes dirty buckets until none are left (but those of stores
// waiting after a failure) and returns how many it recomputed. Replicas may
// run it at once: refreshes take turns on an advisory lock (rollupLock).
//
// When the buckets of a chunk fail together, each store's are retried on
// their own: a store that still fails keeps its marks, waits with backoff
// (kpi_refresh_failures) and is logged and counted; the others refresh.
func (r *Rollups) Refresh(ctx context.Context) (int, error) {
	total := 0
	for {
		n, took, err := r.refreshOnce(ctx)
		total += n
		if err != nil || took == 0 {
			return total, err
		}
	}
}

// refreshOnce takes one chunk of marks and recomputes their buckets. It
// returns the buckets recomputed and the marks taken.
func (r *Rollups) refreshOnce(ctx context.Context) (n, took int, err error) {
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, rollupLock); err != nil {
			return err
		}
		// No JIT: the recompute's statements are planned for every row of
		// their tables (the planner cannot tell the buckets are a few), so
		// their estimates pass jit_above_cost and PostgreSQL spent about a
		// second compiling them for a few thousand rows (the cut rows'
		// statement: 1.1 s of 2.1 s for one store's three hours on 200
		// stores). SET LOCAL ends with the transaction, so behind a
		// transaction pooler it reaches no other client.
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, takeMarks, r.chunk)
		if err != nil {
			return err
		}
		set := map[bucket]bool{}
		var b bucket
		if _, err := pgx.ForEachRow(rows, []any{&b.store, &b.hour}, func() error {
			set[b] = true
			took++
			return nil
		}); err != nil {
			return err
		}
		if took == 0 {
			return nil
		}
		buckets, err := retained(ctx, tx, sortedBuckets(set))
		if err != nil || len(buckets) == 0 {
			return err
		}
		if err := recomputeIn(ctx, tx, buckets); err == nil {
			n = len(buckets)
			return clearFailures(ctx, tx, buckets)
		} else if ctx.Err() != nil {
			return err
		}
		// Some store's buckets fail: find which, one store at a time.
		for _, one := range byStore(buckets) {
			store := one[0].store
			if err := recomputeIn(ctx, tx, one); err != nil {
				if ctx.Err() != nil {
					return err
				}
				if err := r.storeFailed(ctx, tx, one, err); err != nil {
					return err
				}
				continue
			}
			n += len(one)
			if _, err := tx.Exec(ctx, `DELETE FROM kpi_refresh_failures WHERE store_id = $1`, store); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("kpi: refresh rollups: %w", err)
	}
	r.refreshed.Add(int64(n))
	return n, took, nil
}

// takeMarks picks up to $1 marks, oldest first, but those of stores waiting
// after a failure, and deletes every visible mark of their buckets (other
// writers' marks of the same buckets included: the recompute that follows
// sees their facts too), returning the buckets.
const takeMarks = `
WITH picked AS (
    SELECT DISTINCT d.store_id, d.hour FROM (
        SELECT d.store_id, d.hour FROM kpi_dirty d
        WHERE NOT EXISTS (SELECT 1 FROM kpi_refresh_failures f WHERE f.store_id = d.store_id AND f.retry_at > now())
        ORDER BY d.seq LIMIT $1 FOR UPDATE SKIP LOCKED) d)
DELETE FROM kpi_dirty k USING picked p WHERE k.store_id = p.store_id AND k.hour = p.hour
RETURNING k.store_id, k.hour`

// recomputeIn recomputes buckets inside a savepoint of tx, which it rolls
// back on failure.
func recomputeIn(ctx context.Context, tx pgx.Tx, buckets []bucket) error {
	stores := make([]int64, len(buckets))
	hours := make([]time.Time, len(buckets))
	for i, b := range buckets {
		stores[i], hours[i] = b.store, b.hour
	}
	return pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
		batch := &pgx.Batch{}
		for _, q := range bucketStatements {
			batch.Queue(q, stores, hours)
		}
		for _, q := range estateBucketStatements {
			batch.Queue(q, stores, hours)
		}
		for _, q := range cutBucketStatements { // rollup_cuts.go
			batch.Queue(q, stores, hours)
		}
		return sp.SendBatch(ctx, batch).Close()
	})
}

// storeFailed puts back one store's marks and makes the store wait before
// its next attempt: 10 s, doubling per failure, at most 15 minutes.
func (r *Rollups) storeFailed(ctx context.Context, tx pgx.Tx, buckets []bucket, cause error) error {
	store := buckets[0].store
	hours := make([]time.Time, len(buckets))
	for i, b := range buckets {
		hours[i] = b.hour
	}
	r.failed.Add(1)
	r.log.Error("rollup refresh failed for one store; its buckets wait and retry", "store_id", store, "buckets", len(buckets), "err", cause)
	_, err := tx.Exec(ctx, `
WITH back AS (INSERT INTO kpi_dirty (store_id, hour) SELECT $1, h FROM unnest($2::timestamptz[]) h)
INSERT INTO kpi_refresh_failures AS f (store_id, attempts, first_failed_at, last_failed_at, retry_at, error)
VALUES ($1, 1, now(), now(), now() + interval '10 seconds', $3)
ON CONFLICT (store_id) DO UPDATE SET attempts = f.attempts + 1, last_failed_at = now(), error = excluded.error,
    retry_at = now() + least(interval '10 seconds' * power(2, least(f.attempts, 20)), interval '15 minutes')`,
		store, hours, cause.Error())
	return err
}

// clearFailures forgets the failures of stores whose buckets refreshed.
func clearFailures(ctx context.Context, tx pgx.Tx, buckets []bucket) error {
	var stores []int64
	for _, one := range byStore(buckets) {
		stores = append(stores, one[0].store)
	}
	_, err := tx.Exec(ctx, `DELETE FROM kpi_refresh_failures WHERE store_id = ANY($1)`, stores)
	return err
}

// byStore splits sorted buckets into runs of one store each.
func byStore(buckets []bucket) [][]bucket {
	var out [][]bucket
	for i := 0; i < len(buckets); {
		j := i
		for j < len(buckets) && buckets[j].store == buckets[i].store {
			j++
		}
		out = append(out, buckets[i:j])
		i = j
	}
	return out
}

// RefreshFailure is a store whose rollups are waiting after failed refreshes.
type RefreshFailure struct {
	StoreID  int64     `db:"store_id"`
	Attempts int       `db:"attempts"`
	RetryAt  time.Time `db:"retry_at"`
	Error    string    `db:"error"`
}

// Failures lists the stores whose rollups are waiting after failed refreshes.
func (r *Rollups) Failures(ctx context.Context) ([]RefreshFailure, error) {
	rows, err := r.pool.Query(ctx, `SELECT store_id, attempts, retry_at, error FROM kpi_refresh_failures ORDER BY store_id`)
	if err != nil {
		return nil, fmt.Errorf("kpi: refresh failures: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[RefreshFailure])
	if err != nil {
		return nil, fmt.Errorf("kpi: refresh failures: %w", err)
	}
	return out, nil
}

// Rebuild recomputes every rollup of the given stores (every store when ids
// is empty) from the facts: the repair path, and the reference the
// incremental path must match. Stores are rebuilt in parallel, each in its
// own transaction, by up to workers connections (at least one).
func (r *Rollups) Rebuild(ctx context.Context, ids []int64, workers int) error {
	every := len(ids) == 0
	if every {
		rows, err := r.pool.Query(ctx, `SELECT id FROM store_directory ORDER BY id`)
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
	// The estate rows hold every store's days: rebuilt whole, once, at the
	// end; the estate's cuts part by part, the parts of the stores rebuilt.
	parts := cutParts(ids)
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`SELECT pg_advisory_xact_lock($1)`, rollupLock)
		batch.Queue(`SET LOCAL work_mem = '256MB'`)
		for _, q := range estateAllStatements {
			batch.Queue(q)
		}
		if every { // no rows of a part without stores
			batch.Queue(`DELETE FROM kpi_estate_cuts WHERE part <> ALL($1::bigint[])`, parts)
		}
		return tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return fmt.Errorf("kpi: rebuild estate rollups: %w", err)
	}
	for _, part := range parts {
		if err := r.rebuildCutPart(ctx, part); err != nil {
			return fmt.Errorf("kpi: rebuild estate cuts of part %d: %w", part, err)
		}
	}
	return nil
}

// cutParts are the kpi_estate_cuts parts of the stores ids, ascending.
func cutParts(ids []int64) []int64 {
	seen := map[int64]bool{}
	var parts []int64
	for _, id := range ids {
		if p := id / cutPart; !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	slices.Sort(parts)
	return parts
}

// rebuildCutPart recomputes the cut rows of one part from its stores'
// rollup rows, in its own transaction. One statement over every store
// (the estate's cuts at 2,000 stores × 91 days) took 177 s, holding the
// lock that refreshes wait for, and a rebuild of one store rebuilt them
// all; a part is a store-id range of the rollups' keys.
func (r *Rollups) rebuildCutPart(ctx context.Context, part int64) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`SELECT pg_advisory_xact_lock($1)`, rollupLock)
		batch.Queue(`SET LOCAL work_mem = '64MB'`)
		// No JIT, as in refreshOnce: estimated for every row of the tables.
		batch.Queue(`SET LOCAL jit = off`)
		for _, q := range cutPartStatements {
			batch.Queue(q, part)
		}
		return tx.SendBatch(ctx, batch).Close()
	})
}

func (r *Rollups) rebuildStore(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue(`SELECT pg_advisory_xact_lock_shared($1)`, rollupLock)
		// A store-year's hourly groups outgrow the default work_mem, and spill.
		batch.Queue(`SET LOCAL work_mem = '64MB'`)
		// Only committed writers' marks are visible, hence deleted; their
		// facts are visible to the statements after this one.
		batch.Queue(`DELETE FROM kpi_dirty WHERE store_id = $1`, id)
		batch.Queue(`DELETE FROM kpi_refresh_failures WHERE store_id = $1`, id)
		// Each statement pair empties one rollup table of the store, then
		// fills it; kpi_estate, which holds every store, is rebuilt whole after.
		for _, q := range storeStatements {
			batch.Queue(q, id)
		}
		return tx.SendBatch(ctx, batch).Close()
	})
}
