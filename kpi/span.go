package kpi

import (
	"context"
	"fmt"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// FactDays is the span of the local dates the facts can fall on: the UTC
// dates of the first and last event or footfall hour, a day wider either
// side, since every store's local dates lie within a day of UTC's. ok is
// false when there are no facts.
func (r *Rollups) FactDays(ctx context.Context) (p ss.Period, ok bool, err error) {
	var lo, hi *time.Time
	err = r.pool.QueryRow(ctx, `SELECT (min(t) AT TIME ZONE 'UTC')::date - 1, (max(t) AT TIME ZONE 'UTC')::date + 1 FROM (
    SELECT min(occurred_at) AS t FROM events UNION ALL SELECT max(occurred_at) FROM events
    UNION ALL SELECT min(hour) FROM footfall UNION ALL SELECT max(hour) FROM footfall) x`).Scan(&lo, &hi)
	if err != nil {
		return p, false, fmt.Errorf("kpi: the span of the facts: %w", err)
	}
	if lo == nil {
		return p, false, nil
	}
	return ss.Period{From: *lo, To: *hi, Dates: true}, true, nil
}
