package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Outcomes validates and stores a batch of outcomes. Each belongs to its
// event's store and time bucket; for one event the outcome with the latest
// `at` wins, so a replayed older outcome never overwrites a newer one.
func (g *Ingester) Outcomes(ctx context.Context, p *ss.Principal, in []ss.OutcomeInput) (Result, error) {
	now := g.now()
	var be ss.BatchError
	parsed := make([]ss.Outcome, len(in))
	okAt := make([]bool, len(in))
	ids := make([][16]byte, 0, len(in))
	for i := range in {
		parsed[i], okAt[i] = in[i].Parse(i, now, &be)
		if okAt[i] {
			ids = append(ids, parsed[i].EventID)
		}
	}
	type eventInfo struct {
		storeID    int64
		store      string
		occurredAt time.Time
		keptFrom   *time.Time // the store's kept_from date (kept.go); nil when nothing was purged
		keptAt     *time.Time // the instant it began
		currency   ss.Currency
	}
	known := make(map[[16]byte]eventInfo, len(ids))
	if len(ids) > 0 {
		// events' key is the id alone (migration 00037): one probe of each
		// partition's key per id, whatever the event's occurred_at.
		rows, err := g.pool.Query(ctx, `
SELECT e.id, e.store_id, s.code, e.occurred_at, r.kept_from, r.kept_from::timestamp AT TIME ZONE s.timezone, coalesce(s.currency, '')
FROM events e JOIN store_directory s ON s.id = e.store_id LEFT JOIN kpi_retention r ON r.store_id = e.store_id
WHERE e.id = ANY($1)`, ids)
		if err != nil {
			return Result{}, fmt.Errorf("kpi: look up outcome events: %w", err)
		}
		for rows.Next() {
			var id [16]byte
			var info eventInfo
			if err := rows.Scan(&id, &info.storeID, &info.store, &info.occurredAt, &info.keptFrom, &info.keptAt, &info.currency); err != nil {
				rows.Close()
				return Result{}, fmt.Errorf("kpi: look up outcome events: %w", err)
			}
			known[id] = info
		}
		if err := rows.Err(); err != nil {
			return Result{}, fmt.Errorf("kpi: look up outcome events: %w", err)
		}
	}
	var conflicts ss.BatchError
	type eventAt struct {
		id [16]byte
		at int64 // µs, as stored
	}
	firstAt := make(map[eventAt]int, len(ids))
	for i := range parsed {
		if !okAt[i] {
			continue
		}
		o := &parsed[i]
		info, found := known[o.EventID]
		// An event outside the token's stores reads as unknown: scope hides existence.
		if !found || (p != nil && !p.CanSeeStore(info.store)) {
			be.Add(i, "event", "unknown event %s: no stored event has this id (an event purged by retention, before its store's kept_from, is gone with its id)", o.EventID)
			continue
		}
		// An event retention purged is gone with its row, so it is unknown
		// above; one before kept_from cannot be found (the purge that set
		// kept_from deleted it, and ingest refuses older events), but if it
		// were, its week's rollups are kept as they were (kept.go).
		if info.keptAt != nil && info.occurredAt.Before(*info.keptAt) {
			be.Add(i, "event", "event %s occurred at %s, before store %s's kept_from %s: raw facts before then were purged by retention and nothing older is stored",
				o.EventID, info.occurredAt.UTC().Format(time.RFC3339), info.store, info.keptFrom.Format(time.DateOnly))
			continue
		}
		if o.At.Before(info.occurredAt) {
			be.Add(i, "at", "at %s is before the event occurred (%s)", o.At.Format(time.RFC3339), info.occurredAt.UTC().Format(time.RFC3339))
			continue
		}
		if o.RespondedAt != nil && o.RespondedAt.Before(info.occurredAt) {
			be.Add(i, "responded_at", "responded_at %s is before the event occurred (%s)", o.RespondedAt.Format(time.RFC3339), info.occurredAt.UTC().Format(time.RFC3339))
			continue
		}
		if o.ValueRecovered != nil && !amountIn(i, info.currency, "value_recovered", *o.ValueRecovered, &be) {
			continue
		}
		k := eventAt{o.EventID, o.At.UnixMicro()}
		if j, again := firstAt[k]; again {
			// The same event and time sent twice: one outcome, or a conflict.
			if d := outcomeDiff(&parsed[j], o); len(d) > 0 {
				addConflict(&conflicts, i, d, "event %s has an outcome at %s in item %d with different content", o.EventID, o.At.Format(time.RFC3339Nano), j)
			}
			continue
		}
		firstAt[k] = i
	}
	if err := conflicts.Err(); err != nil && len(be.Items) == 0 {
		return Result{}, err
	}
	if err := be.Err(); err != nil {
		return Result{}, err
	}
	// Every distinct (event, at) goes on, not only each event's latest: an
	// older one may still clash with a stored outcome at its time.
	rows := make([]ResolvedOutcome, 0, len(firstAt))
	idx := make([]int, 0, len(firstAt)) // input index of each row
	for i := range parsed {
		if j, ok := firstAt[eventAt{parsed[i].EventID, parsed[i].At.UnixMicro()}]; ok && j == i {
			info := known[parsed[i].EventID]
			rows = append(rows, ResolvedOutcome{Outcome: parsed[i], StoreID: info.storeID, OccurredAt: info.occurredAt})
			idx = append(idx, i)
		}
	}
	res, err := g.StoreOutcomes(ctx, rows)
	if ce, ok := err.(*ss.BatchError); ok {
		for k := range ce.Items {
			ce.Items[k].Index = idx[ce.Items[k].Index]
		}
	}
	if err != nil {
		return Result{}, err
	}
	res.Duplicates += len(in) - len(rows)
	return res, nil
}

// ResolvedOutcome is an outcome with its event's store and time.
type ResolvedOutcome struct {
	ss.Outcome
	StoreID    int64
	OccurredAt time.Time
}

// StoreOutcomes upserts resolved outcomes (at most one per event); an
// outcome older than the stored one for its event, or the same as it, is
// counted as a duplicate. One with the stored one's `at` but different
// content fails the whole batch with an ECONFLICT *ss.BatchError whose
// indices are into rows.
func (g *Ingester) StoreOutcomes(ctx context.Context, rows []ResolvedOutcome) (Result, error) {
	return g.StoreOutcomesWith(ctx, rows, nil)
}

// StoreOutcomesWith is StoreOutcomes that first runs before (when not nil)
// in the same transaction: an error from it stores nothing. alerts/ closes
// an alert this way, so its close and the event's outcome commit together.
func (g *Ingester) StoreOutcomesWith(ctx context.Context, rows []ResolvedOutcome, before func(pgx.Tx) error) (Result, error) {
	// One statement may not update a row twice: keep each event's latest outcome.
	all := rows
	latest := make(map[[16]byte]int, len(rows))
	for i := range rows {
		if j, dup := latest[rows[i].EventID]; !dup || !rows[i].At.Before(rows[j].At) {
			latest[rows[i].EventID] = i
		}
	}
	dropped := len(rows) - len(latest)
	if dropped > 0 {
		kept := make([]ResolvedOutcome, 0, len(latest))
		for i := range rows {
			if latest[rows[i].EventID] == i {
				kept = append(kept, rows[i])
			}
		}
		rows = kept
	}
	n := len(rows)
	var (
		evIDs  = make([][16]byte, n)
		stores = make([]int64, n)
		occs   = make([]time.Time, n)
		kinds  = make([]string, n)
		ats    = make([]time.Time, n)
		resps  = make([]*time.Time, n)
		values = make([]*float64, n)
	)
	for i := range rows {
		o := &rows[i]
		evIDs[i], stores[i], occs[i], kinds[i] = o.EventID, o.StoreID, o.OccurredAt, string(o.Kind)
		ats[i], resps[i], values[i] = o.At, o.RespondedAt, o.ValueRecovered
	}
	var accepted int
	err := pgx.BeginFunc(ctx, g.pool, func(tx pgx.Tx) error {
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		// Every outcome sent, latest or not, against the stored ones (locked
		// until commit); then, after the upsert, the kept ones again, for an
		// outcome a concurrent batch stored meanwhile.
		if ce, err := outcomeConflicts(ctx, tx, all); err != nil || ce != nil {
			return errOr(ce, err)
		}
		stored, err := tx.Query(ctx, `
INSERT INTO outcomes (event_id, store_id, occurred_at, outcome, at, responded_at, value_recovered)
SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::text[], $5::timestamptz[],
                     $6::timestamptz[], $7::numeric[])
ON CONFLICT (event_id) DO UPDATE SET
    outcome = excluded.outcome, at = excluded.at, responded_at = excluded.responded_at,
    value_recovered = excluded.value_recovered, updated_at = now()
WHERE outcomes.at < excluded.at
RETURNING event_id`, evIDs, stores, occs, kinds, ats, resps, values)
		if err != nil {
			return err
		}
		changed, err := pgx.CollectRows(stored, pgx.RowTo[[16]byte])
		if err != nil {
			return err
		}
		accepted = len(changed)
		if err := g.outcomesStored(ctx, tx, rows, changed); err != nil {
			return err
		}
		if ce, err := outcomeConflicts(ctx, tx, rows); err != nil || ce != nil {
			if ce != nil {
				remapOutcomeConflicts(ce, all, rows)
			}
			return errOr(ce, err)
		}
		// However late an outcome arrives, it is its event's bucket that changes.
		_, err = tx.Exec(ctx, `
INSERT INTO kpi_dirty (store_id, hour)
SELECT DISTINCT o.store_id, local_hour(o.occurred_at, s.timezone)
FROM unnest($1::bigint[], $2::timestamptz[]) o(store_id, occurred_at) JOIN store_directory s ON s.id = o.store_id`, stores, occs)
		if err != nil {
			return err
		}
		return g.marked(ctx)
	})
	if ce, ok := err.(*ss.BatchError); ok {
		return Result{}, ce
	}
	if err != nil {
		return Result{}, fmt.Errorf("kpi: store %d outcomes: %w", n, err)
	}
	return Result{Accepted: accepted, Duplicates: n - accepted + dropped}, nil
}

// outcomesStored hands the rows whose outcome changed (ids changed) to the
// hooks that take outcomes, in tx.
func (g *Ingester) outcomesStored(ctx context.Context, tx pgx.Tx, rows []ResolvedOutcome, changed [][16]byte) error {
	if len(changed) == 0 {
		return nil
	}
	var hooks []OutcomeHook
	for _, h := range g.hooks {
		if oh, ok := h.(OutcomeHook); ok {
			hooks = append(hooks, oh)
		}
	}
	if len(hooks) == 0 {
		return nil
	}
	ids := make(map[[16]byte]bool, len(changed))
	for _, id := range changed {
		ids[id] = true
	}
	stored := make([]ResolvedOutcome, 0, len(changed))
	for _, r := range rows {
		if ids[r.EventID] {
			stored = append(stored, r)
		}
	}
	for _, h := range hooks {
		if err := h.OutcomesStored(ctx, tx, stored); err != nil {
			return err
		}
	}
	return nil
}
