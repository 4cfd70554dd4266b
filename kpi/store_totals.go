package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StoreTotals is one store's rollup sums over a window of local days: what
// the store segmentation weighs (segments reads it through StoreTotals).
// Loss and concealments are expected figures, on the basis the KPIs use
// (read_basis.go), so that every operating model is compared on one.
type StoreTotals struct {
	StoreID int64
	// Days is the span from the store's first to its last local day with any
	// figure inside the window, so a store whose data starts or stops inside
	// the window is annualised over what it has.
	Days       int
	Visitors   float64 // entrance visitors
	Detections float64 // every event, false positives included
	Events     float64 // events whose outcome is not false
	// ExpectedEvents is Events less the open events' expected false share:
	// the concealments the reviews say there were.
	ExpectedEvents float64
	FalsePositives float64
	// Reviewed is the events reviewed: recovered, lost, confirmed or false.
	Reviewed float64
	// EstLoss is the expected loss, as GET /kpis gives it for the store
	// over the same days: lost and confirmed value, and open value × (1 − FalseShare).
	EstLoss float64
	// FalseShare is the f that discounted the open events, and Basis whose
	// reviews gave it (BasisStore, BasisRegion, BasisEstate, BasisNone).
	FalseShare float64
	Basis      string
	// ConcealedValue is Σ est_value of every concealment, the open events'
	// expected false share taken out.
	ConcealedValue float64
	Paid           float64
	Interventions  float64
	Blocked        float64 // blocked_recovered
	Lost           float64
}

const storeTotalsSQL = `
SELECT d.store_id, s.region, (max(d.local_date) - min(d.local_date) + 1)::int,
       sum(d.visitors)::float8, sum(d.detections)::float8, sum(d.events)::float8, sum(d.false_positive)::bigint,
       sum(d.recovered + d.lost + d.confirmed + d.false_positive)::bigint, sum(d.open)::float8,
       (100 * sum(d.est_loss))::bigint, (100 * sum(d.open_value))::bigint,
       sum(d.concealed_value)::float8, sum(d.paid)::float8, sum(d.interventions)::float8,
       sum(d.blocked_recovered)::float8, sum(d.lost)::float8
FROM kpi_store_daily d JOIN store_directory s ON s.id = d.store_id
WHERE d.local_date BETWEEN $1::date AND $2::date AND (d.visitors > 0 OR d.detections > 0)
GROUP BY d.store_id, s.region`

// StoreTotals sums every store's daily rollups over the local days from..to
// (both inclusive), by store id; a store with no figure in the window has
// no entry. Each store's false share is chosen as the KPIs choose it, with
// the reader's MinReviews.
func (k *KPIs) StoreTotals(ctx context.Context, from, to time.Time) (map[int64]StoreTotals, error) {
	rows, err := k.pool.Query(ctx, storeTotalsSQL, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: store totals: %w", err)
	}
	type row struct {
		t                    StoreTotals
		region               string
		fp, rev, loss, openV int64
		open                 float64
	}
	var all []row
	var r row
	_, err = pgx.ForEachRow(rows, []any{&r.t.StoreID, &r.region, &r.t.Days, &r.t.Visitors, &r.t.Detections, &r.t.Events, &r.fp,
		&r.rev, &r.open, &r.loss, &r.openV, &r.t.ConcealedValue, &r.t.Paid, &r.t.Interventions, &r.t.Blocked, &r.t.Lost}, func() error {
		all = append(all, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: store totals: %w", err)
	}
	regions := map[string]reviews{}
	var estate reviews
	for _, x := range all {
		c := regions[x.region]
		regions[x.region] = reviews{c.fp + x.fp, c.rev + x.rev}
		estate.fp, estate.rev = estate.fp+x.fp, estate.rev+x.rev
	}
	out := make(map[int64]StoreTotals, len(all))
	for _, x := range all {
		b := chooseBasis(reviews{x.fp, x.rev}, regions[x.region], estate, x.region != "", int64(k.minReviews))
		t := x.t
		t.FalsePositives, t.Reviewed = float64(x.fp), float64(x.rev)
		expected := b.expectedCents(x.loss, x.openV)
		t.EstLoss = fromCents(expected)
		t.ConcealedValue = fromCents(toCents(t.ConcealedValue) - (x.loss - expected))
		t.ExpectedEvents = t.Events
		if b.rev > 0 {
			t.FalseShare = float64(b.fp) / float64(b.rev)
			t.ExpectedEvents = t.Events - x.open*t.FalseShare
		}
		t.Basis = basisLevels[b.level]
		out[t.StoreID] = t
	}
	return out, nil
}
