package kpi

import (
	"strconv"
	"strings"
)

// The rollup statements come in two shapes that run the same aggregation:
//
//   - buckets: $1 store ids and $2 local-hour instants, paired element by
//     element — the dirty buckets of any number of stores, recomputed in one
//     statement each;
//   - store: $1 one store id — every rollup row of that store, for rebuilds.
//
// Each replaces the rows it covers: hourly rows from the facts, then the
// local days those hours fall in from the hourly rows, then the store-days,
// then the store-weeks.

// classify names an event's outcome class (DESIGN.md "KPI definitions").
const classify = `CASE
    WHEN o.outcome IN ('paid', 'nudged_paid', 'blocked_recovered', 'intervened_recovered') THEN 'recovered'
    WHEN o.outcome = 'walked_out' THEN 'lost'
    WHEN o.outcome = 'confirmed' THEN 'confirmed'
    WHEN o.outcome = 'false_positive' THEN 'false'
    ELSE 'open' END`

// responseBucket is the sketch bucket of a response time: log base
// sketchGamma of the seconds, so a bucket's midpoint is within 1% of every
// value in it.
var responseBucket = `CASE WHEN o.responded_at IS NULL THEN NULL
    WHEN extract(epoch FROM o.responded_at - e.occurred_at) < 1 THEN 0
    ELSE least(floor(ln(extract(epoch FROM o.responded_at - e.occurred_at)) / ln(` +
	strconv.FormatFloat(sketchGamma, 'f', -1, 64) + `)), 32767) END::smallint`

// figureColumns are the summed event figures of every rollup table, in
// column order.
var figureColumns = []string{"detections", "events", "est_loss", "recovered_value", "concealed_value", "recovered", "lost",
	"false_positive", "open", "paid", "nudged_paid", "blocked_recovered", "intervened_recovered", "unresolved",
	"interventions", "responded", "confirmed", "open_value", "paid_value"}

// eventFigures computes figureColumns from classified events (ev).
//
// est_loss is the est_value of lost, confirmed and open events: the loss
// if every open event were a concealment. The reads take the open events'
// expected false share out of it (open_value, read_basis.go).
const eventFigures = `count(*),
    count(*) FILTER (WHERE cls <> 'false'),
    coalesce(sum(est_value) FILTER (WHERE cls IN ('lost', 'confirmed', 'open')), 0),
    coalesce(sum(coalesce(value_recovered, est_value)) FILTER (WHERE cls = 'recovered'), 0),
    coalesce(sum(est_value) FILTER (WHERE cls <> 'false'), 0),
    count(*) FILTER (WHERE cls = 'recovered'),
    count(*) FILTER (WHERE cls = 'lost'),
    count(*) FILTER (WHERE cls = 'false'),
    count(*) FILTER (WHERE cls = 'open'),
    count(*) FILTER (WHERE outcome = 'paid'),
    count(*) FILTER (WHERE outcome = 'nudged_paid'),
    count(*) FILTER (WHERE outcome = 'blocked_recovered'),
    count(*) FILTER (WHERE outcome = 'intervened_recovered'),
    count(*) FILTER (WHERE outcome = 'unresolved'),
    count(*) FILTER (WHERE outcome IN ('nudged_paid', 'blocked_recovered', 'intervened_recovered')),
    count(rb),
    count(*) FILTER (WHERE cls = 'confirmed'),
    coalesce(sum(est_value) FILTER (WHERE cls = 'open'), 0),
    coalesce(sum(coalesce(value_recovered, est_value)) FILTER (WHERE outcome = 'paid'), 0)`

func columnList(prefix string) string {
	out := make([]string, len(figureColumns))
	for i, c := range figureColumns {
		out[i] = prefix + c
	}
	return strings.Join(out, ", ")
}

// sums adds up figureColumns of rows aliased a.
func sums(a string) string {
	out := make([]string, len(figureColumns))
	for i, c := range figureColumns {
		out[i] = "sum(" + a + "." + c + ") AS " + c
	}
	return strings.Join(out, ", ")
}

// mergeSketches merges the packed sketches of src's rows per group: a CTE
// body naming the group columns, then response.
func mergeSketches(group string) string {
	return `SELECT ` + group + `, array_agg((b << 32) | n ORDER BY b) AS response FROM (
        SELECT ` + group + `, x >> 32 AS b, sum(x & 4294967295)::bigint AS n FROM src, unnest(src.response) x
        GROUP BY ` + group + `, b) q GROUP BY ` + group
}

// shape is one of the two statement shapes.
type shape struct {
	// events is rows e (an event), h (its local hour) and s (its store)
	// of the local days being recomputed, outcomes joins o, the event's
	// outcome, if any, and eventsWhere keeps the events of those days.
	events, outcomes, eventsWhere string

	// footfallDays is the footfall rows f (store_id, zone_id, with 0 for
	// the entrance, hour, local_date and visitors) of the local days being
	// recomputed.
	footfallDays string
	ctes         []string // the CTEs a daily or weekly statement needs (d: the days, w: the weeks)
	days         string   // rows k of {{table}} on the days to recompute
	weeks        string   // rows k of daily-keyed {{table}} in the weeks to recompute, with their week
	dayKeys      string   // DELETE condition on rows k of a daily table
	weekKeys     string   // DELETE condition on rows k of a weekly table
}

var bucketShape = shape{
	// A day's events lie within 00:00 UTC of the day before and of the
	// day after: no offset is a day or more.
	events: `d JOIN store_directory s ON s.id = d.store_id
    CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.store_id = d.store_id
        AND e.occurred_at >= ` + utcMidnight("d.local_date - 1") + ` AND e.occurred_at < ` + utcMidnight("d.local_date + 2") + ` OFFSET 0) e
    CROSS JOIN LATERAL (SELECT local_hour(e.occurred_at, s.timezone) AS hour) h`,
	eventsWhere: `
    WHERE (h.hour AT TIME ZONE s.timezone)::date = d.local_date`,
	outcomes: `LEFT JOIN LATERAL (
        SELECT o.outcome, o.value_recovered, o.responded_at FROM outcomes o WHERE o.event_id = e.id LIMIT 1) o ON true`,
	footfallDays: `(SELECT d.store_id, coalesce(f.zone_id, 0) AS zone_id, f.hour, d.local_date, f.visitors
    FROM d JOIN store_directory s ON s.id = d.store_id
    CROSS JOIN LATERAL (SELECT f.* FROM footfall f WHERE f.store_id = d.store_id
        AND f.hour >= ` + utcMidnight("d.local_date - 1") + ` AND f.hour < ` + utcMidnight("d.local_date + 2") + ` OFFSET 0) f
    WHERE (f.hour AT TIME ZONE s.timezone)::date = d.local_date) f`,
	ctes: []string{`d AS (SELECT DISTINCT h.store_id, (h.hour AT TIME ZONE s.timezone)::date AS local_date
    FROM unnest($1::bigint[], $2::timestamptz[]) h(store_id, hour) JOIN store_directory s ON s.id = h.store_id)`,
		`w AS (SELECT DISTINCT store_id, date_trunc('week', local_date)::date AS week FROM d)`},
	// LATERAL and OFFSET 0 again: an index probe per day, not a scan of the whole table.
	days: `d CROSS JOIN LATERAL (SELECT * FROM {{table}} k WHERE k.store_id = d.store_id AND k.local_date = d.local_date OFFSET 0) k`,
	weeks: `w CROSS JOIN LATERAL (SELECT k.*, w.week FROM {{table}} k WHERE k.store_id = w.store_id
    AND k.local_date >= w.week AND k.local_date < w.week + 7 OFFSET 0) k`,
	dayKeys:  `(k.store_id, k.local_date) IN (SELECT store_id, local_date FROM d)`,
	weekKeys: `(k.store_id, k.week) IN (SELECT store_id, week FROM w)`,
}

// storeShape leaves the rows before the store's kept_from alone: their
// facts were purged and the rollups are their record (retention.go).
var storeShape = shape{
	// One range scan of the store's events and of its outcomes, hash-joined.
	events: `events e JOIN store_directory s ON s.id = e.store_id AND e.store_id = $1 AND e.occurred_at >= ` + keptFromInstant + `
    CROSS JOIN LATERAL (SELECT local_hour(e.occurred_at, s.timezone) AS hour) h`,
	outcomes: `LEFT JOIN outcomes o ON o.event_id = e.id AND o.store_id = $1`,
	footfallDays: `(SELECT f.store_id, coalesce(f.zone_id, 0) AS zone_id, f.hour, (f.hour AT TIME ZONE s.timezone)::date AS local_date, f.visitors
    FROM footfall f JOIN store_directory s ON s.id = f.store_id AND f.store_id = $1 AND f.hour >= ` + keptFromInstant + `) f`,
	days:     `(SELECT * FROM {{table}} k WHERE k.store_id = $1 AND k.local_date >= ` + keptFromDate + `) k`,
	weeks:    `(SELECT k.*, date_trunc('week', k.local_date)::date AS week FROM {{table}} k WHERE k.store_id = $1 AND k.local_date >= ` + keptFromDate + `) k`,
	dayKeys:  `k.store_id = $1 AND k.local_date >= ` + keptFromDate,
	weekKeys: `k.store_id = $1 AND k.week >= ` + keptFromDate,
}

// utcMidnight is the instant 00:00 UTC of a date, whatever the session's
// time zone.
func utcMidnight(date string) string {
	return `('epoch'::timestamptz + ((` + date + `) - date '1970-01-01') * interval '24 hours')`
}

// minutesOfDay is an hour instant in minutes from 00:00 UTC of its local
// date, as kpi_visitors_hours keeps it (migration 00034): between -1440
// and 2880 in every time zone, exact for any offset.
func minutesOfDay(hour, localDate string) string {
	return `(extract(epoch FROM ` + hour + `)::bigint / 60 - (` + localDate + ` - date '1970-01-01') * 1440)::smallint`
}

// statements returns the rollup statements of a shape, in the order they run.
func (sh shape) statements() []string {
	return []string{
		// The method hours are packed per store-day (method_hours.go):
		// the days of the hours are recomputed whole, then the store hours
		// of those days sum their method rows: the heatmap and the store's
		// hours read one row per hour, not one per zone and category.
		sh.methodHoursStatements()[0],
		sh.methodHoursStatements()[1],
		sh.with() + `DELETE FROM kpi_store_hourly k WHERE ` + sh.dayKeys,
		rollupOf(sh, "kpi_store_hourly", "store_id, hour, local_date, how", sh.from("kpi_method_hourly")),

		// Footfall per hour is kept as a row per store, zone and local day
		// (migration 00034): the days the hours fall in are recomputed whole.
		sh.with() + `DELETE FROM kpi_visitors_hours k WHERE ` + sh.dayKeys,
		sh.with() + `INSERT INTO kpi_visitors_hours (store_id, zone_id, local_date, minutes, visitors)
SELECT f.store_id, f.zone_id, f.local_date, array_agg(` + minutesOfDay("f.hour", "f.local_date") + ` ORDER BY f.hour), array_agg(f.visitors ORDER BY f.hour)
FROM ` + sh.footfallDays + `
GROUP BY 1, 2, 3`,

		// The zone rows per day and week, split by method, are packed per
		// store-day and store-week (migration 00045) and read through the
		// views kpi_method_daily and kpi_method_weekly; a cut not by method
		// sums them.
		sh.with() + `DELETE FROM kpi_method_days k WHERE ` + sh.dayKeys,
		zoneRollup(sh, "kpi_method_days", "local_date", sh.from(centsCells("kpi_method_hours"))),

		sh.with() + `DELETE FROM kpi_visitors_daily k WHERE ` + sh.dayKeys,
		visitorsRollup(sh, "kpi_visitors_daily", "local_date", sh.from("kpi_visitors_hourly")),

		sh.with() + `DELETE FROM kpi_store_daily k WHERE ` + sh.dayKeys,
		sh.with(`src AS MATERIALIZED (SELECT k.* FROM `+sh.from("kpi_method_daily")+`)`,
			`resp AS (`+mergeSketches("store_id, local_date")+`)`,
			`g AS (SELECT store_id, local_date, `+sums("src")+` FROM src GROUP BY 1, 2)`,
			`vis AS (SELECT k.store_id, k.local_date, k.visitors FROM `+sh.from("kpi_visitors_daily")+` WHERE k.zone_id = 0)`,
			`sal AS (SELECT k.store_id, k.local_date, k.amount FROM `+sh.from("(SELECT store_id, day AS local_date, amount FROM sales)")+`)`) +
			`INSERT INTO kpi_store_daily (store_id, local_date, ` + columnList("") + `, visitors, sales, sketch)
SELECT store_id, local_date, ` + coalesced("g") + `, coalesce(vis.visitors, 0), sal.amount, ` + sketchBytes("r.response") + `
FROM g FULL JOIN vis USING (store_id, local_date) FULL JOIN sal USING (store_id, local_date) LEFT JOIN resp r USING (store_id, local_date)`,

		sh.with() + `DELETE FROM kpi_method_weeks k WHERE ` + sh.weekKeys,
		zoneRollup(sh, "kpi_method_weeks", "week", sh.week(centsCells("kpi_method_days"))),

		sh.with() + `DELETE FROM kpi_visitors_weekly k WHERE ` + sh.weekKeys,
		visitorsRollup(sh, "kpi_visitors_weekly", "week", sh.week("kpi_visitors_daily")),

		sh.with() + `DELETE FROM kpi_store_weekly k WHERE ` + sh.weekKeys,
		sh.with(`src AS MATERIALIZED (SELECT k.* FROM `+sh.week("(SELECT store_id, week AS local_date, response FROM kpi_method_weekly)")+`)`,
			`resp AS (`+mergeSketches("store_id, week")+`)`,
			`g AS (SELECT k.store_id, k.week, `+sums("k")+`, sum(k.visitors) AS visitors, sum(k.sales) AS sales
    FROM `+sh.week("kpi_store_daily")+` GROUP BY 1, 2)`) +
			`INSERT INTO kpi_store_weekly (store_id, week, ` + columnList("") + `, visitors, sales, sketch)
SELECT g.*, ` + sketchBytes("r.response") + ` FROM g LEFT JOIN resp r USING (store_id, week)`,
	}
}

// with opens a statement with the shape's CTEs and more: "" when there are
// none, else "WITH …" and a newline.
func (sh shape) with(more ...string) string {
	all := append(append([]string{}, sh.ctes...), more...)
	if len(all) == 0 {
		return ""
	}
	return "WITH " + strings.Join(all, ",\n") + "\n"
}

// zoneRollup fills the packed table (kpi_method_days or kpi_method_weeks:
// a row per store and key, the day or week) with cells per zone, category
// and method, from the rows k of src (centsCells: money in minor units):
// summed figures and merged sketches.
func zoneRollup(sh shape, table, key string, src string) string {
	cells := []string{"zone_id", "category", "method"}
	group := "store_id, " + strings.Join(cells, ", ") + ", " + key
	return packCells(sh.with(`src AS MATERIALIZED (SELECT k.* FROM `+src+`)`, `resp AS (`+mergeSketches(group)+`)`,
		`c AS (SELECT g.*, coalesce(r.response, '{}') AS response FROM (
    SELECT `+group+`, `+sums("src")+` FROM src GROUP BY `+group+`) g
LEFT JOIN resp r USING (`+group+`))`), table, key, cells, true)
}

// rollupOf fills table, keyed by the columns group, from the rows k of src:
// summed figures and merged sketches.
func rollupOf(sh shape, table, group, src string) string {
	return sh.with(`src AS MATERIALIZED (SELECT k.* FROM `+src+`)`, `resp AS (`+mergeSketches(group)+`)`) +
		`INSERT INTO ` + table + ` (` + group + `, ` + columnList("") + `, response)
SELECT g.*, coalesce(r.response, '{}') FROM (
    SELECT ` + group + `, ` + sums("src") + ` FROM src GROUP BY ` + group + `) g
LEFT JOIN resp r USING (` + group + `)`
}

// visitorsRollup fills table, keyed by store, zone and key, from the rows k of src.
func visitorsRollup(sh shape, table, key, src string) string {
	return sh.with() + `INSERT INTO ` + table + ` (store_id, zone_id, ` + key + `, visitors)
SELECT k.store_id, k.zone_id, k.` + key + `, sum(k.visitors) FROM ` + src + `
GROUP BY 1, 2, 3`
}

// from is the rows k of a daily-keyed table on the days being recomputed.
func (sh shape) from(table string) string { return strings.ReplaceAll(sh.days, "{{table}}", table) }

// week is the rows k of a daily-keyed table in the weeks being recomputed,
// with their week.
func (sh shape) week(table string) string { return strings.ReplaceAll(sh.weeks, "{{table}}", table) }

// sketchBytes encodes a packed sketch array as the bytes kpi_store_daily
// and kpi_store_weekly keep: per bucket, ascending, an int2 bucket and an
// int4 count, big-endian (decoded by sketch.addBytes).
func sketchBytes(arr string) string {
	return `(SELECT coalesce(string_agg(int2send((x >> 32)::smallint) || int4send((x & 4294967295)::int), ''::bytea ORDER BY x), ''::bytea)
    FROM unnest(coalesce(` + arr + `, '{}')) x)`
}

// coalesced lists figureColumns of g with nulls as zero.
func coalesced(g string) string {
	out := make([]string, len(figureColumns))
	for i, c := range figureColumns {
		out[i] = "coalesce(" + g + "." + c + ", 0)"
	}
	return strings.Join(out, ", ")
}

var (
	bucketStatements = bucketShape.statements()
	storeStatements  = storeShape.statements()
)

// estateFigures are a store's figures in a kpi_estate row, computed from
// store rows k (money in cents, sales -1 where none were reported), in the
// order estateReader.add decodes them.
var estateFigures = []string{"k.store_id", "k.events", "k.est_loss * 100", "k.recovered_value * 100", "k.recovered", "k.lost",
	"k.false_positive", "k.open", "k.interventions", "k.visitors", "coalesce(k.sales * 100, -1)",
	"k.confirmed", "k.open_value * 100", "k.paid_value * 100", "k.sketch_end"}

// estateInsert fills kpi_estate from the store rows of the days (kpi_store_daily)
// and weeks (kpi_store_weekly) that pass the conditions on k.
func estateInsert(dayCond, weekCond string) string {
	sends := make([]string, len(estateFigures))
	for i, f := range estateFigures {
		sends[i] = "int8send((" + f + ")::bigint)"
	}
	cols := columnList("k.") + ", k.visitors, k.sales, k.sketch"
	return `INSERT INTO kpi_estate (kind, start, figures, sketches)
SELECT k.kind, k.start, string_agg(` + strings.Join(sends, " || ") + `, ''::bytea ORDER BY k.store_id),
    string_agg(k.sketch, ''::bytea ORDER BY k.store_id)
FROM (
    SELECT 'day' AS kind, k.local_date AS start, k.store_id, ` + cols + `,
        sum(length(k.sketch)) OVER (PARTITION BY k.local_date ORDER BY k.store_id) AS sketch_end
    FROM kpi_store_daily k WHERE ` + dayCond + `
    UNION ALL
    SELECT 'week', k.week, k.store_id, ` + cols + `,
        sum(length(k.sketch)) OVER (PARTITION BY k.week ORDER BY k.store_id)
    FROM kpi_store_weekly k WHERE ` + weekCond + `) k
GROUP BY k.kind, k.start`
}

// estateDelete empties the kpi_estate rows of the days and weeks that pass
// the conditions on k.start.
func estateDelete(dayCond, weekCond string) string {
	return `DELETE FROM kpi_estate k WHERE (k.kind = 'day' AND ` + dayCond + `) OR (k.kind = 'week' AND ` + weekCond + `)`
}

var (
	// estateBucketStatements recompute the estate rows of the days and
	// weeks of $1 stores' $2 local hours (as in bucketShape).
	estateBucketStatements = []string{
		bucketShape.with() + estateDelete("k.start IN (SELECT local_date FROM d)", "k.start IN (SELECT week FROM w)"),
		bucketShape.with() + estateInsert(
			"k.local_date IN (SELECT local_date FROM d)", "k.week IN (SELECT week FROM w)"),
	}
	// estateAllStatements recompute every estate row.
	estateAllStatements = []string{
		`DELETE FROM kpi_estate`,
		estateInsert("true", "true"),
	}
)

// rollupLock is the advisory lock that orders rollup writers: a refresh,
// and the estate step of a rebuild, hold it exclusively; rebuilds of single
// stores share it. Recomputing a day that another transaction is also
// recomputing would otherwise read that day's rows without the other's
// changes.
const rollupLock = 7_345_001
