package checkout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// OutcomeInput is what the point of sale did with a track at its lane:
// the outcome of the track's open concealments, or of the events named.
type OutcomeInput struct {
	Store          string         `json:"store"`
	Lane           string         `json:"lane"`
	Track          string         `json:"track"`
	Events         []string       `json:"events"`
	Outcome        ss.OutcomeKind `json:"outcome"`
	ValueRecovered *float64       `json:"value_recovered"`
}

// Outcomes are the kinds the point of sale posts.
var Outcomes = []ss.OutcomeKind{ss.OutcomePaid, ss.OutcomeNudgedPaid, ss.OutcomeBlockedRecovered, ss.OutcomeWalkedOut}

// MaxEvents is the most events one outcome names.
const MaxEvents = 100

// resolvedItem is a concealment an outcome decides.
type resolvedItem struct {
	event      uuid.UUID
	storeID    int64
	estValue   float64
	occurredAt time.Time
	outcome    string
	lane       string
	resolvedAt *time.Time
}

// Outcomes validates a batch of the point of sale's outcomes whole and
// writes each as its events' outcomes through kpi's outcome path, with the
// concealments' resolution in the same transaction: all or nothing. With
// track, the events are the track's open concealments (and, on a replay,
// those the same outcome at the same lane resolved); value_recovered is
// shared among them in proportion to their est_value, to the cent. The
// result counts events.
func (s *Service) Outcomes(ctx context.Context, p *ss.Principal, in []OutcomeInput) (kpi.Result, error) {
	var codes []string
	for i, it := range in {
		if p != nil && !p.CanSeeStore(it.Store) {
			return kpi.Result{}, ss.Errorf(ss.EFORBIDDEN, fmt.Sprintf("[%d].store", i), "this token may not write store %q", it.Store)
		}
		if ss.ValidCode(it.Store) && !slices.Contains(codes, it.Store) {
			codes = append(codes, it.Store)
		}
	}
	refs, err := s.stores(ctx, s.pool, codes)
	if err != nil {
		return kpi.Result{}, err
	}
	now := s.now()
	var be ss.BatchError
	var rows []kpi.ResolvedOutcome
	var lanes []string
	claimed := map[uuid.UUID]int{}
	for i := range in {
		it := &in[i]
		ref, bad := refs[it.Store], len(be.Items)
		switch {
		case !ss.ValidCode(it.Store):
			be.Add(i, "store", "store code %q is missing or malformed", it.Store)
		case ref == nil:
			be.Add(i, "store", "unknown store %q", it.Store)
		}
		switch {
		case it.Lane == "":
			be.Add(i, "lane", "lane is required: the till that decided")
		case ref != nil && ref.Lanes[it.Lane] == "":
			be.Add(i, "lane", "no lane %q in store %q", it.Lane, it.Store)
		}
		if !slices.Contains(Outcomes, it.Outcome) {
			be.Add(i, "outcome", "outcome %q is not one of %v", it.Outcome, Outcomes)
		}
		if v := it.ValueRecovered; v != nil {
			switch {
			case !(*v >= 0 && *v <= 1e6):
				be.Add(i, "value_recovered", "value_recovered must be between 0 and 1000000, got %v", *v)
			case it.Outcome.Class() != ss.ClassRecovered:
				be.Add(i, "value_recovered", "value_recovered applies only to recovered outcomes, not %q", it.Outcome)
			case ref != nil && !ref.Currency.InMinorUnits(*v):
				be.Add(i, "value_recovered", "%s", ref.Currency.AmountRule("value_recovered", *v))
			}
		}
		var ids []uuid.UUID
		switch {
		case it.Track == "" && len(it.Events) == 0:
			be.Add(i, "track", "give track (its open concealments) or events (the ones decided)")
		case it.Track != "" && len(it.Events) > 0:
			be.Add(i, "events", "give track or events, not both")
		case len(it.Events) > MaxEvents:
			be.Add(i, "events", "at most %d events in one outcome, got %d", MaxEvents, len(it.Events))
		case it.Track != "":
			if p := ss.TextProblem("track", it.Track, 64); p != "" {
				be.Add(i, "track", "%s", p)
			}
		default:
			for _, e := range it.Events {
				id, err := uuid.Parse(e)
				if err != nil || len(e) != 36 {
					be.Add(i, "events", "event %q is not an event id (UUID)", e)
					break
				}
				ids = append(ids, id)
			}
		}
		if len(be.Items) > bad {
			continue
		}
		items, err := s.itemsOf(ctx, ref.ID, it.Track, ids, it.Outcome, it.Lane)
		if err != nil {
			return kpi.Result{}, err
		}
		switch {
		case it.Track != "" && len(items) == 0:
			be.Add(i, "track", "track %q has no open concealments in store %q", it.Track, it.Store)
			continue
		case len(items) < len(ids):
			for _, id := range ids {
				if !slices.ContainsFunc(items, func(r resolvedItem) bool { return r.event == id }) {
					be.Add(i, "events", "event %s is not a concealment of a floor track in store %q", id, it.Store)
					break
				}
			}
			continue
		}
		values := share(it.ValueRecovered, items)
		for k, r := range items {
			if j, dup := claimed[r.event]; dup {
				be.Add(i, "events", "event %s is decided by item %d too", r.event, j)
				break
			}
			claimed[r.event] = i
			at := later(now, r.occurredAt)
			if r.resolvedAt != nil && r.outcome == string(it.Outcome) && r.lane == it.Lane {
				at = *r.resolvedAt // a replay: the same outcome as stored
			}
			o := ss.Outcome{EventID: r.event, Kind: it.Outcome, At: at, ValueRecovered: values[k]}
			rows = append(rows, kpi.ResolvedOutcome{Outcome: o, StoreID: r.storeID, OccurredAt: r.occurredAt})
			lanes = append(lanes, it.Lane)
		}
	}
	if err := be.Err(); err != nil {
		return kpi.Result{}, err
	}
	res, err := s.outcomes.StoreOutcomesWith(ctx, rows, func(tx pgx.Tx) error { return resolve(ctx, tx, rows, lanes) })
	if err != nil {
		var be *ss.BatchError
		if errors.As(err, &be) || ss.ErrorCode(err) != ss.EINTERNAL {
			return kpi.Result{}, err
		}
		return kpi.Result{}, fmt.Errorf("checkout: outcomes: %w", err)
	}
	return res, nil
}

// itemsOf is the concealments an outcome decides: events ids of store, or
// track's open ones and those outcome at lane resolved, by time.
func (s *Service) itemsOf(ctx context.Context, store int64, track string, ids []uuid.UUID, outcome ss.OutcomeKind, lane string) ([]resolvedItem, error) {
	raw := make([][16]byte, len(ids))
	for i := range ids {
		raw[i] = ids[i]
	}
	rows, err := s.pool.Query(ctx, `SELECT event_id, store_id, est_value::float8, occurred_at, outcome, lane, resolved_at FROM checkout_items
WHERE store_id = $1 AND CASE WHEN $2 <> '' THEN track = $2 AND (resolved_at IS NULL OR outcome = $4 AND lane = $5)
                             ELSE event_id = ANY($3) END
ORDER BY occurred_at, event_id`, store, track, raw, string(outcome), lane)
	if err != nil {
		return nil, fmt.Errorf("checkout: concealments of an outcome: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (resolvedItem, error) {
		var it resolvedItem
		err := r.Scan(&it.event, &it.storeID, &it.estValue, &it.occurredAt, &it.outcome, &it.lane, &it.resolvedAt)
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("checkout: concealments of an outcome: %w", err)
	}
	return out, nil
}

// share splits value (nil: none) among items in proportion to their
// est_value (equally when all are 0), in cents, by the largest remainder
// (Hamilton's method), so the parts add up to value exactly.
func share(value *float64, items []resolvedItem) []*float64 {
	out := make([]*float64, len(items))
	if value == nil {
		return out
	}
	total := cents(*value)
	weights := make([]int64, len(items))
	var sum int64
	for i, it := range items {
		weights[i] = cents(it.estValue)
		sum += weights[i]
	}
	if sum == 0 {
		for i := range weights {
			weights[i] = 1
		}
		sum = int64(len(items))
	}
	parts := make([]int64, len(items))
	rems := make([]int, len(items))
	var given int64
	for i, w := range weights {
		parts[i] = total * w / sum
		given += parts[i]
		rems[i] = i
	}
	sort.SliceStable(rems, func(a, b int) bool {
		ra, rb := total*weights[rems[a]]%sum, total*weights[rems[b]]%sum
		return ra > rb
	})
	for k := 0; given < total; k++ {
		parts[rems[k%len(rems)]]++
		given++
	}
	for i, c := range parts {
		v := float64(c) / 100
		out[i] = &v
	}
	return out
}

// resolve marks the concealments of rows decided, at lanes, in tx, and
// announces their stores.
func resolve(ctx context.Context, tx pgx.Tx, rows []kpi.ResolvedOutcome, lanes []string) error {
	n := len(rows)
	ids, kinds, ats, changed := make([][16]byte, n), make([]string, n), make([]time.Time, n), map[int64]bool{}
	for i, r := range rows {
		ids[i], kinds[i], ats[i] = r.EventID, string(r.Kind), r.At
		changed[r.StoreID] = true
	}
	if _, err := tx.Exec(ctx, `UPDATE checkout_items c SET outcome = u.o, lane = u.l, resolved_at = u.a
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) u(e, o, l, a) WHERE c.event_id = u.e`, ids, kinds, lanes, ats); err != nil {
		return fmt.Errorf("checkout: resolve concealments: %w", err)
	}
	return notify(ctx, tx, changed)
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}
