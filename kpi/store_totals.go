package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StoreTotals is one store's rollup sums over a window of local days: what
// the store segmentation weighs (segments reads it through StoreTotals).
type StoreTotals struct {
	StoreID int64
	// Days is the span from the store's first to its last local day with any
	// figure inside the window, so a store whose data starts or stops inside
	// the window is annualised over what it has.
	Days           int
	Visitors       float64 // entrance visitors
	Detections     float64 // every event, false positives included
	Events         float64 // events whose outcome is not false
	FalsePositives float64
	EstLoss        float64
	ConcealedValue float64 // Σ est_value of every concealment
	Paid           float64
	Interventions  float64
	Blocked        float64 // blocked_recovered
	Lost           float64
}

const storeTotalsSQL = `
SELECT d.store_id, (max(d.local_date) - min(d.local_date) + 1)::int,
       sum(d.visitors)::float8, sum(d.detections)::float8, sum(d.events)::float8, sum(d.false_positive)::float8,
       sum(d.est_loss)::float8, sum(d.concealed_value)::float8, sum(d.paid)::float8, sum(d.interventions)::float8,
       sum(d.blocked_recovered)::float8, sum(d.lost)::float8
FROM kpi_store_daily d
WHERE d.local_date BETWEEN $1::date AND $2::date AND (d.visitors > 0 OR d.detections > 0)
GROUP BY d.store_id`

// StoreTotals sums every store's daily rollups over the local days from..to
// (both inclusive), by store id; a store with no figure in the window has
// no entry.
func (k *KPIs) StoreTotals(ctx context.Context, from, to time.Time) (map[int64]StoreTotals, error) {
	rows, err := k.pool.Query(ctx, storeTotalsSQL, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: store totals: %w", err)
	}
	out := map[int64]StoreTotals{}
	var t StoreTotals
	_, err = pgx.ForEachRow(rows, []any{&t.StoreID, &t.Days, &t.Visitors, &t.Detections, &t.Events, &t.FalsePositives,
		&t.EstLoss, &t.ConcealedValue, &t.Paid, &t.Interventions, &t.Blocked, &t.Lost}, func() error {
		out[t.StoreID] = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: store totals: %w", err)
	}
	return out, nil
}
