package kpi

// groupedEventsSQL reads the event figures summed per group and period by
// PostgreSQL. {{source}} is a rollup table, the zone rows of whole weeks
// and end days (weekSourceSQL), or store rows already summed per store and
// period (storeWeeksSQL); store rows add {{storeFigures}}, zone rows
// {{zoneJoin}}.
var groupedEventsSQL = newTemplate(`SELECT {{key}}, {{current}},
    coalesce(sum(k.events), 0), coalesce(sum(k.est_loss), 0)::float8, coalesce(sum(k.recovered_value), 0)::float8,
    coalesce(sum(k.recovered), 0), coalesce(sum(k.lost), 0), coalesce(sum(k.false_positive), 0), coalesce(sum(k.open), 0),
    coalesce(sum(k.interventions), 0){{storeFigures}}
FROM {{source}} k JOIN store_directory s ON s.id = k.store_id{{zoneJoin}}
WHERE {{where}}
GROUP BY {{groups}}`)

// storeFigures are the figures only store rows hold: visitors, sales and
// the response sketches, concatenated.
const storeFigures = `, sum(k.visitors), sum(k.sales)::float8, string_agg(k.sketch, ''::bytea) FILTER (WHERE k.responded > 0)`

// storeWeeksSQL sums store rows of whole weeks and end days per store and
// period first: the outer grouping then joins one row per store and period
// to stores.
var storeWeeksSQL = newTemplate(`(SELECT store_id, {{current}} AS cur,
    sum(k.events) AS events, sum(k.est_loss) AS est_loss, sum(k.recovered_value) AS recovered_value,
    sum(k.recovered) AS recovered, sum(k.lost) AS lost, sum(k.false_positive) AS false_positive, sum(k.open) AS open,
    sum(k.interventions) AS interventions, sum(k.visitors) AS visitors, sum(k.sales) AS sales, sum(k.responded) AS responded,
    string_agg(k.sketch, ''::bytea) FILTER (WHERE k.responded > 0) AS sketch
    FROM {{rows}} k GROUP BY 1, 2)`)

var groupedBranches = newBranches("grouped_events", "store weeks", "zone weeks", "table", "store rows", "zone rows")

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
	extra, join := "", zoneJoin
	if p.storeLevel {
		st.take(groupedBranches, "store rows")
		extra, join = storeFigures, ""
	} else {
		st.take(groupedBranches, "zone rows")
	}
	sql := groupedEventsSQL.fill(map[string]string{
		"key": selectKeys(p.keys), "current": cur, "storeFigures": extra, "source": source, "zoneJoin": join,
		"where": p.where("k", !p.storeLevel, st), "groups": groupKeys(p.keys),
	})

	var key string
	var current bool
	var f Figures
	var vis *int64
	var sales *float64
	var sk []byte
	dest := []any{&key, &current, &f.Events, &f.EstLoss, &f.RecoveredValue, &f.Recovered, &f.Lost, &f.FalsePositives, &f.Open, &f.Interventions}
	if p.storeLevel {
		dest = append(dest, &vis, &sales, &sk)
	}
	rq.reads = append(rq.reads, st.read(sql, dest, func() error {
		g := rq.r.get(current, key)
		visitors := g.Visitors
		*g = f
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
