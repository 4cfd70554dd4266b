package kpi

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// periodResult holds one period's figures by group key.
type periodResult struct {
	order   []string
	keys    map[string]Key
	figures map[string]*Figures
}

// plan is how one query reads the rollups. Every fragment is a constant of
// this file; only parameters carry the caller's values.
type plan struct {
	q        Query
	hourly   bool // hour-of-week or instants: the hourly tables
	zoneRows bool // zone or category cut: rows per zone, not per store
	zoneVis  bool // visitors are the zones' own counts
	keys     []string
}

func newPlan(q Query) *plan {
	p := &plan{q: q}
	p.hourly = q.By == "hour_of_week" || !q.Dates
	p.zoneRows = q.By == "zone" || q.By == "category" || q.Zone != "" || q.Category != ""
	p.zoneVis = q.By == "zone" || q.Zone != ""
	switch q.By {
	case "region":
		p.keys = []string{"s.region"}
	case "store":
		p.keys = []string{"s.code"}
	case "zone":
		p.keys = []string{"s.code", "z.code"}
	case "category":
		p.keys = []string{"k.category"}
	case "day":
		p.keys = []string{"k.local_date::text"}
	case "week":
		p.keys = []string{"date_trunc('week', k.local_date)::date::text"}
	case "hour_of_week":
		p.keys = []string{"k.how::text"}
	}
	return p
}

// where builds the filter of a rollup read with alias a (k for events and
// response, v for visitors); withCategory says whether the table has one.
func (p *plan) where(a string, withCategory bool, args *[]any) string {
	add := func(v any) string { *args = append(*args, v); return "$" + strconv.Itoa(len(*args)) }
	var w []string
	if len(p.q.Scope) > 0 {
		w = append(w, "s.code = ANY("+add(p.q.Scope)+"::text[])")
	}
	if p.q.Store != "" {
		w = append(w, "s.code = "+add(p.q.Store))
	}
	if p.q.Region != "" {
		w = append(w, "s.region = "+add(p.q.Region))
	}
	if p.q.Zone != "" {
		w = append(w, "z.code = "+add(p.q.Zone))
	}
	if withCategory && p.q.Category != "" {
		w = append(w, a+".category = "+add(p.q.Category))
	}
	if p.hourly {
		w = append(w, a+".hour >= "+add(p.q.From), a+".hour < "+add(p.q.To))
	} else {
		w = append(w, a+".local_date BETWEEN "+add(p.q.From)+"::date AND "+add(p.q.To)+"::date")
	}
	return strings.Join(w, " AND ")
}

func (p *plan) keyList(a string, dropCategory bool) []string {
	var out []string
	for _, k := range p.keys {
		if dropCategory && k == "k.category" {
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

func groupBy(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return " GROUP BY " + strings.Join(keys, ", ")
}

const sumEvents = `coalesce(sum(k.events), 0), coalesce(sum(k.est_loss), 0)::float8, coalesce(sum(k.recovered_value), 0)::float8,
    coalesce(sum(k.recovered), 0), coalesce(sum(k.lost), 0), coalesce(sum(k.false_positive), 0), coalesce(sum(k.open), 0),
    coalesce(sum(k.interventions), 0)`

func (k *KPIs) period(ctx context.Context, q Query) (*periodResult, error) {
	p := newPlan(q)
	res := &periodResult{keys: map[string]Key{}, figures: map[string]*Figures{}}
	get := func(key string) *Figures {
		f, ok := res.figures[key]
		if !ok {
			f = &Figures{}
			res.figures[key] = f
			res.keys[key] = p.parseKey(key)
			res.order = append(res.order, key)
		}
		return f
	}

	// Events.
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
	var args []any
	keys := p.keyList("k", false)
	storeLevel := table == "kpi_store_daily"
	extra := ""
	if storeLevel {
		extra = ", sum(k.visitors)"
	}
	having := ""
	if len(keys) == 0 {
		having = " HAVING count(*) > 0" // an estate row only where there is data
	}
	sql := "SELECT " + selectKeys(keys) + ", " + sumEvents + extra + " FROM " + table + " k JOIN stores s ON s.id = k.store_id" +
		zoneJoin + " WHERE " + p.where("k", !storeLevel, &args) + groupBy(keys) + having
	rows, err := k.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("kpi: events: %w", err)
	}
	for rows.Next() {
		var key string
		var f Figures
		var vis *int64
		dest := []any{&key, &f.Events, &f.EstLoss, &f.RecoveredValue, &f.Recovered, &f.Lost, &f.FalsePositives, &f.Open, &f.Interventions}
		if storeLevel {
			dest = append(dest, &vis)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("kpi: events: %w", err)
		}
		g := get(key)
		visitors := g.Visitors
		*g = f
		g.Visitors = visitors
		if storeLevel {
			g.Visitors = vis
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kpi: events: %w", err)
	}

	// Visitors, unless the store-day table already gave them.
	if !storeLevel {
		if err := k.visitors(ctx, p, res, get); err != nil {
			return nil, err
		}
	}
	if err := k.responses(ctx, p, storeLevel, get); err != nil {
		return nil, err
	}
	if err := k.sales(ctx, p, get); err != nil {
		return nil, err
	}
	for _, f := range res.figures {
		f.derive()
	}
	if q.By == "zone" {
		hotspots(res)
	}
	return res, nil
}

// visitors adds entrance (or, for zone cuts, zone) visitor counts. A
// category row gets its scope's visitors: a category has no door of its own.
func (k *KPIs) visitors(ctx context.Context, p *plan, res *periodResult, get func(string) *Figures) error {
	table := "kpi_visitors_daily"
	if p.hourly {
		table = "kpi_visitors_hourly"
	}
	join, cond := "", " AND v.zone_id = 0"
	if p.zoneVis {
		join, cond = " JOIN zones z ON z.id = v.zone_id", ""
	}
	var args []any
	keys := p.keyList("v", true)
	having := ""
	if len(keys) == 0 {
		having = " HAVING count(*) > 0"
	}
	sql := "SELECT " + selectKeys(keys) + ", sum(v.visitors) FROM " + table + " v JOIN stores s ON s.id = v.store_id" + join +
		" WHERE " + p.where("v", false, &args) + cond + groupBy(keys) + having
	rows, err := k.pool.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("kpi: visitors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int64
		if err := rows.Scan(&key, &n); err != nil {
			return fmt.Errorf("kpi: visitors: %w", err)
		}
		if p.q.By == "category" {
			// Every category row shares the scope's visitors; a scope
			// without events has no category rows to give them to.
			for _, f := range res.figures {
				v := n
				f.Visitors = &v
			}
			continue
		}
		v := n
		get(key).Visitors = &v
	}
	return rows.Err()
}

// responses fills the response-time percentiles from the sketches.
func (k *KPIs) responses(ctx context.Context, p *plan, storeLevel bool, get func(string) *Figures) error {
	var args []any
	var sql string
	sketches := map[string]sketch{}
	if storeLevel {
		keys := p.keyList("k", false)
		sql = "SELECT " + selectKeys(keys) + ", k.response FROM kpi_store_daily k JOIN stores s ON s.id = k.store_id WHERE " +
			p.where("k", false, &args) + " AND k.responded > 0"
		rows, err := k.pool.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("kpi: responses: %w", err)
		}
		var key string
		var packed []int64
		_, err = pgx.ForEachRow(rows, []any{&key, &packed}, func() error {
			s, ok := sketches[key]
			if !ok {
				s = sketch{}
				sketches[key] = s
			}
			s.addPacked(packed)
			return nil
		})
		if err != nil {
			return fmt.Errorf("kpi: responses: %w", err)
		}
	} else {
		keys := p.keyList("k", false)
		sql = "SELECT " + selectKeys(keys) + ", k.bucket, sum(k.n) FROM kpi_response k JOIN stores s ON s.id = k.store_id" +
			" JOIN zones z ON z.id = k.zone_id WHERE " + p.where("k", true, &args) + groupBy(append(keys, "k.bucket"))
		rows, err := k.pool.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("kpi: responses: %w", err)
		}
		var key string
		var bucket int
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&key, &bucket, &n}, func() error {
			s, ok := sketches[key]
			if !ok {
				s = sketch{}
				sketches[key] = s
			}
			s.add(bucket, n)
			return nil
		})
		if err != nil {
			return fmt.Errorf("kpi: responses: %w", err)
		}
	}
	for key, s := range sketches {
		f := get(key)
		f.ResponseP50, f.ResponseP90 = s.quantile(0.5), s.quantile(0.9)
	}
	return nil
}

// sales adds sales where shrink as a share of sales means something: whole
// stores over whole local days.
func (k *KPIs) sales(ctx context.Context, p *plan, get func(string) *Figures) error {
	if !p.q.Dates || p.zoneRows || p.q.By == "hour_of_week" {
		return nil
	}
	var args []any
	keys := p.keyList("k", false)
	for i, key := range keys {
		keys[i] = strings.ReplaceAll(key, "k.local_date", "k.day")
	}
	where := strings.ReplaceAll(p.where("k", false, &args), "k.local_date", "k.day")
	having := ""
	if len(keys) == 0 {
		having = " HAVING count(*) > 0"
	}
	sql := "SELECT " + selectKeys(keys) + ", sum(k.amount)::float8 FROM sales k JOIN stores s ON s.id = k.store_id WHERE " + where + groupBy(keys) + having
	rows, err := k.pool.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("kpi: sales: %w", err)
	}
	var key string
	var amount float64
	_, err = pgx.ForEachRow(rows, []any{&key, &amount}, func() error {
		a := amount
		get(key).Sales = &a
		return nil
	})
	if err != nil {
		return fmt.Errorf("kpi: sales: %w", err)
	}
	return nil
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
