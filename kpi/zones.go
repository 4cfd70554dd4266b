package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ZoneDay is one zone's figures on one local day of its store, read from
// the daily rollups.
type ZoneDay struct {
	ZoneID   int64     `db:"zone_id"`
	Date     time.Time `db:"local_date"` // the local date, at 00:00 UTC
	Events   int64     `db:"events"`     // concealments whose outcome is not false
	Visitors int64     `db:"visitors"`   // the zone's own footfall (not the entrance's)
	EstLoss  float64   `db:"est_loss"`   // est_value of lost and open events
}

// zoneDays joins each zone-day's events to its footfall; a zone-day with
// only one of them still counts, with zero for the other.
const zoneDays = `
SELECT coalesce(e.zone_id, v.zone_id) AS zone_id, coalesce(e.local_date, v.local_date) AS local_date,
       coalesce(e.events, 0) AS events, coalesce(v.visitors, 0) AS visitors,
       coalesce(e.est_loss, 0)::float8 AS est_loss
FROM (SELECT zone_id, local_date, sum(events)::bigint AS events, sum(est_loss) AS est_loss
      FROM kpi_method_daily WHERE store_id = $1 AND local_date BETWEEN $2 AND $3
      GROUP BY zone_id, local_date) e
FULL JOIN (SELECT zone_id, local_date, visitors
           FROM kpi_visitors_daily WHERE store_id = $1 AND zone_id <> 0 AND local_date BETWEEN $2 AND $3) v
    ON v.zone_id = e.zone_id AND v.local_date = e.local_date
ORDER BY 1, 2`

// ZoneDays returns the daily figures of every zone of a store that has
// events or footfall on the local dates from through to (both inclusive),
// by zone and date. Zone-days with neither are absent.
func (k *KPIs) ZoneDays(ctx context.Context, storeID int64, from, to time.Time) ([]ZoneDay, error) {
	rows, err := k.pool.Query(ctx, zoneDays, storeID, from, to)
	if err != nil {
		return nil, fmt.Errorf("kpi: zone days of store %d: %w", storeID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[ZoneDay])
	if err != nil {
		return nil, fmt.Errorf("kpi: zone days of store %d: %w", storeID, err)
	}
	return out, nil
}
