package kpi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// periodResult holds one period's figures by group key.
type periodResult struct {
	order   []string
	keys    map[string]Key
	figures map[string]*Figures
}

// plan is how one query reads the rollups: the current and the previous
// period in one pass, each row tagged with the period it belongs to. Every
// fragment is a constant of this file; only parameters carry the caller's
// values.
type plan struct {
	q, prev  Query
	hourly   bool // hour-of-week or instants: the hourly tables
	zoneRows bool // zone or category cut: rows per zone, not per store
	zoneVis  bool // visitors are the zones' own counts
	weekly   bool // over dates, not by day or week: whole weeks from the weekly tables
	keys     []string
}

func newPlan(q Query) *plan {
	p := &plan{q: q, prev: q.previous()}
	p.hourly = q.By == "hour_of_week" || !q.Dates
	p.zoneRows = q.By == "zone" || q.By == "category" || q.By == "method" || q.Zone != "" || q.Category != "" || q.Method != ""
	p.zoneVis = q.By == "zone" || q.Zone != ""
	p.weekly = !p.hourly && q.By != "day" && q.By != "week"
	switch q.By {
	case "region":
		p.keys = []string{"s.region"}
	case "store":
		p.keys = []string{"s.code"}
	case "zone":
		p.keys = []string{"s.code", "z.code"}
	case "category":
		p.keys = []string{"k.category"}
	case "method":
		p.keys = []string{"k.method"}
	case "day":
		p.keys = []string{"k.local_date::text"}
	case "week":
		p.keys = []string{"date_trunc('week', k.local_date)::date::text"}
	case "hour_of_week":
		p.keys = []string{"k.how::text"}
	}
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

// results are the figures of the two periods being read, and their
// response-time sketches by period (previous, current) and key.
type results struct {
	p         *plan
	cur, prev *periodResult
	sketches  [2]map[string]*sketch
}

// sketch is the sketch of a group, made empty on first use.
func (r *results) sketch(current bool, key string) *sketch {
	m := r.sketches[b2i(current)]
	s, ok := m[key]
	if !ok {
		s = &sketch{}
		m[key] = s
	}
	return s
}

func (r *results) of(current bool) *periodResult {
	if current {
		return r.cur
	}
	return r.prev
}

func (r *results) get(current bool, key string) *Figures {
	res := r.of(current)
	f, ok := res.figures[key]
	if !ok {
		f = &Figures{}
		res.figures[key] = f
		res.keys[key] = r.p.parseKey(key)
		res.order = append(res.order, key)
	}
	return f
}

// read is one statement of a KPI request and what to do with each row.
type read struct {
	sql  string
	args args
	dest []any
	row  func() error
}

// periods computes the query's figures and its previous period's, and reads
// the live targets, sending every statement in one round trip.
func (k *KPIs) periods(ctx context.Context, q Query) (cur, prev *periodResult, live []Target, cov *coverage, err error) {
	p := newPlan(q)
	r := &results{p: p,
		cur:      &periodResult{keys: map[string]Key{}, figures: map[string]*Figures{}},
		prev:     &periodResult{keys: map[string]Key{}, figures: map[string]*Figures{}},
		sketches: [2]map[string]*sketch{{}, {}}}
	var estate estateReader

	table, zoneJoin := "kpi_store_daily", ""
	switch {
	case p.hourly:
		table = "kpi_hourly"
	case p.zoneRows:
		table = "kpi_daily"
	}
	if p.zoneRows || p.hourly {
		zoneJoin = " JOIN zones z ON z.id = k.zone_id"
	}
	storeLevel := table == "kpi_store_daily"
	keys := p.keyList("k", false)
	var key string
	var current bool
	var reads []*read
	cents := [2]map[string]money{{}, {}} // est_loss and recovered_value summed per store-zone group

	// Events, with visitors where the store rows hold them.
	storeZones := p.weekly && p.zoneRows && q.Store != ""
	byZoneID := storeZones && q.By == "zone" && q.Zone == "" && q.Category == ""
	zoneKeys := map[string]string{} // zone id → group key
	if byZoneID {
		var x args
		var id, code string
		reads = append(reads, &read{
			sql:  "SELECT z.id::text, z.code FROM zones z JOIN stores s ON s.id = z.store_id WHERE " + strings.Join(p.storeFilter(&x), " AND "),
			args: x, dest: []any{&id, &code},
			row: func() error { zoneKeys[id] = q.Store + "\x1f" + code; return nil },
		})
	}
	switch {
	case p.estateWide():
		reads = append(reads, estate.reads(p)...)
	case storeZones:
		// One store's zone rows — some hundreds — are summed here, sketches
		// and all, in one pass instead of an aggregate and a second scan.
		// By zone, rows carry their zone id, named from the store's zones,
		// instead of joining each row to stores and zones.
		var x args
		source := p.eventSource(false, &x)
		cur := p.current("k", &x)
		sel, from, where := "k.zone_id::text", " k", ""
		if !byZoneID {
			sel, from, where = selectKeys(keys), " k JOIN stores s ON s.id = k.store_id"+zoneJoin, " WHERE "+p.where("k", true, &x)
		}
		var f Figures
		var loss, value int64
		var packed pgtype.DriverBytes
		reads = append(reads, &read{
			sql: "SELECT " + sel + ", " + cur + `, k.events, (k.est_loss * 100)::bigint, (k.recovered_value * 100)::bigint,
    k.recovered, k.lost, k.false_positive, k.open, k.interventions, array_send(k.response) FROM ` + source + from + where,
			args: x, dest: []any{&key, &current, &f.Events, &loss, &value, &f.Recovered, &f.Lost, &f.FalsePositives, &f.Open, &f.Interventions, &packed},
			row: func() error {
				if byZoneID {
					k, ok := zoneKeys[key]
					if !ok {
						return fmt.Errorf("rollup row of unknown zone %s", key)
					}
					key = k
				}
				g := r.get(current, key)
				g.Events += f.Events
				g.Recovered += f.Recovered
				g.Lost += f.Lost
				g.FalsePositives += f.FalsePositives
				g.Open += f.Open
				g.Interventions += f.Interventions
				cents[b2i(current)][key] = cents[b2i(current)][key].add(loss, value)
				return r.sketch(current, key).addArray(packed)
			},
		})
	default:
		var x args
		source := table
		var cur string
		switch {
		case storeLevel && p.weekly:
			// Summed per store and period first: the outer grouping then
			// joins one row per store and period to stores.
			cur = p.current("k", &x)
			source = "(SELECT store_id, " + cur + " AS cur, " + storeSums + " FROM " + p.eventSource(true, &x) + " k GROUP BY 1, 2)"
			cur = "k.cur"
		case p.weekly:
			source = p.eventSource(false, &x)
			cur = p.current("k", &x)
		default:
			cur = p.current("k", &x)
		}
		extra := ""
		if storeLevel {
			// The store rows' sketches come along, concatenated.
			extra = ", sum(k.visitors), sum(k.sales)::float8, string_agg(k.sketch, ''::bytea) FILTER (WHERE k.responded > 0)"
		}
		var f Figures
		var vis *int64
		var sales *float64
		var sk []byte
		dest := []any{&key, &current, &f.Events, &f.EstLoss, &f.RecoveredValue, &f.Recovered, &f.Lost, &f.FalsePositives, &f.Open, &f.Interventions}
		if storeLevel {
			dest = append(dest, &vis, &sales, &sk)
		}
		reads = append(reads, &read{
			sql: "SELECT " + selectKeys(keys) + ", " + cur + ", " + sumEvents + extra + " FROM " + source + " k JOIN stores s ON s.id = k.store_id" +
				zoneJoin + " WHERE " + p.where("k", !storeLevel, &x) + groupBy(keys),
			args: x, dest: dest,
			row: func() error {
				g := r.get(current, key)
				visitors := g.Visitors
				*g = f
				g.Visitors = visitors
				if storeLevel && vis != nil {
					v := *vis
					g.Visitors = &v
				}
				if storeLevel && sales != nil {
					a := *sales
					g.Sales = &a
				}
				if len(sk) > 0 {
					return r.sketch(current, key).addBytes(sk)
				}
				return nil
			},
		})
	}

	// Visitors, unless the store rows already gave them. A category row
	// gets its scope's visitors: a category has no door of its own.
	if !storeLevel {
		var x args
		vt := "kpi_visitors_daily"
		if p.hourly {
			vt = "kpi_visitors_hourly"
		}
		join, cond := "", " AND v.zone_id = 0"
		if p.zoneVis {
			join, cond = " JOIN zones z ON z.id = v.zone_id", ""
		}
		if p.weekly {
			vt = p.weekSource("kpi_visitors_daily", "kpi_visitors_weekly", "zone_id, visitors", &x)
		}
		vkeys := p.keyList("v", true)
		cur := p.current("v", &x)
		sql := "SELECT v.zone_id::text, " + cur + ", sum(v.visitors) FROM " + vt + " v GROUP BY 1, 2"
		if !byZoneID {
			sql = "SELECT " + selectKeys(vkeys) + ", " + cur + ", sum(v.visitors) FROM " + vt + " v JOIN stores s ON s.id = v.store_id" + join +
				" WHERE " + p.where("v", false, &x) + cond + groupBy(vkeys)
		}
		var n int64
		reads = append(reads, &read{
			sql: sql, args: x, dest: []any{&key, &current, &n},
			row: func() error {
				if byZoneID {
					k, ok := zoneKeys[key]
					if !ok {
						return nil // the entrance, zone 0
					}
					key = k
				}
				if q.By == "category" || q.By == "method" {
					// Every category or method row shares the scope's
					// visitors; a scope without events has no rows to give them to.
					for _, f := range r.of(current).figures {
						v := n
						f.Visitors = &v
					}
					return nil
				}
				v := n
				r.get(current, key).Visitors = &v
				return nil
			},
		})
	}

	// Response-time sketches of zone and hour rows, merged here.
	if !storeLevel && !storeZones {
		var x args
		source := table
		if p.weekly {
			source = p.eventSource(false, &x)
		}
		cur := p.current("k", &x)
		var packed []int64
		reads = append(reads, &read{
			sql: "SELECT " + selectKeys(keys) + ", " + cur + ", k.response FROM " + source + " k JOIN stores s ON s.id = k.store_id" + zoneJoin +
				" WHERE " + p.where("k", true, &x) + " AND k.responded > 0",
			args: x, dest: []any{&key, &current, &packed},
			row: func() error {
				r.sketch(current, key).addPacked(packed)
				return nil
			},
		})
	}

	cov = &coverage{}
	reads = append(reads, p.coverageReads(cov)...)

	var t Target
	reads = append(reads, &read{sql: targetsQuery, args: args{false, []string(nil)}, dest: t.fields(),
		row: func() error { live = append(live, t); return nil }})
	b := &pgx.Batch{}
	for _, rd := range reads {
		b.Queue(rd.sql, rd.args...)
	}
	br := k.pool.SendBatch(ctx, b)
	for _, rd := range reads {
		rows, err := br.Query()
		if err == nil {
			_, err = pgx.ForEachRow(rows, rd.dest, rd.row)
		}
		if err != nil {
			br.Close()
			return nil, nil, nil, nil, fmt.Errorf("kpi: read rollups: %w", err)
		}
	}
	if err := br.Close(); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("kpi: read rollups: %w", err)
	}

	if p.estateWide() {
		estate.finish(r)
	}
	for i := range cents {
		for key, c := range cents[i] {
			f := r.get(i == 1, key)
			f.EstLoss, f.RecoveredValue = float64(c.estLoss)/100, float64(c.recovered)/100
		}
	}
	for i, res := range []*periodResult{r.prev, r.cur} {
		for key, s := range r.sketches[i] {
			f := r.get(i == 1, key)
			f.ResponseP50, f.ResponseP90 = s.quantile(0.5), s.quantile(0.9)
		}
		for _, f := range res.figures {
			f.derive()
		}
		if q.By == "zone" {
			hotspots(res)
		}
	}
	return r.cur, r.prev, live, cov, nil
}

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
	return p.weekSource("kpi_daily", "kpi_weekly", "zone_id, category, method, "+columnList("")+", response", x)
}

// money is est_loss and recovered_value in cents.
type money struct{ estLoss, recovered int64 }

func (m money) add(loss, value int64) money { return money{m.estLoss + loss, m.recovered + value} }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseKey turns a concatenated key back into its fields.
func (p *plan) parseKey(key string) Key {
	var k Key
	if len(p.keys) == 0 {
		return k
	}
	parts := strings.Split(key, "\x1f")
	get := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	switch p.q.By {
	case "region":
		k.Region = get(0)
	case "store":
		k.Store = get(0)
	case "zone":
		k.Store, k.Zone = get(0), get(1)
	case "category":
		k.Category = get(0)
	case "method":
		k.Method = get(0)
	case "day":
		k.Day = get(0)
	case "week":
		k.Week = get(0)
	case "hour_of_week":
		h, _ := strconv.Atoi(get(0))
		k.HourOfWeek = &h
	}
	return k
}
