package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WeeklySeries is one store's weekly figures over consecutive local weeks,
// as the findings judge them: events (not false) per zone, per zone × block
// of the week (day × 3 hours, Monday 00–03 local = 0) and per method, and
// entrance visitors per week and per block. Index k of every slice is the
// week starting From + 7k days.
type WeeklySeries struct {
	From     time.Time
	Zone     map[int64][]int64    // zone id → weeks
	Block    map[[2]int64][]int64 // (zone id, block) → weeks
	Method   map[string][]int64   // method → weeks
	Visitors []int64              // entrance visitors per week
	BlockVis map[int64][]int64    // block → entrance visitors per week
}

const weeklyZoneSQL = `
SELECT zone_id, ((local_date - $2::date) / 7)::int AS k, ((how / 24) * 8 + (how % 24) / 3)::int AS block, sum(events)::bigint
FROM kpi_method_hourly
WHERE store_id = $1 AND local_date >= $2::date AND local_date < $3::date
GROUP BY 1, 2, 3`

const weeklyMethodSQL = `
SELECT method, ((local_date - $2::date) / 7)::int AS k, sum(events)::bigint
FROM kpi_method_daily
WHERE store_id = $1 AND local_date >= $2::date AND local_date < $3::date
GROUP BY 1, 2`

const weeklyVisitorsSQL = `
SELECT ((local_date - $2::date) / 7)::int AS k, ((how / 24) * 8 + (how % 24) / 3)::int AS block, sum(visitors)::bigint
FROM kpi_visitors_hourly
WHERE store_id = $1 AND zone_id = 0 AND local_date >= $2::date AND local_date < $3::date
GROUP BY 1, 2`

// WeeklySeries reads store's weeks local Mondays from, from+7, … (weeks of
// them) from the rollups, in one snapshot.
func (k *KPIs) WeeklySeries(ctx context.Context, store int64, from time.Time, weeks int) (*WeeklySeries, error) {
	to := from.AddDate(0, 0, 7*weeks)
	out := &WeeklySeries{From: from, Zone: map[int64][]int64{}, Block: map[[2]int64][]int64{}, Method: map[string][]int64{},
		Visitors: make([]int64, weeks), BlockVis: map[int64][]int64{}}
	grow := func(m map[int64][]int64, key int64) []int64 {
		s, ok := m[key]
		if !ok {
			s = make([]int64, weeks)
			m[key] = s
		}
		return s
	}
	err := pgx.BeginTxFunc(ctx, k.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var zone, n int64
		var wk, block int
		rows, err := tx.Query(ctx, weeklyZoneSQL, store, from, to)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&zone, &wk, &block, &n}, func() error {
			grow(out.Zone, zone)[wk] += n
			key := [2]int64{zone, int64(block)}
			s, ok := out.Block[key]
			if !ok {
				s = make([]int64, weeks)
				out.Block[key] = s
			}
			s[wk] += n
			return nil
		}); err != nil {
			return err
		}
		var method string
		rows, err = tx.Query(ctx, weeklyMethodSQL, store, from, to)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&method, &wk, &n}, func() error {
			s, ok := out.Method[method]
			if !ok {
				s = make([]int64, weeks)
				out.Method[method] = s
			}
			s[wk] += n
			return nil
		}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, weeklyVisitorsSQL, store, from, to)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&wk, &block, &n}, func() error {
			out.Visitors[wk] += n
			grow(out.BlockVis, int64(block))[wk] += n
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: weekly series of store %d: %w", store, err)
	}
	return out, nil
}
