package kpi

import (
	"context"
	"errors"
	"fmt"
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

// EventHook runs in the transaction that stores a batch's fresh events (not
// its duplicates), after they are written: what it writes commits or rolls
// back with them. The server uses two: alerts.Service, opening an alert for
// each event of a soc store, and checkout.Service, recording the open
// concealments of each floor track of a checkout store; cmd/ and app hand
// them in, so kpi/ imports no package above it.
type EventHook interface {
	EventsStored(ctx context.Context, tx pgx.Tx, events []*ss.Event) error
}

// OutcomeHook is what an EventHook may also be: it runs in the transaction
// that stores a batch of outcomes, after they are written, with the rows
// that changed their event's outcome (not the duplicates). checkout.Service
// is one: an event decided on any path (a review, a SOC close, a till) no
// longer flags its track at a lane.
type OutcomeHook interface {
	OutcomesStored(ctx context.Context, tx pgx.Tx, rows []ResolvedOutcome) error
}

// Ingester validates and stores batches of facts. Each batch is validated
// whole and stored in one transaction: all of it or none of it.
type Ingester struct {
	pool  *pgxpool.Pool
	dir   Directory
	now   func() time.Time
	mu    sync.Mutex
	parts map[time.Time]bool // months whose event partition is known to exist
	hooks []EventHook        // run in order; none: nothing

	commits commitGroup // batches sent at once share a transaction (groupcommit.go)

	afterMark func(context.Context) // tests: runs after a writer's dirty marks, before its commit
}

// NewIngester returns an Ingester storing into pool and resolving codes with dir.
func NewIngester(pool *pgxpool.Pool, dir Directory) *Ingester {
	return &Ingester{pool: pool, dir: dir, now: time.Now, parts: map[time.Time]bool{}}
}

// SetEventHook has every batch of fresh events run hooks, in order, in its
// transaction; it replaces the hooks set before (none: no hook).
func (g *Ingester) SetEventHook(hooks ...EventHook) { g.hooks = hooks }

// Result is what a stored batch reports.
type Result struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// resolver looks up each item's store and zone once per batch and checks the
// principal's scope.
type resolver struct {
	ctx       context.Context
	pool      *pgxpool.Pool
	dir       Directory
	p         *ss.Principal
	forbidden *ss.Error
	failed    error              // the directory could not be read: the batch is not at fault
	edges     map[int64]keptEdge // kept_from of each store met, by id (kept.go)
}

// store returns the store (nil when unknown, with an item error added).
func (r *resolver) store(i int, code, zone string, be *ss.BatchError) *ss.StoreRef {
	if r.p != nil && !r.p.CanSeeStore(code) {
		if r.forbidden == nil {
			r.forbidden = ss.Errorf(ss.EFORBIDDEN, fmt.Sprintf("[%d].store", i), "this token may not write store %q", code)
		}
		return nil
	}
	if r.failed != nil {
		return nil
	}
	ref, err := r.dir.Store(r.ctx, code, zone)
	if err != nil {
		r.failed = fmt.Errorf("kpi: look up store %q: %w", code, err)
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
	if r.failed != nil {
		return r.failed
	}
	if r.forbidden != nil {
		return r.forbidden
	}
	return be.Err()
}

// Events validates, resolves and stores a batch of events. An event whose id
// is already stored (or repeats within the batch) with the same payload
// counts as a duplicate and is not stored again; with a different payload it
// is a conflict (an ECONFLICT *ss.BatchError) and nothing is stored.
func (g *Ingester) Events(ctx context.Context, p *ss.Principal, in []ss.EventInput) (Result, error) {
	now := g.now()
	var be ss.BatchError
	r := resolver{ctx: ctx, pool: g.pool, dir: g.dir, p: p}
	events := make([]ss.Event, 0, len(in))
	flags := make([]uint8, 0, len(in))
	idx := make([]int, 0, len(in)) // input index of each resolved event
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
		if !ok || r.before(i, ref, "occurred_at", ev.OccurredAt, &be) {
			continue
		}
		ev.StoreID, ev.ZoneID = ref.ID, z.ID
		var f uint8
		if ev.Category == "" {
			ev.Category, f = z.Category, f|categoryFromZone
		}
		if ev.EstValue < 0 {
			ev.EstValue, f = z.UnitValue, f|valueFromZone
		} else if !amountIn(i, ref.Currency, "est_value", ev.EstValue, &be) {
			continue
		}
		events = append(events, ev)
		flags = append(flags, f)
		idx = append(idx, i)
	}
	if err := r.err(&be); err != nil {
		return Result{}, err
	}
	res, err := g.storeEvents(ctx, events, flags)
	if ce, ok := err.(*ss.BatchError); ok {
		for k := range ce.Items {
			ce.Items[k].Index = idx[ce.Items[k].Index]
		}
	}
	return res, err
}

// StoreEvents stores resolved events (StoreID, ZoneID, Category and EstValue
// set), skipping ids already stored with the same payload. An id stored or
// repeated with a different payload fails the whole batch with an
// ECONFLICT *ss.BatchError whose indices are into events.
func (g *Ingester) StoreEvents(ctx context.Context, events []ss.Event) (Result, error) {
	return g.storeEvents(ctx, events, nil)
}

func (g *Ingester) storeEvents(ctx context.Context, events []ss.Event, flags []uint8) (Result, error) {
	if len(events) == 0 {
		return Result{}, nil
	}
	events, flags, pos, repeats, err := uniqueEvents(events, flags)
	if err != nil {
		return Result{}, err
	}
	if err := g.ensurePartitions(ctx, events); err != nil {
		return Result{}, err
	}
	buckets, err := g.eventBuckets(ctx, events)
	if err != nil {
		return Result{}, err
	}
	res, err := g.commits.store(ctx, g, &pendingBatch{events: events, flags: flags, buckets: buckets})
	if ce, ok := err.(*ss.BatchError); ok {
		if pos != nil {
			for k := range ce.Items {
				ce.Items[k].Index = pos[ce.Items[k].Index]
			}
		}
		return Result{}, ce
	}
	if err != nil {
		return Result{}, fmt.Errorf("kpi: store %d events: %w", len(events), err)
	}
	res.Duplicates += repeats
	return res, nil
}

// storeAlone stores one batch in a transaction of its own.
func (g *Ingester) storeAlone(ctx context.Context, b *pendingBatch) (Result, error) {
	var res Result
	var err error
	// Replays are rare, so the first attempt COPYs straight in and lets
	// events' key, the id alone, catch a replayed id (SQLSTATE 23505); only
	// then does a retry read the stored rows of the batch's ids and compare
	// payloads. A concurrent batch with the same ids that commits between
	// our lookup and our COPY also surfaces as 23505, and the next retry
	// sees its rows.
	lookup := false
	for attempt := 0; attempt < 5; attempt++ {
		res, err = g.storeEventsOnce(ctx, b.events, b.flags, b.buckets, lookup)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) {
			break
		}
		switch pgErr.Code {
		case "23505":
			lookup = true
			continue
		case "23514": // no partition for a row: the default one was dropped
			g.mu.Lock()
			g.parts = map[time.Time]bool{}
			g.mu.Unlock()
			if perr := g.ensurePartitions(ctx, b.events); perr != nil {
				return Result{}, perr
			}
			continue
		}
		break
	}
	return res, err
}

// storeEventsOnce stores events whose ids are unique within the batch; with
// lookup it first compares them with the rows stored under the same ids.
func (g *Ingester) storeEventsOnce(ctx context.Context, events []ss.Event, flags []uint8, buckets []bucket, lookup bool) (Result, error) {
	var res Result
	err := pgx.BeginFunc(ctx, g.pool, func(tx pgx.Tx) error {
		var stored map[[16]byte]ss.Event
		if lookup {
			ids := make([][16]byte, len(events))
			for i := range events {
				ids[i] = events[i].ID
			}
			var err error
			if stored, err = storedEvents(ctx, tx, ids); err != nil {
				return err
			}
		}
		var conflicts ss.BatchError
		fresh := make([]*ss.Event, 0, len(events))
		for i := range events {
			s, found := stored[events[i].ID]
			if !found {
				fresh = append(fresh, &events[i])
				continue
			}
			if s.StoreID != events[i].StoreID {
				takenID(&conflicts, i, events[i].ID)
				continue
			}
			if d := eventDiff(&s, &events[i], flagOf(flags, i)); len(d) > 0 {
				addConflict(&conflicts, i, d, "id %s is already stored with a different payload", events[i].ID)
			}
			res.Duplicates++
		}
		if err := conflicts.Err(); err != nil {
			return err
		}
		res.Accepted = len(fresh)
		if len(fresh) == 0 {
			return nil
		}
		if err := copyEvents(ctx, tx, fresh); err != nil {
			return err
		}
		if err := g.markDirty(ctx, tx, buckets); err != nil {
			return err
		}
		// Last before commit: a hook may take a lock held until then.
		for _, h := range g.hooks {
			if err := h.EventsStored(ctx, tx, fresh); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// EventColumns are the events columns a COPY fills, in EventRow's order.
var EventColumns = []string{"id", "store_id", "zone_id", "camera", "track", "occurred_at", "score", "method", "category", "est_value"}

// EventRow is a resolved event as pgx.CopyFrom values for EventColumns
// (ingest writes the same row with copyEvents).
func EventRow(e *ss.Event) []any {
	return []any{[16]byte(e.ID), e.StoreID, e.ZoneID, e.Camera, e.Track, e.OccurredAt, float32(e.Score), string(e.Method), e.Category, Money(e.EstValue)}
}

// Money is an amount as a numeric(…, 2) in whole cents; encoding it this way
// skips pgx's float-to-decimal formatting, a tenth of ingest CPU.
func Money(v float64) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(toCents(v)), Exp: -2, Valid: true}
}

// eventPartitionWindow bounds the id months that get a partition of their
// own (migration 00037): from this many months before the current one to
// the next. Events are partitioned on the time inside their UUIDv7 id; ids
// of other months — another UUID version's random bits, a sender's clock
// years off — go to the default partition, so a bad clock never creates a
// partition for 2099. Two years back covers a backfill of the history a
// store keeps.
const eventPartitionWindow = 24

// idMonth is the UTC month of the unix milliseconds in an id's first 48
// bits: when a UUIDv7 was minted.
func idMonth(id [16]byte) time.Time {
	var ms int64
	for _, b := range id[:6] {
		ms = ms<<8 | int64(b)
	}
	t := time.UnixMilli(ms).UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// partitionMonth reports whether month m of ids gets a partition of its
// own at now.
func partitionMonth(m, now time.Time) bool {
	now = now.UTC()
	cur := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return !m.Before(cur.AddDate(0, -eventPartitionWindow, 0)) && !m.After(cur.AddDate(0, 1, 0))
}

// ensurePartitions creates the id-month partitions the events fall in, of
// the months near now; the others go to the default partition.
func (g *Ingester) ensurePartitions(ctx context.Context, events []ss.Event) error {
	var missing []time.Time
	now := g.now()
	u := now.UTC()
	next := time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	g.mu.Lock()
	for i := range events {
		m := idMonth(events[i].ID)
		if !g.parts[m] && partitionMonth(m, now) {
			g.parts[m] = true
			missing = append(missing, m)
		}
	}
	// Next month's partition is made ahead, by the first batch that needs
	// any: making one locks events (ensure_event_partition), which is best
	// not done at midnight on the 1st with every store sending.
	if len(missing) > 0 && !g.parts[next] {
		g.parts[next] = true
		missing = append(missing, next)
	}
	g.mu.Unlock()
	for i, m := range missing {
		if _, err := g.pool.Exec(ctx, `SELECT ensure_event_partition($1)`, m); err != nil {
			g.mu.Lock()
			for _, m := range missing[i:] {
				delete(g.parts, m)
			}
			g.mu.Unlock()
			return fmt.Errorf("kpi: create event partition for ids of %s: %w", m.Format("2006-01"), err)
		}
	}
	return nil
}

// resolveLatest validates and resolves a batch item by item with one, which
// returns the item's row and key; of items sharing a key the later one
// wins (a corrected count later in the batch). Every item's errors are
// collected before the batch is refused.
func resolveLatest[In, Row any, K comparable](g *Ingester, ctx context.Context, p *ss.Principal, in []In,
	one func(i int, x *In, now time.Time, r *resolver, be *ss.BatchError) (Row, K, bool)) ([]Row, error) {
	now := g.now()
	var be ss.BatchError
	r := resolver{ctx: ctx, pool: g.pool, dir: g.dir, p: p}
	last := make(map[K]int, len(in))
	rows := make([]Row, 0, len(in))
	for i := range in {
		row, k, ok := one(i, &in[i], now, &r, &be)
		if !ok {
			continue
		}
		if j, dup := last[k]; dup {
			rows[j] = row
			continue
		}
		last[k] = len(rows)
		rows = append(rows, row)
	}
	if err := r.err(&be); err != nil {
		return nil, err
	}
	return rows, nil
}
