package kpi

import (
	"context"
	"fmt"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Sales validates and upserts daily sales per store.
func (g *Ingester) Sales(ctx context.Context, p *ss.Principal, in []ss.SaleInput) (Result, error) {
	type key struct {
		store int64
		day   time.Time
	}
	rows, err := resolveLatest(g, ctx, p, in, func(i int, x *ss.SaleInput, now time.Time, r *resolver, be *ss.BatchError) (ss.Sale, key, bool) {
		s, ok := x.Parse(i, now, be)
		if !ok {
			return s, key{}, false
		}
		ref := r.store(i, s.Store, "", be)
		if ref == nil || r.beforeDay(i, ref, "day", s.Day, be) || !amountIn(i, ref.Currency, "amount", s.Amount, be) {
			return s, key{}, false
		}
		s.StoreID = ref.ID
		return s, key{s.StoreID, s.Day}, true
	})
	if err != nil {
		return Result{}, err
	}
	return g.StoreSales(ctx, rows)
}

// StoreSales upserts resolved sales rows (StoreID set; no two with the same key).
func (g *Ingester) StoreSales(ctx context.Context, rows []ss.Sale) (Result, error) {
	stores := make([]int64, len(rows))
	days := make([]time.Time, len(rows))
	amounts := make([]float64, len(rows))
	for i := range rows {
		stores[i], days[i], amounts[i] = rows[i].StoreID, rows[i].Day, rows[i].Amount
	}
	// The day's rollups are marked dirty through its local noon, an hour
	// every time zone has on every day, in the same statement.
	_, err := g.pool.Exec(ctx, `
WITH up AS (
    INSERT INTO sales (store_id, day, amount)
    SELECT * FROM unnest($1::bigint[], $2::date[], $3::numeric[])
    ON CONFLICT (store_id, day) DO UPDATE SET amount = excluded.amount, updated_at = now()
    RETURNING store_id, day)
INSERT INTO kpi_dirty (store_id, hour)
SELECT DISTINCT up.store_id, local_hour((up.day + time '12:00') AT TIME ZONE s.timezone, s.timezone)
FROM up JOIN store_directory s ON s.id = up.store_id`,
		stores, days, amounts)
	if err != nil {
		return Result{}, fmt.Errorf("kpi: store %d sales rows: %w", len(rows), err)
	}
	return Result{Accepted: len(rows)}, nil
}
