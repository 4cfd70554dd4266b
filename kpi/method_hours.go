package kpi

// The zone, category and method figures per hour are kept packed, one row
// of kpi_method_hours per store and local day (migration 00038 describes
// the bytes): the day's categories and methods in labels, its cells — one
// per hour, zone, category and method with events — in cells, as
// variable-length integers. The SQL functions kpi_method_cell and
// kpi_method_cells encode and decode them; the view kpi_method_hourly
// gives readers the rows as before. A dirty hour recomputes its whole
// store-day from the facts.

// methodCellFigures is a cell's figures from the figure columns of rows
// a, in figureColumns' order, as kpi_method_cell takes them.
func methodCellFigures(a string) string {
	return "ARRAY[" + columnList(a+".") + "]::numeric[]"
}

// packMethodHours is the INSERT of kpi_method_hours rows from the cells of
// CTE c (store_id, local_date, minute, zone_id, category, method, figs,
// response), after the CTEs of head ("WITH …, c AS (…)"): each day's
// labels, and its cells ordered and delta-coded as 00038 fills them.
func packMethodHours(head string) string {
	return head + `,
l AS (SELECT store_id, local_date, array_agg(DISTINCT x ORDER BY x) AS labels FROM c, unnest(ARRAY[c.category, c.method]) x GROUP BY 1, 2)
INSERT INTO kpi_method_hours (store_id, local_date, labels, cells)
SELECT store_id, local_date, labels, string_agg(cell, ''::bytea ORDER BY minute, zone_id, category, method)
FROM (
    SELECT c.store_id, c.local_date, l.labels, c.minute, c.zone_id, c.category, c.method,
        kpi_method_cell(c.minute - lag(c.minute, 1, 0) OVER w, c.zone_id - lag(c.zone_id, 1, 0::bigint) OVER w,
            array_position(l.labels, c.category) - 1, array_position(l.labels, c.method) - 1, c.figs, c.response) AS cell
    FROM c JOIN l USING (store_id, local_date)
    WINDOW w AS (PARTITION BY c.store_id, c.local_date ORDER BY c.minute, c.zone_id, c.category, c.method)) p
GROUP BY store_id, local_date, labels`
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
			`c AS MATERIALIZED (SELECT g.store_id, g.local_date, `+minutesOfDay("g.hour", "g.local_date")+`::int AS minute,
        g.zone_id, g.category, g.method, `+methodCellFigures("g")+` AS figs, coalesce(r.response, '{}') AS response
    FROM g LEFT JOIN resp r USING (store_id, zone_id, category, method, hour))`)),
	}
}
