package kpi

import (
	"fmt"
	"strconv"
	"strings"
)

// cutColumnsChecked are the figures of a store's record in a
// kpi_estate_cuts row that Verify compares, by their int8 position
// (migration 00039): kpi_estate's, but sales, which a cut has none of.
var cutColumnsChecked = func() []struct {
	name string
	pos  int
} {
	var out []struct {
		name string
		pos  int
	}
	for _, c := range estateColumns {
		if c.name != "sales_cents" {
			out = append(out, c)
		}
	}
	return out
}()

// verifyCutsSQL compares the store's records in the estate's cuts
// (rollup_cuts.go) of the chunk with its figures per day or week and key
// recomputed from the facts, reading the chunk's events and footfall once;
// its rows are level, key, figure, rollup and raw as verifySQL's. A key is
// the kind, the cut, the start and the cut's key.
var verifyCutsSQL = func() string {
	// raw figures of events e grouped by a date column and a key: columns
	// d, key (the key's text) and the checked figures but visitors.
	evFigs := []string{"count(*) FILTER (WHERE cls <> 'false')",
		"(coalesce(sum(est_value) FILTER (WHERE cls IN ('lost', 'confirmed', 'open')), 0) * 100)::bigint",
		"(coalesce(sum(coalesce(value_recovered, est_value)) FILTER (WHERE cls = 'recovered'), 0) * 100)::bigint",
		"count(*) FILTER (WHERE cls = 'recovered')", "count(*) FILTER (WHERE cls = 'lost')",
		"count(*) FILTER (WHERE cls = 'false')", "count(*) FILTER (WHERE cls = 'open')",
		"count(*) FILTER (WHERE outcome IN ('nudged_paid', 'blocked_recovered', 'intervened_recovered'))",
		"count(*) FILTER (WHERE cls = 'confirmed')",
		"(coalesce(sum(est_value) FILTER (WHERE cls = 'open'), 0) * 100)::bigint",
		"(coalesce(sum(coalesce(value_recovered, est_value)) FILTER (WHERE outcome = 'paid'), 0) * 100)::bigint"}
	names := []string{"events", "est_loss_cents", "recovered_value_cents", "recovered", "lost", "false_positive", "open",
		"interventions", "confirmed", "open_value_cents", "paid_value_cents"}
	how := func(ts string) string {
		return `((extract(isodow FROM ` + ts + `)::int - 1) * 24 + extract(hour FROM ` + ts + `)::int)::text`
	}
	events := func(kind, cut, date, key string) string {
		return `SELECT '` + kind + ` ` + cut + `' AS kc, ` + date + ` AS d, ` + key + ` AS k, ` + strings.Join(evFigs, ", ") +
			` FROM e GROUP BY 2, 3`
	}
	ev := strings.Join([]string{
		events("day", "category", "d", "category"), events("week", "category", "w", "category"),
		events("day", "method", "d", "method"), events("week", "method", "w", "method"),
		events("day", "hour_of_week", "d", how("wh")),
	}, "\n    UNION ALL ")
	vis := `SELECT 'day hour_of_week' AS kc, d, ` + how("wh") + ` AS k, sum(visitors) AS visitors FROM f WHERE zone_id = 0 GROUP BY 2, 3
    UNION ALL SELECT 'day entrance', d, '', sum(visitors) FROM f WHERE zone_id = 0 GROUP BY 2
    UNION ALL SELECT 'week entrance', w, '', sum(visitors) FROM f WHERE zone_id = 0 GROUP BY 2`
	zero := make([]string, len(names))
	for i, n := range names {
		zero[i] = "coalesce(ev." + n + ", 0) AS " + n
	}
	raw := `SELECT coalesce(ev.d, vi.d) AS d, coalesce(ev.kc, vi.kc) || ' ' || coalesce(ev.d, vi.d) || ' ' || coalesce(ev.k, vi.k) AS key, ` +
		strings.Join(zero, ", ") + `, coalesce(vi.visitors, -1) AS visitors
    FROM (` + ev + `) ev(kc, d, k, ` + strings.Join(names, ", ") + `)
    FULL JOIN (` + vis + `) vi USING (kc, d, k)`
	var rollFigs []string
	figs := append(append([]string{}, names...), "visitors")
	pos := map[string]int{}
	for _, c := range cutColumnsChecked {
		pos[c.name] = c.pos
	}
	pos["visitors"] = 9
	for _, n := range figs {
		rollFigs = append(rollFigs, fmt.Sprintf(`('x' || encode(substring(x.figures FROM x.at + %d FOR 8), 'hex'))::bit(64)::bigint AS %s`, pos[n]*8+1, n))
	}
	rec := fmt.Sprint(estateRecord)
	roll := `SELECT x.start AS d, x.kind || ' ' || x.cut || ' ' || x.start || ' ' || x.key AS key, ` + strings.Join(rollFigs, ", ") + ` FROM (
        SELECT k.kind, k.cut, k.start, k.key, k.figures, i * ` + rec + ` AS at FROM kpi_estate_cuts k
        CROSS JOIN LATERAL generate_series(0, length(k.figures) / ` + rec + ` - 1) i
        WHERE k.start BETWEEN $2::date AND $3::date AND k.part = $1::bigint / ` + strconv.Itoa(cutPart) + `
          AND ('x' || encode(substring(k.figures FROM i * ` + rec + ` + 1 FOR 8), 'hex'))::bit(64)::bigint = $1) x`
	c := compare("kpi_estate_cuts", raw, roll, figs,
		`EXISTS (SELECT 1 FROM pend WHERE pend.d >= {d} AND pend.d < {d} + CASE WHEN key LIKE 'week %' THEN 7 ELSE 1 END)`)
	return verifyPending + verifyEvents + verifyFootfall + ",\nraw (" + c.cols + ") AS (" + c.raw + "),\nroll (" + c.cols + ") AS (" + c.roll + ")\n" +
		strings.NewReplacer("{raw}", "raw", "{roll}", "roll").Replace(c.compare) + "\nORDER BY 1, 2, 3"
}()
