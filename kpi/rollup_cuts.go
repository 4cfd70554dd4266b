package kpi

import (
	"strconv"
	"strings"
)

// cutPart is how many consecutive store ids share a kpi_estate_cuts row
// (migration 00042's part = store_id / 64).
const cutPart = 64

// The estate's cuts (migration 00039): for each cut of the estate-wide
// reads — category, method, hour of week — one row per day (and, for
// category and method, per ISO week) and key (the category, the method,
// the hour of week as text) holding every store's figures of that key in
// kpi_estate's record (estateFigures: sales -1, since a cut has none; the
// visitors of the entrance for an hour of week, -1 elsewhere: the
// category and method cuts share their scope's visitors, kept in the
// rows of cut 'entrance'). Each row holds the stores of one part, store
// ids part·cutPart … part·cutPart + cutPart − 1 (migration 00042), so that a
// refresh rewrites the rows of the parts its stores are in, not every
// store's: a read sums a key's rows over the parts. A store's record keeps
// its own est_loss and open value, so each store's open value is discounted
// by its own basis and rounded once per (key, store, period), as the store
// rows are (read_basis.go). Hour-of-week rows are kept per day only: a
// week of hours holds as many (store, hour of week) records as its days.

// cutSources are the store rows per cut, kind, start and key that the cut
// rows pack, each from the rollup rows k of one table that pass the
// condition on their day ({day}: k.local_date) or week ({week}: k.week):
// events from rows per zone, category and method (kpi_method_daily,
// kpi_method_weekly) for the category and the method cuts, per store and
// local hour (kpi_store_hourly); the entrance's visitors per local hour
// (kpi_visitors_hourly) for the hours of week, and per day and week
// (kpi_visitors_daily, kpi_visitors_weekly) in the rows of cut 'entrance'
// (key ”), which the category and method cuts share.
var cutSources = []struct {
	cut, kind, start, key, table, cond string
	visitors                           bool // entrance visitors, not events
}{
	{"category", "day", "k.local_date", "k.category", "kpi_method_daily", "{day}", false},
	{"category", "week", "k.week", "k.category", "kpi_method_weekly", "{week}", false},
	{"method", "day", "k.local_date", "k.method", "kpi_method_daily", "{day}", false},
	{"method", "week", "k.week", "k.method", "kpi_method_weekly", "{week}", false},
	{"hour_of_week", "day", "k.local_date", "k.how::text", "kpi_store_hourly", "{day}", false},
	{"hour_of_week", "day", "k.local_date", "k.how::text", "kpi_visitors_hourly", "{day}", true},
	{"entrance", "day", "k.local_date", "''", "kpi_visitors_daily", "{day}", true},
	{"entrance", "week", "k.week", "''", "kpi_visitors_weekly", "{week}", true},
}

// cutColumns are the figures a cut's store record holds (estateFigures).
var cutColumns = []string{"events", "est_loss", "recovered_value", "recovered", "lost", "false_positive", "open",
	"interventions", "confirmed", "open_value", "paid_value"}

// cutInsert fills kpi_estate_cuts from the rollup rows of the days and
// weeks that pass dayCond (on k.local_date) and weekCond (on k.week). A
// store's visitors are -1 where it has no entrance rows (a cut of events
// only, or a store that counted no visitors), so that a read tells no
// count from a count of 0 as the store rows' reads do.
func cutInsert(dayCond, weekCond string) string {
	zeros := make([]string, len(cutColumns))
	for i, c := range cutColumns {
		zeros[i] = "0 AS " + c
	}
	var src []string
	for _, s := range cutSources {
		cond := strings.NewReplacer("{day}", dayCond, "{week}", weekCond).Replace(s.cond)
		cols := prefixed("k.", cutColumns) + ", k.response, NULL::bigint AS visitors"
		if s.visitors {
			cols = strings.Join(zeros, ", ") + ", '{}'::bigint[] AS response, k.visitors::bigint"
			cond = "k.zone_id = 0 AND " + cond
		}
		src = append(src, `SELECT '`+s.cut+`' AS cut, '`+s.kind+`' AS kind, `+s.start+` AS start, `+s.key+` AS key, k.store_id, `+
			cols+` FROM `+s.table+` k WHERE `+cond)
	}
	part := strconv.Itoa(cutPart)
	sends := make([]string, len(estateFigures))
	for i, f := range estateFigures {
		sends[i] = "int8send((" + f + ")::bigint)"
	}
	sums := make([]string, len(cutColumns))
	for i, c := range cutColumns {
		sums[i] = "sum(src." + c + ") AS " + c
	}
	cutSums := strings.Join(sums, ", ")
	return `WITH src AS MATERIALIZED (
    ` + strings.Join(src, "\n    UNION ALL ") + `),
g AS (SELECT cut, kind, start, key, store_id, store_id / ` + part + ` AS part, ` + cutSums + `, coalesce(sum(src.visitors), -1) AS visitors
    FROM src GROUP BY 1, 2, 3, 4, 5),
b AS (SELECT cut, kind, start, key, store_id, x >> 32 AS b, sum(x & 4294967295) AS n
    FROM src, unnest(src.response) x GROUP BY 1, 2, 3, 4, 5, 6),
sk AS (SELECT cut, kind, start, key, store_id, string_agg(int2send(b::smallint) || int4send(n::int), ''::bytea ORDER BY b) AS sketch
    FROM b GROUP BY 1, 2, 3, 4, 5),
k AS (SELECT g.*, NULL::numeric AS sales, coalesce(sk.sketch, ''::bytea) AS sketch,
        sum(length(coalesce(sk.sketch, ''::bytea))) OVER (PARTITION BY g.cut, g.kind, g.start, g.key, g.part ORDER BY g.store_id) AS sketch_end
    FROM g LEFT JOIN sk USING (cut, kind, start, key, store_id))
INSERT INTO kpi_estate_cuts (cut, kind, start, key, part, figures, sketches)
SELECT k.cut, k.kind, k.start, k.key, k.part, string_agg(` + strings.Join(sends, " || ") + `, ''::bytea ORDER BY k.store_id),
    string_agg(k.sketch, ''::bytea ORDER BY k.store_id)
FROM k GROUP BY 1, 2, 3, 4, 5`
}

// partStores is the condition that a rollup row k's store is in a part of
// a store of d: its ids listed, so that the store indexes can serve it.
var partStores = `k.store_id = ANY(ARRAY(SELECT generate_series(p * ` + strconv.Itoa(cutPart) + `, p * ` + strconv.Itoa(cutPart) + ` + ` + strconv.Itoa(cutPart-1) + `)
    FROM (SELECT DISTINCT store_id / ` + strconv.Itoa(cutPart) + ` AS p FROM d) parts))`

var (
	// cutBucketStatements recompute the cut rows of the days and weeks of
	// $1 stores' $2 local hours (as in bucketShape), in the parts of those
	// stores, after the rollup rows they pack: the rows of the days and
	// weeks, from the stores of the parts only.
	cutBucketStatements = []string{
		bucketShape.with() + `DELETE FROM kpi_estate_cuts k WHERE ((k.kind = 'day' AND k.start IN (SELECT local_date FROM d))
    OR (k.kind = 'week' AND k.start IN (SELECT week FROM w))) AND k.part = ANY(ARRAY(SELECT DISTINCT store_id / ` + strconv.Itoa(cutPart) + ` FROM d))`,
		// = ANY of an array, not IN: the planner, which cannot tell d holds a
		// few days, hash-joined every row of each table to them (7 s for one
		// store's hour on 200 stores × 120 days, not 0.2 s by the date indexes).
		bucketShape.with(strings.TrimPrefix(cutInsert("k.local_date = ANY(ARRAY(SELECT DISTINCT local_date FROM d)) AND "+partStores,
			"k.week = ANY(ARRAY(SELECT week FROM w)) AND "+partStores), "WITH ")),
	}
	// cutPartStatements recompute the cut rows of part $1, from the rollup
	// rows of its stores (a range of the rollups' leading key).
	cutPartStatements = []string{
		`DELETE FROM kpi_estate_cuts WHERE part = $1::bigint`,
		cutInsert(partRange, partRange),
	}
)

// partRange is the condition that a rollup row k's store is in part $1.
var partRange = `k.store_id BETWEEN $1::bigint * ` + strconv.Itoa(cutPart) + ` AND $1::bigint * ` + strconv.Itoa(cutPart) + ` + ` + strconv.Itoa(cutPart-1)
