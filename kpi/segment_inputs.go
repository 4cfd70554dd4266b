package kpi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// segmentInputsSQL sums every store's daily rollups over the window. days is
// the span from the first to the last local day with any figure, so a store
// whose data starts or stops inside the window is annualised over what it
// has, and a store with none has 0.
const segmentInputsSQL = `
SELECT s.code, s.operating_model, s.urban_density, s.theft_index, s.staffing_capacity, s.opening_hours,
       coalesce(max(d.local_date) - min(d.local_date) + 1, 0)::int,
       coalesce(sum(d.visitors), 0)::float8, coalesce(sum(d.detections), 0)::float8,
       coalesce(sum(d.events), 0)::float8, coalesce(sum(d.false_positive), 0)::float8,
       coalesce(sum(d.est_loss), 0)::float8, coalesce(sum(d.concealed_value), 0)::float8,
       coalesce(sum(d.paid), 0)::float8, coalesce(sum(d.interventions), 0)::float8,
       coalesce(sum(d.blocked_recovered), 0)::float8, coalesce(sum(d.lost), 0)::float8
FROM stores s
LEFT JOIN kpi_store_daily d ON d.store_id = s.id AND d.local_date BETWEEN $1::date AND $2::date
     AND (d.visitors > 0 OR d.detections > 0)
GROUP BY s.id ORDER BY s.code`

// Segments decides every store of the estate on its figures over the local
// days from..to (both inclusive dates) and returns the stores in scope (all
// when scope is empty). Estate statistics — standardisation, pooled rates,
// the shared SOC — always use the whole estate.
func (k *KPIs) Segments(ctx context.Context, from, to time.Time, scope []string, cfg SegmentConfig) ([]Segment, error) {
	days := int(to.Sub(from).Hours()/24) + 1
	if to.Before(from) {
		return nil, ss.Errorf(ss.EINVALID, "to", "to %s is before from %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	if days < 7 || days > 730 {
		return nil, ss.Errorf(ss.EINVALID, "days", "the window must be between 7 and 730 days, got %d", days)
	}
	rows, err := k.pool.Query(ctx, segmentInputsSQL, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: segment inputs: %w", err)
	}
	inputs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SegmentInput, error) {
		var in SegmentInput
		var hours []byte
		err := r.Scan(&in.Store, &in.Current, &in.Profile.UrbanDensity, &in.Profile.TheftIndex, &in.Profile.StaffingCapacity, &hours,
			&in.Days, &in.Visitors, &in.Detections, &in.Events, &in.FalsePositives, &in.EstLoss, &in.ConcealedValue,
			&in.Paid, &in.Interventions, &in.Blocked, &in.Lost)
		if err != nil {
			return in, err
		}
		in.WeeklyOpenHours, err = weeklyOpenHours(hours)
		return in, err
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: segment inputs: %w", err)
	}
	all := SegmentStores(inputs, days, cfg)
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

// weeklyOpenHours sums a store's opening hours (stored JSON) over a week.
func weeklyOpenHours(raw []byte) (float64, error) {
	var h ss.OpeningHours
	if err := json.Unmarshal(raw, &h); err != nil {
		return 0, fmt.Errorf("opening hours: %w", err)
	}
	var minutes int
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		for _, iv := range h.Minutes(wd) {
			minutes += iv[1] - iv[0]
		}
	}
	return float64(minutes) / 60, nil
}
