package kpi

import (
	"slices"
	"strings"
)

// The SQL fragments several builders share: the filter of a rollup read,
// the period a row belongs to, the rows of whole weeks, the group key.
// Each is a constant or built of constants and $n placeholders.

// weekSourceSQL is the rows of both periods with the given columns: whole
// local weeks from the weekly table (a week row's local_date is its Monday)
// and the days at the periods' ends from the daily one. The stores are
// chosen inside both branches ({{stores}}: scopeStoresSQL, or empty), so
// that the planner probes their keys instead of scanning every store's rows.
var weekSourceSQL = newTemplate(`(SELECT store_id, local_date, {{columns}} FROM {{daily}} WHERE local_date = ANY({{days}}::date[]){{stores}}
    UNION ALL SELECT store_id, week, {{columns}} FROM {{weekly}} WHERE week = ANY({{weeks}}::date[]){{stores}})`)

// cellSourceSQL is weekSourceSQL read from the packed method rows
// (migration 00045) without their views: the cells of the store-days and
// store-weeks with only the arrays a reader names ({{cells}}: unnestCells),
// money in minor units and sketches as text, which the views'
// conversion of every column would cost several times over.
var cellSourceSQL = newTemplate(`(SELECT t.store_id, t.local_date, u.* FROM kpi_method_days t
    CROSS JOIN LATERAL {{cells}} WHERE t.local_date = ANY({{days}}::date[]){{stores}}
    UNION ALL SELECT t.store_id, t.week, u.* FROM kpi_method_weeks t
    CROSS JOIN LATERAL {{cells}} WHERE t.week = ANY({{weeks}}::date[]){{stores}})`)

// scopeStoresSQL limits a week source to the stores that pass filter.
var scopeStoresSQL = newTemplate(` AND store_id IN (SELECT s.id FROM store_directory s WHERE {{filter}})`)

var (
	whereBranches       = newBranches("where", "zone", "category", "method", "hours", "dates", "weeks", "none")
	storeFilterBranches = newBranches("store filter", "scope", "store", "region")
	currentBranches     = newBranches("current", "hours", "dates")
	weekSourceBranches  = newBranches("week source", "stores", "every store")
	eventSourceBranches = newBranches("event source", "store rows", "method rows")
)

// where is the filter of a rollup read with alias a (k for events, v for
// visitors) over both periods; withCategory says whether the table has a
// category and a method. Week sources carry their own time filter.
func (p *plan) where(a string, withCategory bool, st *stmt) string {
	w := append(p.storeFilter(st), p.cellFilter(a, withCategory, st)...)
	switch {
	case p.hourly && !p.q.Dates:
		st.take(whereBranches, "hours")
		w = append(w, a+".hour >= "+st.add(p.prev.From), a+".hour < "+st.add(p.q.To))
		if a == "k" && p.table == "kpi_method_hourly" {
			// A view of packed store-days (method_hours.go): the days
			// that can hold an hour of the range bound the days unpacked.
			w = append(w, a+".local_date BETWEEN "+st.add(utcDate(p.prev.From).AddDate(0, 0, -1))+"::date AND "+
				st.add(utcDate(p.q.To).AddDate(0, 0, 1))+"::date")
		}
	case !p.weekly:
		st.take(whereBranches, "dates")
		w = append(w, a+".local_date BETWEEN "+st.add(p.prev.From)+"::date AND "+st.add(p.q.To)+"::date")
	default:
		st.take(whereBranches, "weeks")
	}
	if len(w) == 0 {
		st.take(whereBranches, "none")
		return "true"
	}
	return strings.Join(w, " AND ")
}

// cellFilter is the conditions of the query's zone (on the zone z), and,
// withCategory, its category and method (on rows of alias a).
func (p *plan) cellFilter(a string, withCategory bool, st *stmt) []string {
	var w []string
	if p.q.Zone != "" {
		st.take(whereBranches, "zone")
		w = append(w, "z.code = "+st.add(p.q.Zone))
	}
	if withCategory && p.q.Category != "" {
		st.take(whereBranches, "category")
		w = append(w, a+".category = "+st.add(p.q.Category))
	}
	if withCategory && p.q.Method != "" {
		st.take(whereBranches, "method")
		w = append(w, a+".method = "+st.add(p.q.Method))
	}
	return w
}

// storeFilter is the conditions on the store s of the query's scope, store
// and region.
func (p *plan) storeFilter(st *stmt) []string {
	var w []string
	if len(p.q.Scope) > 0 {
		st.take(storeFilterBranches, "scope")
		w = append(w, "s.code = ANY("+st.add(p.q.Scope)+"::text[])")
	}
	if p.q.Store != "" {
		st.take(storeFilterBranches, "store")
		w = append(w, "s.code = "+st.add(p.q.Store))
	}
	if p.q.Region != "" {
		st.take(storeFilterBranches, "region")
		w = append(w, "s.region = "+st.add(p.q.Region))
	}
	return w
}

// everyStore says whether the query reads every store: storeFilter has no
// condition for it.
func (p *plan) everyStore() bool { return len(p.q.Scope) == 0 && p.q.Store == "" && p.q.Region == "" }

// inScope is storeFilter as one condition, true when there is none.
func (p *plan) inScope(st *stmt) string {
	if w := p.storeFilter(st); len(w) > 0 {
		return strings.Join(w, " AND ")
	}
	return "true"
}

// current is the SQL truth value of a row of alias a being in the current
// period rather than the previous one.
func (p *plan) current(a string, st *stmt) string {
	if p.hourly && !p.q.Dates {
		st.take(currentBranches, "hours")
		return a + ".hour >= " + st.add(p.q.From)
	}
	st.take(currentBranches, "dates")
	return a + ".local_date >= " + st.add(p.q.From) + "::date"
}

// weekSource is the rows of both periods of the daily and weekly tables,
// with the given columns (weekSourceSQL).
func (p *plan) weekSource(daily, weekly, columns string, st *stmt) string {
	return p.weekSourceOf(daily, weekly, columns, p.storeFilter(st), st)
}

// weekSourceOf is weekSource for the stores that pass the conditions w
// (every store when there are none).
func (p *plan) weekSourceOf(daily, weekly, columns string, w []string, st *stmt) string {
	args := p.weekSourceArgs(w, st)
	args["columns"], args["daily"], args["weekly"] = columns, daily, weekly
	return weekSourceSQL.fill(args)
}

// weekSourceArgs are the fields a week source's template shares: the
// condition on the stores that pass w ({{stores}}: scopeStoresSQL, or
// empty for every store) and the end days and whole weeks of both periods.
func (p *plan) weekSourceArgs(w []string, st *stmt) map[string]string {
	stores := ""
	if len(w) > 0 {
		st.take(weekSourceBranches, "stores")
		stores = scopeStoresSQL.fill(map[string]string{"filter": strings.Join(w, " AND ")})
	} else {
		st.take(weekSourceBranches, "every store")
	}
	days, weeks := p.splitPeriods()
	return map[string]string{"stores": stores, "days": st.add(days), "weeks": st.add(weeks)}
}

// cellSource is the cells of both periods' packed method rows (cellSourceSQL)
// with columns zone_id, category, method, the figures named, money ones
// in minor units as <figure>_cents, and responses, a sketch as text.
func (p *plan) cellSource(figures []string, st *stmt) string {
	args := p.weekSourceArgs(p.storeFilter(st), st)
	args["cells"] = unnestCells(figures, "_cents")
	return cellSourceSQL.fill(args)
}

// eventSource is the event rows of both periods from the daily and weekly
// tables: store rows (with visitors, sales and byte sketches) or zone rows,
// which are split by method (migration 00045): a cut not by method sums
// them.
func (p *plan) eventSource(st *stmt) string {
	if p.storeLevel {
		st.take(eventSourceBranches, "store rows")
		return p.weekSource("kpi_store_daily", "kpi_store_weekly", columnList("")+", visitors, sales, sketch", st)
	}
	st.take(eventSourceBranches, "method rows")
	return p.weekSource("kpi_method_daily", "kpi_method_weekly", "zone_id, category, method, "+columnList("")+", response", st)
}

// keyList is the grouping's key expressions over rows of alias a, without
// category and method with dropCategory (tables that have neither).
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

// selectKeys is the group key of a row: its key expressions joined by the
// unit separator, as parseKey splits them.
func selectKeys(keys []string) string {
	if len(keys) == 0 {
		return "''"
	}
	return "concat_ws(E'\\x1f', " + strings.Join(keys, ", ") + ")"
}

// groupKeys groups by the keys and the period (the second column).
func groupKeys(keys []string) string {
	return strings.Join(append(slices.Clone(keys), "2"), ", ")
}

// zoneJoin names the zone z of each zone row k.
const zoneJoin = ` JOIN zone_directory z ON z.id = k.zone_id`
