package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Segments segments every store of the estate on its figures over the days
// local days ending `to` (inclusive), and returns the stores in scope (all
// when scope is empty). Standardisation is always across the whole estate.
func (k *KPIs) Segments(ctx context.Context, to time.Time, days int, scope []string, cfg SegmentConfig) ([]Segment, error) {
	if days < 7 || days > 730 {
		return nil, ss.Errorf(ss.EINVALID, "days", "days must be between 7 and 730, got %d", days)
	}
	from := to.AddDate(0, 0, -days+1)
	rows, err := k.pool.Query(ctx, `
SELECT s.code, s.operating_model, s.urban_density, s.theft_index, s.staffing_capacity,
       coalesce(sum(d.visitors), 0)::float8, coalesce(sum(d.events), 0)::float8, coalesce(sum(d.est_loss), 0)::float8,
       coalesce(sum(d.concealed_value), 0)::float8, coalesce(sum(d.recovered), 0)::float8,
       coalesce(sum(d.lost), 0)::float8, coalesce(sum(d.recovered_value), 0)::float8
FROM stores s LEFT JOIN kpi_store_daily d ON d.store_id = s.id AND d.local_date BETWEEN $1::date AND $2::date
GROUP BY s.id ORDER BY s.code`, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: segment inputs: %w", err)
	}
	inputs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SegmentInput, error) {
		in := SegmentInput{Days: days}
		err := r.Scan(&in.Store, &in.Current, &in.Profile.UrbanDensity, &in.Profile.TheftIndex, &in.Profile.StaffingCapacity,
			&in.Visitors, &in.Events, &in.EstLoss, &in.ConcealedValue, &in.Recovered, &in.Lost, &in.RecoveredValue)
		return in, err
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: segment inputs: %w", err)
	}
	all := SegmentStores(inputs, cfg)
	if len(scope) == 0 {
		return all, nil
	}
	in := map[string]bool{}
	for _, c := range scope {
		in[c] = true
	}
	out := all[:0]
	for _, s := range all {
		if in[s.Store] {
			out = append(out, s)
		}
	}
	return out, nil
}
