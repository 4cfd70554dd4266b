package kpi

import "strings"

// The zone, category and method figures per hour are kept packed, one row
// of kpi_method_hours per store and local day (migration 00038 describes
// the columns): the day's cells — one per hour, zone, category and method
// with events — as one array per column, ordered by (minute, zone,
// category, method). The view kpi_method_hourly unnests them for readers.
// A dirty hour recomputes its whole store-day from the facts.

// moneyColumns are the figureColumns kept in minor units.
var moneyColumns = map[string]bool{"est_loss": true, "recovered_value": true, "concealed_value": true, "open_value": true, "paid_value": true}

// packMethodHours is the INSERT of kpi_method_hours rows from the cells c
// (store_id, local_date, minute, zone_id, category, method, figureColumns
// and response) after the CTEs of head ("WITH …, c AS (…)"), as 00038
// fills the table.
func packMethodHours(head string) string {
	const order = " ORDER BY minute, zone_id, category, method)"
	aggs := []string{"array_agg(minute" + order, "array_agg(zone_id" + order, "array_agg(category" + order, "array_agg(method" + order}
	for _, c := range figureColumns {
		if moneyColumns[c] {
			aggs = append(aggs, "array_agg(kpi_cents("+c+")"+order)
		} else {
			aggs = append(aggs, "array_agg("+c+order)
		}
	}
	aggs = append(aggs, "array_agg(response::text"+order)
	return head + `
INSERT INTO kpi_method_hours (store_id, local_date, minutes, zone_ids, categories, methods, ` + columnList("") + `, responses)
SELECT store_id, local_date,
    ` + strings.Join(aggs, ",\n    ") + `
FROM c GROUP BY store_id, local_date`
}

// methodHoursStatements recompute the kpi_method_hours rows of the shape's
// days from the facts: a store-day is packed whole, so every hour of a day
// with a dirty hour is recomputed.
func (sh shape) methodHoursStatements() []string {
	return []string{
		sh.with() + `DELETE FROM kpi_method_hours k WHERE ` + sh.dayKeys,
		packMethodHours(sh.with(`ev AS MATERIALIZED (
    SELECT e.store_id, e.zone_id, e.category, e.method, h.hour, (h.hour AT TIME ZONE s.timezone)::date AS local_date,
        e.est_value, o.outcome, o.value_recovered, `+responseBucket+` AS rb, `+classify+` AS cls
    FROM `+sh.events+`
    `+sh.outcomes+sh.eventsWhere+`)`,
			`src AS (SELECT store_id, zone_id, category, method, hour, rb, count(*) AS n FROM ev WHERE rb IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6)`,
			`resp AS (SELECT store_id, zone_id, category, method, hour, array_agg((rb::bigint << 32) | n ORDER BY rb) AS response
    FROM src GROUP BY 1, 2, 3, 4, 5)`,
			`g (store_id, zone_id, category, method, hour, local_date, `+columnList("")+`) AS (
    SELECT store_id, zone_id, category, method, hour, local_date, `+eventFigures+`
    FROM ev GROUP BY store_id, zone_id, category, method, hour, local_date)`,
			`c AS (SELECT g.*, `+minutesOfDay("g.hour", "g.local_date")+` AS minute, coalesce(r.response, '{}') AS response
    FROM g LEFT JOIN resp r USING (store_id, zone_id, category, method, hour))`)),
	}
}
