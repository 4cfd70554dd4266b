package kpi

import "strings"

// The zone, category and method figures per hour are kept packed, one row
// of kpi_method_hours per store and local day (migration 00038 describes
// the columns): the day's cells — one per hour, zone, category and method
// with events — as one array per column, ordered by (minute, zone,
// category, method). The view kpi_method_hourly unnests them for readers.
// A dirty hour recomputes its whole store-day from the facts. The zone
// rows per day and week are packed the same way (migration 00045): see
// zoneRollup.

// moneyColumns are the figureColumns kept in minor units.
var moneyColumns = map[string]bool{"est_loss": true, "recovered_value": true, "concealed_value": true, "open_value": true, "paid_value": true}

// cellArrays names the array column of a packed table that holds a cell key.
var cellArrays = map[string]string{"minute": "minutes", "zone_id": "zone_ids", "category": "categories", "method": "methods"}

// packCells is the INSERT into the packed table of rows per store and
// date (local_date or week) from the cells c (store_id, date, the cell
// keys, figureColumns and response) after the CTEs of head ("WITH …, c AS
// (…)"): a row's cells ordered by keys, one array per column, money in
// minor units, as migrations 00038 and 00045 fill the packed tables. With
// cents the cells' money is in minor units already (centsCells).
func packCells(head, table, date string, keys []string, cents bool) string {
	order := " ORDER BY " + strings.Join(keys, ", ") + ")"
	cols := make([]string, 0, len(keys))
	aggs := make([]string, 0, len(keys)+len(figureColumns)+1)
	for _, k := range keys {
		cols = append(cols, cellArrays[k])
		aggs = append(aggs, "array_agg("+k+order)
	}
	for _, c := range figureColumns {
		switch {
		case moneyColumns[c] && cents:
			aggs = append(aggs, "array_agg("+c+"::bigint"+order)
		case moneyColumns[c]:
			aggs = append(aggs, "array_agg(kpi_cents("+c+")"+order)
		default:
			aggs = append(aggs, "array_agg("+c+order)
		}
	}
	aggs = append(aggs, "array_agg(response::text"+order)
	return head + `
INSERT INTO ` + table + ` (store_id, ` + date + `, ` + strings.Join(cols, ", ") + `, ` + columnList("") + `, responses)
SELECT store_id, ` + date + `,
    ` + strings.Join(aggs, ",\n    ") + `
FROM c GROUP BY store_id, ` + date
}

// packMethodHours is the INSERT of kpi_method_hours rows from the cells c
// (store_id, local_date, minute, zone_id, category, method, figureColumns
// and response) after the CTEs of head.
func packMethodHours(head string) string {
	return packCells(head, "kpi_method_hours", "local_date", []string{"minute", "zone_id", "category", "method"}, false)
}

// centsCells is the cells of the packed table kpi_method_hours or
// kpi_method_days as rows (store_id, local_date, zone_id, category, method,
// figureColumns with money in minor units, response): what the refresh
// rolls the days and weeks up from, without the views' conversion of every
// amount to currency units and back (at 2,000 stores, every store's latest
// hour: the week's statement 4.4–5.3 s through the view).
func centsCells(table string) string {
	return `(SELECT t.store_id, t.local_date, u.zone_id, u.category, u.method, ` + prefixed("u.", figureColumns) + `, u.responses::bigint[] AS response
    FROM ` + table + ` t CROSS JOIN LATERAL ` + unnestCells(figureColumns, "") + `)`
}

// unnestCells unnests the cells of a packed row t (kpi_method_hours,
// kpi_method_days or kpi_method_weeks) as rows u: zone_id, category,
// method, the figures named (money ones named with moneySuffix) and
// responses, each cell's sketch as text.
func unnestCells(figures []string, moneySuffix string) string {
	arrays := []string{"t.zone_ids", "t.categories", "t.methods"}
	names := []string{"zone_id", "category", "method"}
	for _, f := range figures {
		arrays = append(arrays, "t."+f)
		if moneyColumns[f] {
			f += moneySuffix
		}
		names = append(names, f)
	}
	arrays, names = append(arrays, "t.responses"), append(names, "responses")
	return `unnest(` + strings.Join(arrays, ", ") + `) u(` + strings.Join(names, ", ") + `)`
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
