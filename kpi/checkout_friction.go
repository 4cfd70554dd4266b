package kpi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// CheckoutFriction is what a checkout store's interventions at the till
// cost its shoppers over a period, from the store's daily rollups' outcome
// counts (no column of its own). Friction is the interventions a till made
// — nudges that ended paid, blocks that recovered — per 1,000 visitors,
// and BlockShare how many of them held the till for a colleague.
type CheckoutFriction struct {
	Store     string `json:"store"`
	From      string `json:"from"`
	To        string `json:"to"`
	Events    int64  `json:"events"`
	Visitors  *int64 `json:"visitors"` // nil: no entrance counts in the period
	Paid      int64  `json:"paid"`
	Nudged    int64  `json:"nudged_paid"`
	Blocked   int64  `json:"blocked_recovered"`
	WalkedOut int64  `json:"walked_out"`
	// Friction is 1000 · (nudged_paid + blocked_recovered) / visitors; nil
	// without visitors.
	Friction *float64 `json:"checkout_friction"`
	// BlockShare is blocked_recovered / (nudged_paid + blocked_recovered);
	// nil without interventions.
	BlockShare *float64 `json:"block_share"`
	// InterventionRate is (nudged_paid + blocked_recovered +
	// intervened_recovered) / events, as the KPIs give it.
	InterventionRate *float64 `json:"intervention_rate"`
}

// StoreCheckoutFriction sums store code's daily rollups over the local
// dates from..to (both inclusive). An unknown store is ENOTFOUND.
func (k *KPIs) StoreCheckoutFriction(ctx context.Context, code string, from, to time.Time) (CheckoutFriction, error) {
	out := CheckoutFriction{Store: code, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	var id int64
	err := k.pool.QueryRow(ctx, `SELECT id FROM store_directory WHERE code = $1`, code).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
	}
	if err != nil {
		return out, fmt.Errorf("kpi: checkout friction of %s: %w", code, err)
	}
	var visitors, interventions int64
	err = k.pool.QueryRow(ctx, `
SELECT coalesce(sum(events), 0), coalesce(sum(visitors), 0), coalesce(sum(paid), 0), coalesce(sum(nudged_paid), 0),
       coalesce(sum(blocked_recovered), 0), coalesce(sum(lost), 0), coalesce(sum(interventions), 0)
FROM kpi_store_daily WHERE store_id = $1 AND local_date BETWEEN $2::date AND $3::date`, id, from, to).Scan(
		&out.Events, &visitors, &out.Paid, &out.Nudged, &out.Blocked, &out.WalkedOut, &interventions)
	if err != nil {
		return out, fmt.Errorf("kpi: checkout friction of %s: %w", code, err)
	}
	till := float64(out.Nudged + out.Blocked)
	if visitors > 0 {
		out.Visitors = &visitors
		out.Friction = ratio(1000*till, float64(visitors))
	}
	out.BlockShare = ratio(float64(out.Blocked), till)
	out.InterventionRate = ratio(float64(interventions), float64(out.Events))
	return out, nil
}
