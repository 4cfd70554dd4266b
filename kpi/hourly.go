package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StoreHour is one local hour of a store from the rollups: every zone and
// category summed, with the entrance footfall.
type StoreHour struct {
	Hour       time.Time `db:"hour"`       // the instant the local hour began
	Events     int64     `db:"events"`     // not false
	Detections int64     `db:"detections"` // every detection
	EstLoss    float64   `db:"est_loss"`   // est_value of lost and open events
	Visitors   int64     `db:"visitors"`   // entrance footfall
}

// storeHoursSQL reads the hourly rollups of one store in [$2, $3): its
// store rows per hour (every zone and category), joined with entrance visitors;
// hours with neither have no row. first is the store's earliest hour with
// any fact, so a reader can tell "no history" from "nothing happened".
//
// The entrance's hours are kept per local day: the days that can hold an
// hour of the range (an instant's local date is within a day of its UTC
// date) bound the rows read.
const storeHoursSQL = `
WITH ev AS (
    SELECT hour, events::int8 AS events, detections::int8 AS detections, est_loss::float8 AS est_loss
    FROM kpi_store_hourly WHERE store_id = $1 AND hour >= $2 AND hour < $3
), vi AS (
    SELECT hour, visitors FROM kpi_visitors_hourly WHERE store_id = $1 AND zone_id = 0
        AND local_date BETWEEN ($2::timestamptz AT TIME ZONE 'UTC')::date - 1 AND ($3::timestamptz AT TIME ZONE 'UTC')::date + 1
        AND hour >= $2 AND hour < $3
)
SELECT coalesce(ev.hour, vi.hour) AS hour, coalesce(ev.events, 0) AS events, coalesce(ev.detections, 0) AS detections,
       coalesce(ev.est_loss, 0) AS est_loss, coalesce(vi.visitors, 0) AS visitors
FROM ev FULL JOIN vi ON vi.hour = ev.hour
ORDER BY 1`

const storeFirstHourSQL = `
SELECT least((SELECT min(hour) FROM kpi_store_hourly WHERE store_id = $1),
             (SELECT min(hour) FROM kpi_visitors_hourly WHERE store_id = $1
                 AND local_date = (SELECT min(local_date) FROM kpi_visitors_hours WHERE store_id = $1)))`

// StoreHours returns store id's hourly figures in [from, to) and the first
// hour the store has any rolled-up fact (zero when it has none).
func (k *KPIs) StoreHours(ctx context.Context, store int64, from, to time.Time) ([]StoreHour, time.Time, error) {
	var first *time.Time
	if err := k.pool.QueryRow(ctx, storeFirstHourSQL, store).Scan(&first); err != nil {
		return nil, time.Time{}, fmt.Errorf("kpi: first hour of store %d: %w", store, err)
	}
	rows, err := k.pool.Query(ctx, storeHoursSQL, store, from, to)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("kpi: hours of store %d: %w", store, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[StoreHour])
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("kpi: hours of store %d: %w", store, err)
	}
	if first == nil {
		return out, time.Time{}, nil
	}
	return out, *first, nil
}
