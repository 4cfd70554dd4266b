package checkout

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Action is what the point of sale does for the track at its lane.
type Action string

// Actions, mildest first.
const (
	ActionNone  Action = "none"  // nothing: the till carries on
	ActionNudge Action = "nudge" // a message on the screen: "an item may not have been scanned"
	ActionBlock Action = "block" // the till holds and calls a colleague
)

// Policy is a store's rules for a flagged track at a lane. Amounts are in
// the store's currency, exact to its minor unit. The visit is the track's
// open concealments from VisitMinutes before it reached the lane.
type Policy struct {
	// NudgeMinValue: nudge when the visit's concealments are worth at least
	// this. Default 0: every flagged track is nudged at least.
	NudgeMinValue float64 `json:"nudge_min_value"`
	// BlockMinValue: block when they are worth at least this; 0: never by
	// value. Default 50.
	BlockMinValue float64 `json:"block_min_value"`
	// BlockMinItems: block when the visit has at least this many
	// concealments; 0: never by count. Default 3.
	BlockMinItems int `json:"block_min_items"`
	// BlockOnRepeat: block a repeat — a concealment at least RepeatGap after
	// the track's first one in the visit, a second act rather than a second
	// item of one. Default true.
	BlockOnRepeat bool `json:"block_on_repeat"`
	// VisitMinutes is the visit window (1–720): a concealment older than
	// this when the track reached the lane is not on this visit, and a
	// track unresolved this long after its last concealment that left
	// through an entrance is walked_out. Default 45.
	VisitMinutes int `json:"visit_minutes"`
}

// DefaultPolicy is the policy of a store that has none of its own.
var DefaultPolicy = Policy{NudgeMinValue: 0, BlockMinValue: 50, BlockMinItems: 3, BlockOnRepeat: true, VisitMinutes: 45}

// RepeatGap is how far apart two concealments of a visit are to be two
// acts (a repeat), not two items taken at once.
const RepeatGap = time.Minute

// Bounds of the policy's fields.
const (
	maxAmount     = 1e6
	maxItems      = 100
	maxVisitMins  = 720
	visitMinsHelp = "visit_minutes must be 1–720 (minutes)"
)

// Validate checks p's fields for a store in currency cur.
func (p Policy) Validate(cur ss.Currency) error {
	for _, f := range [...]struct {
		name string
		v    float64
	}{{"nudge_min_value", p.NudgeMinValue}, {"block_min_value", p.BlockMinValue}} {
		if !(f.v >= 0 && f.v <= maxAmount) {
			return ss.Errorf(ss.EINVALID, f.name, "%s must be between 0 and 1000000, got %v", f.name, f.v)
		}
		if !cur.InMinorUnits(f.v) {
			return ss.Errorf(ss.EINVALID, f.name, "%s", cur.AmountRule(f.name, f.v))
		}
	}
	if p.BlockMinItems < 0 || p.BlockMinItems > maxItems {
		return ss.Errorf(ss.EINVALID, "block_min_items", "block_min_items must be 0–100 (0: never by count), got %d", p.BlockMinItems)
	}
	if p.VisitMinutes < 1 || p.VisitMinutes > maxVisitMins {
		return ss.Errorf(ss.EINVALID, "visit_minutes", "%s, got %d", visitMinsHelp, p.VisitMinutes)
	}
	return nil
}

// Visit is the visit window as a duration.
func (p Policy) Visit() time.Duration { return time.Duration(p.VisitMinutes) * time.Minute }

// cents is an amount in hundredths, the unit amounts are stored in, so that
// thresholds compare exactly (a value at a threshold meets it).
func cents(v float64) int64 { return int64(math.Round(v * 100)) }

// Decide is the action p gives for the open concealments items of a
// visit (in currency cur), and the reasons, each naming the rule that
// fired; no items: none and no reasons.
func (p Policy) Decide(items []Item, cur ss.Currency) (Action, []string) {
	reasons := []string{}
	if len(items) == 0 {
		return ActionNone, reasons
	}
	var total int64
	first, last := items[0].OccurredAt, items[0].OccurredAt
	for _, it := range items {
		total += cents(it.EstValue)
		if it.OccurredAt.Before(first) {
			first = it.OccurredAt
		}
		if it.OccurredAt.After(last) {
			last = it.OccurredAt
		}
	}
	value := cur.Format(float64(total) / 100)
	n := strconv.Itoa(len(items)) + " concealment"
	if len(items) > 1 {
		n += "s"
	}
	if p.BlockMinValue > 0 && total >= cents(p.BlockMinValue) {
		reasons = append(reasons, fmt.Sprintf("%s worth %s, at least block_min_value %s", n, value, cur.Format(p.BlockMinValue)))
	}
	if p.BlockMinItems > 0 && len(items) >= p.BlockMinItems {
		reasons = append(reasons, fmt.Sprintf("%s, at least block_min_items %d", n, p.BlockMinItems))
	}
	if p.BlockOnRepeat && last.Sub(first) >= RepeatGap {
		reasons = append(reasons, fmt.Sprintf("a repeat: concealments %s apart in one visit (block_on_repeat)", last.Sub(first).Round(time.Second)))
	}
	if len(reasons) > 0 {
		return ActionBlock, reasons
	}
	if total >= cents(p.NudgeMinValue) {
		return ActionNudge, []string{fmt.Sprintf("%s worth %s, at least nudge_min_value %s", n, value, cur.Format(p.NudgeMinValue))}
	}
	return ActionNone, []string{fmt.Sprintf("%s worth %s, below nudge_min_value %s", n, value, cur.Format(p.NudgeMinValue))}
}

// StorePolicy is a store's policy as the API shows it.
type StorePolicy struct {
	Store    string      `json:"store"`
	Currency ss.Currency `json:"currency"`
	Policy
	// Default is true while the store has no policy of its own.
	Default bool `json:"default"`
}

// Policy returns store code's policy (DefaultPolicy until one is set).
func (s *Service) Policy(ctx context.Context, code string) (StorePolicy, error) {
	refs, err := s.stores(ctx, s.pool, []string{code})
	if err != nil {
		return StorePolicy{}, err
	}
	r := refs[code]
	if r == nil {
		return StorePolicy{}, ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
	}
	var own bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM checkout_policy WHERE store_id = $1)`, r.ID).Scan(&own); err != nil {
		return StorePolicy{}, fmt.Errorf("checkout: policy of %s: %w", code, err)
	}
	return StorePolicy{Store: code, Currency: r.Currency, Policy: r.Policy, Default: !own}, nil
}

// SetPolicy replaces store code's policy with p, checked whole first.
func (s *Service) SetPolicy(ctx context.Context, code string, p Policy) (StorePolicy, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		var cur ss.Currency
		err := tx.QueryRow(ctx, `SELECT id, coalesce(currency, '') FROM store_directory WHERE code = $1`, code).Scan(&id, &cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
		}
		if err != nil {
			return err
		}
		if err := p.Validate(cur); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO checkout_policy (store_id, nudge_min_value, block_min_value, block_min_items, block_on_repeat, visit_minutes)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (store_id) DO UPDATE SET nudge_min_value = excluded.nudge_min_value, block_min_value = excluded.block_min_value,
    block_min_items = excluded.block_min_items, block_on_repeat = excluded.block_on_repeat,
    visit_minutes = excluded.visit_minutes, updated_at = now()`, id, p.NudgeMinValue, p.BlockMinValue, p.BlockMinItems, p.BlockOnRepeat, p.VisitMinutes); err != nil {
			return err
		}
		return notify(ctx, tx, map[int64]bool{id: true})
	})
	if err != nil {
		if ss.ErrorCode(err) != ss.EINTERNAL {
			return StorePolicy{}, err
		}
		return StorePolicy{}, fmt.Errorf("checkout: set policy of %s: %w", code, err)
	}
	return s.Policy(ctx, code)
}
