package kpi

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Querier is what StoreHasFacts reads through: a pool, a connection or a
// transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// StoreHasFacts reports whether any event, footfall hour or sales day is
// stored for the store (layout asks before a store's currency changes: its
// amounts are in the currency they were recorded in).
func StoreHasFacts(ctx context.Context, q Querier, storeID int64) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE store_id = $1)
    OR EXISTS (SELECT 1 FROM sales WHERE store_id = $1) OR EXISTS (SELECT 1 FROM kpi_store_daily WHERE store_id = $1)`, storeID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("kpi: facts of store %d: %w", storeID, err)
	}
	return ok, nil
}

// amountIn adds an item error when amount (item i's field) is not a whole
// number of the currency's stored units, and reports whether it was.
func amountIn(i int, c ss.Currency, field string, amount float64, be *ss.BatchError) bool {
	if c == "" || c.InMinorUnits(amount) {
		return true
	}
	be.Add(i, field, "%s", c.AmountRule(field, amount))
	return false
}
