package kpi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
)

// Directory resolves a store code (and, when zone is not empty, makes sure
// that zone is known) for ingest: nil and no error when there is no such
// store. layout.Directory is the one the server uses; cmd/ and web.New hand
// it in, so kpi/ imports no package that reads KPIs.
type Directory interface {
	Store(ctx context.Context, code, zone string) (*ss.StoreRef, error)
}

// Ingester validates and stores batches of facts. Each batch is validated
// whole and stored in one transaction: all of it or none of it.
type Ingester struct {
	pool  *pgxpool.Pool
	dir   Directory
	now   func() time.Time
	mu    sync.Mutex
	parts map[time.Time]bool // months whose event partition is known to exist

	afterMark func(context.Context) // tests: runs after a writer's dirty marks, before its commit
}

// NewIngester returns an Ingester storing into pool and resolving codes with dir.
func NewIngester(pool *pgxpool.Pool, dir Directory) *Ingester {
	return &Ingester{pool: pool, dir: dir, now: time.Now, parts: map[time.Time]bool{}}
}

// Result is what a stored batch reports.
type Result struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// resolver looks up each item's store and zone once per batch and checks the
// principal's scope.
type resolver struct {
	ctx       context.Context
	dir       Directory
	p         *ss.Principal
	forbidden *ss.Error
}

// store returns the store (nil when unknown, with an item error added).
func (r *resolver) store(i int, code, zone string, be *ss.BatchError) *ss.StoreRef {
	if r.p != nil && !r.p.CanSeeStore(code) {
		if r.forbidden == nil {
			r.forbidden = ss.Errorf(ss.EFORBIDDEN, fmt.Sprintf("[%d].store", i), "this token may not write store %q", code)
		}
		return nil
	}
	ref, err := r.dir.Store(r.ctx, code, zone)
	if err != nil {
		be.Add(i, "store", "store %q could not be looked up", code)
		return nil
	}
	if ref == nil {
		be.Add(i, "store", "unknown store %q", code)
		return nil
	}
	return ref
}

func (r *resolver) zone(i int, ref *ss.StoreRef, code string, be *ss.BatchError) (ss.ZoneRef, bool) {
	z, ok := ref.Zones[code]
	if !ok || z.Retired {
		be.Add(i, "zone", "unknown zone %q in store %q", code, ref.Code)
		return z, false
	}
	return z, true
}

func (r *resolver) err(be *ss.BatchError) error {
	if r.forbidden != nil {
		return r.forbidden
	}
	return be.Err()
}

// Events validates, resolves and stores a batch of events. An event whose id
// is already stored (or repeats within the batch) counts as a duplicate and is
// not stored again.
func (g *Ingester) Events(ctx context.Context, p *ss.Principal, in []ss.EventInput) (Result, error) {
	now := g.now()
	var be ss.BatchError
	r := resolver{ctx: ctx, dir: g.dir, p: p}
	events := make([]ss.Event, 0, len(in))
	for i := range in {
		ev, ok := in[i].Parse(i, now, &be)
		if !ok {
			continue
		}
		ref := r.store(i, ev.Store, ev.Zone, &be)
		if ref == nil {
			continue
		}
		z, ok := r.zone(i, ref, ev.Zone, &be)
		if !ok {
			continue
		}
		ev.StoreID, ev.ZoneID = ref.ID, z.ID
		if ev.Category == "" {
			ev.Category = z.Category
		}
		if ev.EstValue < 0 {
			ev.EstValue = z.UnitValue
		}
		events = append(events, ev)
	}
	if err := r.err(&be); err != nil {
		return Result{}, err
	}
	return g.StoreEvents(ctx, events)
}

// StoreEvents stores resolved events (StoreID, ZoneID, Category and EstValue
// set), skipping ids already stored.
func (g *Ingester) StoreEvents(ctx context.Context, events []ss.Event) (Result, error) {
	if len(events) == 0 {
		return Result{}, nil
	}
	if err := g.ensurePartitions(ctx, events); err != nil {
		return Result{}, err
	}
	buckets, err := g.eventBuckets(ctx, events)
	if err != nil {
		return Result{}, err
	}
	var res Result
	// Replays are rare, so the first attempt COPYs straight into the table
	// and lets the primary key catch a replayed id (SQLSTATE 23505); only
	// then does a retry look up which ids are already stored. A concurrent
	// batch with the same ids that commits between our lookup and our COPY
	// also surfaces as 23505, and the next retry sees its rows.
	lookup := false
	for attempt := 0; attempt < 5; attempt++ {
		res, err = g.storeEventsOnce(ctx, events, buckets, lookup)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) {
			break
		}
		switch pgErr.Code {
		case "23505":
			lookup = true
			continue
		case "23514": // no partition for a row: one was dropped since we cached it
			g.mu.Lock()
			g.parts = map[time.Time]bool{}
			g.mu.Unlock()
			if perr := g.ensurePartitions(ctx, events); perr != nil {
				return Result{}, perr
			}
			continue
		}
		break
	}
	if err != nil {
		return Result{}, fmt.Errorf("kpi: store %d events: %w", len(events), err)
	}
	return res, nil
}

func (g *Ingester) storeEventsOnce(ctx context.Context, events []ss.Event, buckets []bucket, lookup bool) (Result, error) {
	ids := make([][16]byte, len(events))
	lo, hi := events[0].OccurredAt, events[0].OccurredAt
	for i := range events {
		ids[i] = events[i].ID
		if t := events[i].OccurredAt; t.Before(lo) {
			lo = t
		} else if t.After(hi) {
			hi = t
		}
	}
	var res Result
	err := pgx.BeginFunc(ctx, g.pool, func(tx pgx.Tx) error {
		seen := make(map[[16]byte]bool, len(events))
		if lookup {
			// Bounding the time lets the planner probe only the batch's partitions.
			rows, err := tx.Query(ctx, `SELECT id FROM events WHERE id = ANY($1) AND occurred_at BETWEEN $2 AND $3`, ids, lo, hi)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id [16]byte
				if err := rows.Scan(&id); err != nil {
					return err
				}
				seen[id] = true
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		fresh := make([]*ss.Event, 0, len(events))
		for i := range events {
			if seen[events[i].ID] {
				res.Duplicates++
				continue
			}
			seen[events[i].ID] = true
			fresh = append(fresh, &events[i])
		}
		res.Accepted = len(fresh)
		if len(fresh) == 0 {
			return nil
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, EventColumns, pgx.CopyFromSlice(len(fresh), func(i int) ([]any, error) {
			return EventRow(fresh[i]), nil
		}))
		if err != nil {
			return err
		}
		return g.markDirty(ctx, tx, buckets)
	})
	return res, err
}

// EventColumns are the events columns a COPY fills, in EventRow's order.
var EventColumns = []string{"id", "store_id", "zone_id", "camera", "track", "occurred_at", "score", "method", "category", "est_value"}

// EventRow is a resolved event as COPY values for EventColumns.
func EventRow(e *ss.Event) []any {
	return []any{e.ID, e.StoreID, e.ZoneID, e.Camera, e.Track, e.OccurredAt, float32(e.Score), string(e.Method), e.Category, Money(e.EstValue)}
}

// Money is an amount as a numeric(…, 2) in whole cents; encoding it this way
// skips pgx's float-to-decimal formatting, a tenth of ingest CPU.
func Money(v float64) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(int64(math.Round(v * 100))), Exp: -2, Valid: true}
}

// ensurePartitions creates the month partitions the events fall in.
func (g *Ingester) ensurePartitions(ctx context.Context, events []ss.Event) error {
	var missing []time.Time
	g.mu.Lock()
	for i := range events {
		t := events[i].OccurredAt.UTC()
		m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		if !g.parts[m] {
			g.parts[m] = true
			missing = append(missing, m)
		}
	}
	g.mu.Unlock()
	for i, m := range missing {
		if _, err := g.pool.Exec(ctx, `SELECT ensure_event_partition($1)`, m); err != nil {
			g.mu.Lock()
			for _, m := range missing[i:] {
				delete(g.parts, m)
			}
			g.mu.Unlock()
			return fmt.Errorf("kpi: create event partition for %s: %w", m.Format("2006-01"), err)
		}
	}
	return nil
}
