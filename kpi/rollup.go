package kpi

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
// those buckets from the facts; Rebuild recomputes a store's every bucket with
// the same statements, so both paths give identical numbers.
type Rollups struct{ pool *pgxpool.Pool }

// NewRollups returns the rollup maintainer on pool.
func NewRollups(pool *pgxpool.Pool) *Rollups { return &Rollups{pool: pool} }

// refreshChunk bounds the buckets one refresh transaction takes, so that
// ingest waiting on a bucket being recomputed waits briefly.
const refreshChunk = 2000

// Refresh recomputes dirty buckets until none are left and returns how many
// it recomputed. Replicas may run it at once: each takes buckets no other holds.
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
		rows, err := tx.Query(ctx, `
DELETE FROM kpi_dirty WHERE (store_id, hour) IN (
    SELECT store_id, hour FROM kpi_dirty ORDER BY store_id, hour LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING store_id, hour`, refreshChunk)
		if err != nil {
			return err
		}
		byStore := map[int64][]time.Time{}
		for rows.Next() {
			var id int64
			var h time.Time
			if err := rows.Scan(&id, &h); err != nil {
				return err
			}
			byStore[id] = append(byStore[id], h)
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		ids := make([]int64, 0, len(byStore))
		for id := range byStore {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			if err := recompute(ctx, tx, id, byStore[id]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("kpi: refresh rollups: %w", err)
	}
	return n, nil
}

// Rebuild recomputes every rollup of the given stores (every store when ids
// is empty) from the facts: the repair path, and the reference the
// incremental path must match.
func (r *Rollups) Rebuild(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		rows, err := r.pool.Query(ctx, `SELECT id FROM stores ORDER BY id`)
		if err != nil {
			return fmt.Errorf("kpi: rebuild: %w", err)
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return fmt.Errorf("kpi: rebuild: %w", err)
		}
	}
	for _, id := range ids {
		err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM kpi_dirty WHERE store_id = $1`, id); err != nil {
				return err
			}
			for _, t := range []string{"kpi_hourly", "kpi_daily", "kpi_store_daily", "kpi_visitors_hourly", "kpi_visitors_daily", "kpi_response"} {
				if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE store_id = $1`, id); err != nil {
					return err
				}
			}
			rows, err := tx.Query(ctx, `
SELECT DISTINCT local_hour(e.occurred_at, s.timezone) FROM events e JOIN stores s ON s.id = e.store_id WHERE e.store_id = $1
UNION SELECT DISTINCT hour FROM footfall WHERE store_id = $1`, id)
			if err != nil {
				return err
			}
			hours, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
			if err != nil {
				return err
			}
			return recompute(ctx, tx, id, hours)
		})
		if err != nil {
			return fmt.Errorf("kpi: rebuild rollups of store %d: %w", id, err)
		}
	}
	return nil
}

// recompute replaces the rollup rows of one store's hours, then of the local
// days those hours fall in.
func recompute(ctx context.Context, tx pgx.Tx, store int64, hours []time.Time) error {
	if len(hours) == 0 {
		return nil
	}
	var tz string
	if err := tx.QueryRow(ctx, `SELECT timezone FROM stores WHERE id = $1`, store).Scan(&tz); err != nil {
		return err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return err
	}
	seen := map[time.Time]bool{}
	var days []time.Time
	for _, h := range hours {
		l := h.In(loc)
		d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		if !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	batch := &pgx.Batch{}
	lo, hi := hours[0], hours[0]
	for _, h := range hours {
		if h.Before(lo) {
			lo = h
		}
		if h.After(hi) {
			hi = h
		}
	}
	source, outcomes := eventsPerHour, outcomeOf
	if len(hours) > perHourLimit {
		source, outcomes = eventsInRange, storeOutcomes
	}
	for _, q := range hourlySQL {
		q = strings.ReplaceAll(strings.ReplaceAll(q, "{{events}}", source), "{{outcomes}}", outcomes)
		switch {
		case strings.Contains(q, "$4"):
			batch.Queue(q, store, hours, tz, lo, hi.Add(time.Hour))
		case strings.Contains(q, "$3"):
			batch.Queue(q, store, hours, tz)
		default:
			batch.Queue(q, store, hours)
		}
	}
	for _, q := range dailySQL {
		batch.Queue(q, store, days)
	}
	return tx.SendBatch(ctx, batch).Close()
}
