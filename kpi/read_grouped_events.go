package kpi

// groupedEventsSQL reads the event figures summed per group and period by
// PostgreSQL. {{source}} is a rollup table, the zone rows of whole weeks
// and end days (weekSourceSQL), or store rows already summed per store and
// period (storeWeeksSQL); store rows add {{storeFigures}} and
// {{storeTotals}}, zone rows {{zoneJoin}}. The rows are summed per group,
// period and store first (g), so that each store's open value is
// discounted by its own false share ({{basis}}, read_basis.go) and
// rounded to the cent once, then per group and period.
var groupedEventsSQL = newTemplate(`WITH {{basis}}
SELECT g.key, g.cur, coalesce(sum(g.events), 0), coalesce(sum(` + expectedCentsSQL + `), 0)::bigint,
    coalesce(sum(g.recovered_value), 0)::float8, coalesce(sum(g.paid_value), 0)::float8,
    coalesce(sum(g.recovered), 0), coalesce(sum(g.lost), 0), coalesce(sum(g.confirmed), 0), coalesce(sum(g.false_positive), 0),
    coalesce(sum(g.open), 0), coalesce(sum(g.interventions), 0),
    min(b.level) FILTER (WHERE g.open_value > 0), max(b.level) FILTER (WHERE g.open_value > 0),
    min(b.fp::float8 / b.rev) FILTER (WHERE g.open_value > 0 AND b.rev > 0),
    max(b.fp::float8 / b.rev) FILTER (WHERE g.open_value > 0 AND b.rev > 0){{storeTotals}}
FROM (SELECT {{key}} AS key, {{current}} AS cur, k.store_id,
        sum(k.events) AS events, sum(k.est_loss) AS est_loss, sum(k.open_value) AS open_value,
        sum(k.recovered_value) AS recovered_value, sum(k.paid_value) AS paid_value,
        sum(k.recovered) AS recovered, sum(k.lost) AS lost, sum(k.confirmed) AS confirmed,
        sum(k.false_positive) AS false_positive, sum(k.open) AS open, sum(k.interventions) AS interventions{{storeFigures}}
    FROM {{source}} k JOIN store_directory s ON s.id = k.store_id{{zoneJoin}}
    WHERE {{where}}
    GROUP BY {{groups}}, k.store_id) g
LEFT JOIN basis b ON b.store_id = g.store_id AND b.cur = g.cur
GROUP BY 1, 2`)

// storeFigures are the figures only store rows hold, per group, period
// and store: visitors, sales and the response sketches, concatenated;
// storeTotals sums them per group and period.
const (
	storeFigures = `,
        sum(k.visitors) AS visitors, sum(k.sales) AS sales, string_agg(k.sketch, ''::bytea) FILTER (WHERE k.responded > 0) AS sketch`
	storeTotals = `, sum(g.visitors), sum(g.sales)::float8, string_agg(g.sketch, ''::bytea)`
)

// storeWeeksSQL sums store rows of whole weeks and end days per store and
// period first: the outer grouping then joins one row per store and period
// to stores.
var storeWeeksSQL = newTemplate(`(SELECT store_id, {{current}} AS cur,
    sum(k.events) AS events, sum(k.est_loss) AS est_loss, sum(k.open_value) AS open_value,
    sum(k.recovered_value) AS recovered_value, sum(k.paid_value) AS paid_value,
    sum(k.recovered) AS recovered, sum(k.lost) AS lost, sum(k.confirmed) AS confirmed, sum(k.false_positive) AS false_positive,
    sum(k.open) AS open, sum(k.interventions) AS interventions, sum(k.visitors) AS visitors, sum(k.sales) AS sales,
    sum(k.responded) AS responded, string_agg(k.sketch, ''::bytea) FILTER (WHERE k.responded > 0) AS sketch
    FROM {{rows}} k GROUP BY 1, 2)`)

var groupedBranches = newBranches("grouped_events", "store weeks", "zone weeks", "table", "store rows", "store hours", "zone rows")

// groupedEvents reads the event figures summed per group and period, with
// visitors, sales and sketches where store rows hold them.
func (rq *request) groupedEvents() {
	p := rq.p
	st := newStmt("grouped_events")
	var source, cur string
	switch {
	case p.storeLevel && p.weekly:
		st.take(groupedBranches, "store weeks")
		inner := p.current("k", st)
		source = storeWeeksSQL.fill(map[string]string{"current": inner, "rows": p.eventSource(st)})
		cur = "k.cur"
	case p.weekly:
		st.take(groupedBranches, "zone weeks")
		source = p.eventSource(st)
		cur = p.current("k", st)
	default:
		st.take(groupedBranches, "table")
		source = p.table
		cur = p.current("k", st)
	}
	extra, totals, join := "", "", zoneJoin
	if p.storeLevel {
		st.take(groupedBranches, "store rows")
		extra, totals, join = storeFigures, storeTotals, ""
	} else if p.storeHours {
		st.take(groupedBranches, "store hours")
		join = ""
	} else {
		st.take(groupedBranches, "zone rows")
	}
	sql := groupedEventsSQL.fill(map[string]string{
		"key": selectKeys(p.keys), "current": cur, "storeFigures": extra, "storeTotals": totals, "source": source, "zoneJoin": join,
		"where": p.where("k", p.zoneRows, st), "groups": groupKeys(p.keys), "basis": p.basisCTEs(st),
	})

	var key string
	var current bool
	var f Figures
	var vis *int64
	var sales *float64
	var sk []byte
	var lossCents int64
	var label basisLabel
	dest := []any{&key, &current, &f.Events, &lossCents, &f.RecoveredValue, &f.PaidUnprompted, &f.Recovered, &f.Lost, &f.Confirmed,
		&f.FalsePositives, &f.Open, &f.Interventions, &label.lo, &label.hi, &label.loF, &label.hiF}
	if p.storeLevel {
		dest = append(dest, &vis, &sales, &sk)
	}
	rq.reads = append(rq.reads, st.read(sql, dest, func() error {
		g := rq.r.get(current, key)
		visitors := g.Visitors
		*g = f
		g.EstLoss = fromCents(lossCents)
		label.set(g)
		g.Visitors = visitors
		if p.storeLevel && vis != nil {
			v := *vis
			g.Visitors = &v
		}
		if p.storeLevel && sales != nil {
			a := *sales
			g.Sales = &a
		}
		if len(sk) > 0 {
			return rq.r.sketch(current, key).addBytes(sk)
		}
		return nil
	}))
}
