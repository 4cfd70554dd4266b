package kpi

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// The planner: which rollup tables a KPI request reads and the SQL
// fragments its statements are built from. Pure: no database, no clock.
// Every fragment is a constant here; only parameters carry the caller's
// values. The statements themselves are built in reads.go, one builder per
// read shape; kpi/testdata/kpi_reads.sql shows them for a set of requests.

// plan is how one query reads the rollups: the current and the previous
// period in one pass, each row tagged with the period it belongs to. Every
// fragment is a constant of this file; only parameters carry the caller's
// values.
type plan struct {
	q, prev  Query
	hourly   bool // hour-of-week or instants: the hourly tables
	zoneRows bool // zone or category cut: rows per zone, not per store
	zoneVis  bool // visitors are the zones' own counts
	methods  bool // by or for a method: the method tables, zone rows split by method
	weekly   bool // over dates, not by day or week: whole weeks from the weekly tables
	keys     []string
}

func newPlan(q Query) *plan {
	p := &plan{q: q, prev: q.previous()}
	p.hourly = q.By == ByHourOfWeek || !q.Dates
	p.zoneRows = q.By.zoneCut() || q.Zone != "" || q.Category != "" || q.Method != ""
	p.zoneVis = q.By == ByZone || q.Zone != ""
	p.methods = q.By == ByMethod || q.Method != ""
	p.weekly = !p.hourly && q.By != ByDay && q.By != ByWeek
	d, _ := q.By.def()
	p.keys = d.sql
	return p
}

// args collects a statement's parameters.
type args []any

func (a *args) add(v any) string { *a = append(*a, v); return "$" + strconv.Itoa(len(*a)) }

// where builds the filter of a rollup read with alias a (k for events, v for
// visitors) over both periods; withCategory says whether the table has a
// category and a method. Week sources carry their own time filter.
func (p *plan) where(a string, withCategory bool, x *args) string {
	w := p.storeFilter(x)
	if p.q.Zone != "" {
		w = append(w, "z.code = "+x.add(p.q.Zone))
	}
	if withCategory && p.q.Category != "" {
		w = append(w, a+".category = "+x.add(p.q.Category))
	}
	if withCategory && p.q.Method != "" {
		w = append(w, a+".method = "+x.add(p.q.Method))
	}
	switch {
	case p.hourly && !p.q.Dates:
		w = append(w, a+".hour >= "+x.add(p.prev.From), a+".hour < "+x.add(p.q.To))
	case !p.weekly:
		w = append(w, a+".local_date BETWEEN "+x.add(p.prev.From)+"::date AND "+x.add(p.q.To)+"::date")
	}
	if len(w) == 0 {
		return "true"
	}
	return strings.Join(w, " AND ")
}

// storeFilter is the conditions on the store s of the query's scope, store
// and region.
func (p *plan) storeFilter(x *args) []string {
	var w []string
	if len(p.q.Scope) > 0 {
		w = append(w, "s.code = ANY("+x.add(p.q.Scope)+"::text[])")
	}
	if p.q.Store != "" {
		w = append(w, "s.code = "+x.add(p.q.Store))
	}
	if p.q.Region != "" {
		w = append(w, "s.region = "+x.add(p.q.Region))
	}
	return w
}

// current is the SQL truth value of a row of alias a being in the current
// period rather than the previous one.
func (p *plan) current(a string, x *args) string {
	if p.hourly && !p.q.Dates {
		return a + ".hour >= " + x.add(p.q.From)
	}
	return a + ".local_date >= " + x.add(p.q.From) + "::date"
}

// weekSource is the rows of both periods with the given columns: whole
// local weeks from the weekly table (a week row's local_date is its Monday)
// and the days at the periods' ends from the daily one.
func (p *plan) weekSource(daily, weekly, cols string, x *args) string {
	days, weeks := p.splitPeriods()
	// The stores are chosen inside both branches, so that the planner
	// probes their keys instead of scanning every store's rows.
	stores := ""
	if w := p.storeFilter(x); len(w) > 0 {
		stores = " AND store_id IN (SELECT s.id FROM stores s WHERE " + strings.Join(w, " AND ") + ")"
	}
	return "(SELECT store_id, local_date, " + cols + " FROM " + daily + " WHERE local_date = ANY(" + x.add(days) + "::date[])" + stores +
		" UNION ALL SELECT store_id, week, " + cols + " FROM " + weekly + " WHERE week = ANY(" + x.add(weeks) + "::date[])" + stores + ")"
}

// splitPeriods covers both periods with whole weeks and end days.
func (p *plan) splitPeriods() (days, weeks []time.Time) {
	for _, per := range []Query{p.prev, p.q} {
		d, w := splitWeeks(per.From, per.To)
		days, weeks = append(days, d...), append(weeks, w...)
	}
	return days, weeks
}

// splitWeeks covers the dates from..to (inclusive) with the Mondays of the
// whole ISO weeks inside them and the days left over at either end.
func splitWeeks(from, to time.Time) (days, weeks []time.Time) {
	first := from.AddDate(0, 0, (8-int(from.Weekday()))%7) // first Monday on or after from
	for d := from; !d.After(to); {
		if !d.Before(first) && !d.AddDate(0, 0, 6).After(to) && d.Weekday() == time.Monday {
			weeks = append(weeks, d)
			d = d.AddDate(0, 0, 7)
			continue
		}
		days = append(days, d)
		d = d.AddDate(0, 0, 1)
	}
	return days, weeks
}

func (p *plan) keyList(a string, dropCategory bool) []string {
	var out []string
	for _, k := range p.keys {
		if dropCategory && (k == "k.category" || k == "k.method") {
			continue
		}
		out = append(out, strings.ReplaceAll(k, "k.", a+"."))
	}
	return out
}

func selectKeys(keys []string) string {
	if len(keys) == 0 {
		return "''"
	}
	return "concat_ws(E'\\x1f', " + strings.Join(keys, ", ") + ")"
}

// groupBy groups by the keys and the period.
func groupBy(keys []string) string {
	return " GROUP BY " + strings.Join(append(slices.Clone(keys), "2"), ", ")
}

const sumEvents = `coalesce(sum(k.events), 0), coalesce(sum(k.est_loss), 0)::float8, coalesce(sum(k.recovered_value), 0)::float8,
    coalesce(sum(k.recovered), 0), coalesce(sum(k.lost), 0), coalesce(sum(k.false_positive), 0), coalesce(sum(k.open), 0),
    coalesce(sum(k.interventions), 0)`

// storeSums sums store rows per store and period, as the outer query reads them.
const storeSums = `sum(k.events) AS events, sum(k.est_loss) AS est_loss, sum(k.recovered_value) AS recovered_value,
    sum(k.recovered) AS recovered, sum(k.lost) AS lost, sum(k.false_positive) AS false_positive, sum(k.open) AS open,
    sum(k.interventions) AS interventions, sum(k.visitors) AS visitors, sum(k.sales) AS sales, sum(k.responded) AS responded,
    string_agg(k.sketch, ''::bytea) FILTER (WHERE k.responded > 0) AS sketch`

// eventSource is the event rows of both periods from the daily and weekly
// tables: store rows (with visitors, sales and byte sketches) or zone rows.
func (p *plan) eventSource(storeLevel bool, x *args) string {
	if storeLevel {
		return p.weekSource("kpi_store_daily", "kpi_store_weekly", columnList("")+", visitors, sales, sketch", x)
	}
	if p.methods {
		return p.weekSource("kpi_method_daily", "kpi_method_weekly", "zone_id, category, method, "+columnList("")+", response", x)
	}
	return p.weekSource("kpi_daily", "kpi_weekly", "zone_id, category, "+columnList("")+", response", x)
}

// parseKey turns a concatenated key back into its fields.
func (p *plan) parseKey(key string) Key {
	var k Key
	fields := p.q.By.KeyFields()
	if len(fields) == 0 {
		return k
	}
	parts := strings.Split(key, "\x1f")
	for i, f := range fields {
		if i < len(parts) {
			k.set(f, parts[i])
		}
	}
	return k
}
