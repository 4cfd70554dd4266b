package kpi

import "time"

// The statements that find how much of both periods the rollups cover
// (coverage.go): the covered days or hours, then whether the scope has data
// before the previous period and after the current one.

// estateDaysSQL: the whole estate, whose figures come from kpi_estate. A day
// is covered when it has an estate row, which it has when any store has a
// store-day row; the same rows the figures are read from.
var estateDaysSQL = newTemplate(`SELECT k.start::timestamp FROM kpi_estate k
WHERE k.kind = 'day' AND k.start BETWEEN {{from}}::date AND {{to}}::date ORDER BY 1`)

// storeDaysSQL: one store's store-day rows of both periods, one range of its key.
var storeDaysSQL = newTemplate(`SELECT k.local_date::timestamp FROM kpi_store_daily k JOIN store_directory s ON s.id = k.store_id
WHERE {{stores}} AND k.local_date BETWEEN {{from}}::date AND {{to}}::date ORDER BY 1`)

// dayProbesSQL: one probe per day, each stopping at its first store-day
// row of the scope: LIMIT keeps the planner from joining every store-day
// row of the periods instead.
var dayProbesSQL = newTemplate(`SELECT d::date::timestamp FROM generate_series({{from}}::date, {{to}}::date, interval '1 day') d,
    LATERAL (SELECT 1 FROM kpi_store_daily k WHERE k.local_date = d::date AND k.store_id IN (SELECT s.id FROM store_directory s WHERE {{stores}}) LIMIT 1) hit
ORDER BY 1`)

// coveredHoursSQL: over instants, the hours with events or entrance footfall.
// The entrance's hours are kept per local day: the days that can hold an
// hour of the range (an instant's local date is within a day of its UTC
// date) bound the rows read.
var coveredHoursSQL = newTemplate(`SELECT k.hour FROM kpi_store_hourly k JOIN store_directory s ON s.id = k.store_id
WHERE {{stores}} AND k.hour >= {{from}} AND k.hour < {{to}}
UNION SELECT v.hour FROM kpi_visitors_hourly v JOIN store_directory s ON s.id = v.store_id
WHERE {{entranceStores}} AND v.zone_id = 0 AND v.local_date BETWEEN {{fromDate}}::date AND {{toDate}}::date
    AND v.hour >= {{entranceFrom}} AND v.hour < {{entranceTo}}
ORDER BY 1`)

// coverageEndsSQL: whether the scope has a day row before the previous
// period and after the current one; each is a storeProbeSQL or, for the
// estate read from kpi_estate, an estateProbeSQL.
var coverageEndsSQL = newTemplate(`SELECT {{before}},
    {{after}}`)

// storeProbeSQL: a store-day row of one of the scope's stores on a date
// that passes {{cmp}}.
var storeProbeSQL = newTemplate(`EXISTS (SELECT 1 FROM store_directory s WHERE {{stores}} AND EXISTS (SELECT 1 FROM kpi_store_daily k WHERE k.store_id = s.id AND k.local_date {{cmp}}::date))`)

// estateProbeSQL: an estate-day row on a date that passes {{cmp}}.
var estateProbeSQL = newTemplate(`EXISTS (SELECT 1 FROM kpi_estate k WHERE k.kind = 'day' AND k.start {{cmp}}::date)`)

var coverageBranches = newBranches("coverage", "estate days", "store days", "day probes", "hours", "store probes", "estate probes")

// coverageReads are the statements that fill c, for the request's batch.
func (p *plan) coverageReads(c *coverage) []*read {
	st := newStmt("coverage")
	from, to := p.prev.From, p.q.To
	lo, hi := from, to // the dates the ends probe beyond
	wholeEstate := p.q.Store == "" && len(p.q.Scope) == 0 && p.q.Region == ""
	estateRows := p.q.Dates && p.estateWide && wholeEstate
	var sql string
	switch {
	case estateRows:
		st.take(coverageBranches, "estate days")
		sql = estateDaysSQL.fill(map[string]string{"from": st.add(from), "to": st.add(to)})
	case p.q.Dates && p.q.Store != "":
		st.take(coverageBranches, "store days")
		stores := p.inScope(st)
		sql = storeDaysSQL.fill(map[string]string{"stores": stores, "from": st.add(from), "to": st.add(to)})
	case p.q.Dates:
		st.take(coverageBranches, "day probes")
		f, t := st.add(from), st.add(to)
		sql = dayProbesSQL.fill(map[string]string{"from": f, "to": t, "stores": p.inScope(st)})
	default:
		st.take(coverageBranches, "hours")
		slots := map[string]string{}
		slots["stores"] = p.inScope(st)
		slots["from"], slots["to"] = st.add(from), st.add(to)
		slots["entranceStores"] = p.inScope(st)
		slots["fromDate"], slots["toDate"] = st.add(utcDate(from).AddDate(0, 0, -1)), st.add(utcDate(to).AddDate(0, 0, 1))
		slots["entranceFrom"], slots["entranceTo"] = st.add(from), st.add(to)
		sql = coveredHoursSQL.fill(slots)
		// A local date two days before an instant's UTC date ends before
		// it in every time zone (offsets reach ±14 h), and one two days
		// after starts after it.
		lo, hi = utcDate(from).AddDate(0, 0, -1), utcDate(to).AddDate(0, 0, 1)
	}
	var seen time.Time
	days := st.read(sql, []any{&seen}, func() error { c.seen = append(c.seen, seen); return nil })

	et := newStmt("coverage")
	probe := func(cmp string) string {
		if estateRows {
			return estateProbeSQL.fill(map[string]string{"cmp": cmp})
		}
		return storeProbeSQL.fill(map[string]string{"stores": p.inScope(et), "cmp": cmp})
	}
	if estateRows {
		et.take(coverageBranches, "estate probes")
	} else {
		et.take(coverageBranches, "store probes")
	}
	before := probe("< " + et.add(lo))
	after := probe("> " + et.add(hi))
	ends := et.read(coverageEndsSQL.fill(map[string]string{"before": before, "after": after}), []any{&c.before, &c.after}, func() error { return nil })
	return []*read{days, ends}
}
