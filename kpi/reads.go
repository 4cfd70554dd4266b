package kpi

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
)

// request is one KPI request's statements, built from its plan, and what
// their rows add up to. Each builder below adds the statements of one read
// shape; none of them touches the database.
type request struct {
	q     Query
	p     *plan
	r     *results
	reads []*read

	table      string // the event rollup read: kpi_store_daily, kpi_daily or kpi_hourly (kpi_method_… by or for a method)
	zoneJoin   string // joins the zone z of rows k, where they have one
	storeLevel bool   // rows are store rows (with visitors, sales and byte sketches)
	storeZones bool   // one store's zone rows over dates, summed in Go
	byZoneID   bool   // …keyed by zone id, named from the store's zones
	keys       []string
	zoneKeys   map[string]string   // zone id → group key, when byZoneID
	cents      [2]map[string]money // est_loss and recovered_value per group, when storeZones
	estate     estateReader
	cov        *coverage
	live       []Target
}

func newRequest(q Query) *request {
	p := newPlan(q)
	rq := &request{q: q, p: p, table: "kpi_store_daily", zoneKeys: map[string]string{}, cents: [2]map[string]money{{}, {}}, cov: &coverage{},
		r: &results{p: p,
			cur:      &periodResult{keys: map[string]Key{}, figures: map[string]*Figures{}},
			prev:     &periodResult{keys: map[string]Key{}, figures: map[string]*Figures{}},
			sketches: [2]map[string]*sketch{{}, {}}}}
	switch {
	case p.hourly && p.methods:
		rq.table = "kpi_method_hourly"
	case p.hourly:
		rq.table = "kpi_hourly"
	case p.zoneRows && p.methods:
		rq.table = "kpi_method_daily"
	case p.zoneRows:
		rq.table = "kpi_daily"
	}
	if p.zoneRows || p.hourly {
		rq.zoneJoin = " JOIN zones z ON z.id = k.zone_id"
	}
	rq.storeLevel = rq.table == "kpi_store_daily"
	rq.keys = p.keyList("k", false)
	rq.storeZones = p.weekly && p.zoneRows && q.Store != ""
	rq.byZoneID = rq.storeZones && q.By == ByZone && q.Zone == "" && q.Category == "" && q.Method == ""

	if rq.byZoneID {
		rq.zoneNames()
	}
	switch {
	case p.estateWide():
		rq.reads = append(rq.reads, rq.estate.reads(p)...)
	case rq.storeZones:
		rq.storeZoneEvents()
	default:
		rq.groupedEvents()
	}
	// Visitors, unless the store rows already gave them.
	if !rq.storeLevel {
		rq.visitors()
	}
	if !rq.storeLevel && !rq.storeZones {
		rq.zoneSketches()
	}
	rq.reads = append(rq.reads, p.coverageReads(rq.cov)...)
	var t Target
	rq.reads = append(rq.reads, &read{sql: targetsQuery, args: args{false, []string(nil)}, dest: t.fields(),
		row: func() error { rq.live = append(rq.live, t); return nil }})
	return rq
}

// zoneNames reads the store's zone ids and codes, so its zone rows need
// not join zones.
func (rq *request) zoneNames() {
	var x args
	var id, code string
	rq.reads = append(rq.reads, &read{
		sql:  "SELECT z.id::text, z.code FROM zones z JOIN stores s ON s.id = z.store_id WHERE " + strings.Join(rq.p.storeFilter(&x), " AND "),
		args: x, dest: []any{&id, &code},
		row: func() error { rq.zoneKeys[id] = rq.q.Store + "\x1f" + code; return nil },
	})
}

// storeZoneEvents reads one store's zone rows — some hundreds — and sums
// them here, sketches and all, in one pass instead of an aggregate and a
// second scan. By zone, rows carry their zone id, named from the store's
// zones, instead of joining each row to stores and zones.
func (rq *request) storeZoneEvents() {
	var key string
	var current bool
	var x args
	source := rq.p.eventSource(false, &x)
	cur := rq.p.current("k", &x)
	sel, from, where := "k.zone_id::text", " k", ""
	if !rq.byZoneID {
		sel, from, where = selectKeys(rq.keys), " k JOIN stores s ON s.id = k.store_id"+rq.zoneJoin, " WHERE "+rq.p.where("k", true, &x)
	}
	var f Figures
	var loss, value int64
	var packed pgtype.DriverBytes
	rq.reads = append(rq.reads, &read{
		sql: "SELECT " + sel + ", " + cur + `, k.events, (k.est_loss * 100)::bigint, (k.recovered_value * 100)::bigint,
    k.recovered, k.lost, k.false_positive, k.open, k.interventions, array_send(k.response) FROM ` + source + from + where,
		args: x, dest: []any{&key, &current, &f.Events, &loss, &value, &f.Recovered, &f.Lost, &f.FalsePositives, &f.Open, &f.Interventions, &packed},
		row: func() error {
			if rq.byZoneID {
				k, ok := rq.zoneKeys[key]
				if !ok {
					return fmt.Errorf("rollup row of unknown zone %s", key)
				}
				key = k
			}
			g := rq.r.get(current, key)
			g.Events += f.Events
			g.Recovered += f.Recovered
			g.Lost += f.Lost
			g.FalsePositives += f.FalsePositives
			g.Open += f.Open
			g.Interventions += f.Interventions
			rq.cents[b2i(current)][key] = rq.cents[b2i(current)][key].add(loss, value)
			return rq.r.sketch(current, key).addArray(packed)
		},
	})
}

// groupedEvents reads the event figures summed per group and period by
// PostgreSQL, with visitors, sales and sketches where store rows hold them.
func (rq *request) groupedEvents() {
	var key string
	var current bool
	var x args
	source := rq.table
	var cur string
	switch {
	case rq.storeLevel && rq.p.weekly:
		// Summed per store and period first: the outer grouping then
		// joins one row per store and period to stores.
		cur = rq.p.current("k", &x)
		source = "(SELECT store_id, " + cur + " AS cur, " + storeSums + " FROM " + rq.p.eventSource(true, &x) + " k GROUP BY 1, 2)"
		cur = "k.cur"
	case rq.p.weekly:
		source = rq.p.eventSource(false, &x)
		cur = rq.p.current("k", &x)
	default:
		cur = rq.p.current("k", &x)
	}
	extra := ""
	if rq.storeLevel {
		// The store rows' sketches come along, concatenated.
		extra = ", sum(k.visitors), sum(k.sales)::float8, string_agg(k.sketch, ''::bytea) FILTER (WHERE k.responded > 0)"
	}
	var f Figures
	var vis *int64
	var sales *float64
	var sk []byte
	dest := []any{&key, &current, &f.Events, &f.EstLoss, &f.RecoveredValue, &f.Recovered, &f.Lost, &f.FalsePositives, &f.Open, &f.Interventions}
	if rq.storeLevel {
		dest = append(dest, &vis, &sales, &sk)
	}
	rq.reads = append(rq.reads, &read{
		sql: "SELECT " + selectKeys(rq.keys) + ", " + cur + ", " + sumEvents + extra + " FROM " + source + " k JOIN stores s ON s.id = k.store_id" +
			rq.zoneJoin + " WHERE " + rq.p.where("k", !rq.storeLevel, &x) + groupBy(rq.keys),
		args: x, dest: dest,
		row: func() error {
			g := rq.r.get(current, key)
			visitors := g.Visitors
			*g = f
			g.Visitors = visitors
			if rq.storeLevel && vis != nil {
				v := *vis
				g.Visitors = &v
			}
			if rq.storeLevel && sales != nil {
				a := *sales
				g.Sales = &a
			}
			if len(sk) > 0 {
				return rq.r.sketch(current, key).addBytes(sk)
			}
			return nil
		},
	})
}

// visitors reads the visitors per group and period. A category or method
// row gets its scope's visitors: it has no door of its own.
func (rq *request) visitors() {
	var key string
	var current bool
	if !rq.storeLevel {
		var x args
		vt := "kpi_visitors_daily"
		if rq.p.hourly {
			vt = "kpi_visitors_hourly"
		}
		join, cond := "", " AND v.zone_id = 0"
		if rq.p.zoneVis {
			join, cond = " JOIN zones z ON z.id = v.zone_id", ""
		}
		if rq.p.weekly {
			vt = rq.p.weekSource("kpi_visitors_daily", "kpi_visitors_weekly", "zone_id, visitors", &x)
		}
		vkeys := rq.p.keyList("v", true)
		cur := rq.p.current("v", &x)
		sql := "SELECT v.zone_id::text, " + cur + ", sum(v.visitors) FROM " + vt + " v GROUP BY 1, 2"
		if !rq.byZoneID {
			sql = "SELECT " + selectKeys(vkeys) + ", " + cur + ", sum(v.visitors) FROM " + vt + " v JOIN stores s ON s.id = v.store_id" + join +
				" WHERE " + rq.p.where("v", false, &x) + cond + groupBy(vkeys)
		}
		var n int64
		rq.reads = append(rq.reads, &read{
			sql: sql, args: x, dest: []any{&key, &current, &n},
			row: func() error {
				if rq.byZoneID {
					k, ok := rq.zoneKeys[key]
					if !ok {
						return nil // the entrance, zone 0
					}
					key = k
				}
				if rq.q.By.sharesVisitors() {
					// Every category or method row shares the scope's
					// visitors; a scope without events has no rows to give them to.
					for _, f := range rq.r.of(current).figures {
						v := n
						f.Visitors = &v
					}
					return nil
				}
				v := n
				rq.r.get(current, key).Visitors = &v
				return nil
			},
		})
	}
}

// zoneSketches reads the response-time sketches of zone and hour rows, to
// merge here.
func (rq *request) zoneSketches() {
	var key string
	var current bool
	if !rq.storeLevel && !rq.storeZones {
		var x args
		source := rq.table
		if rq.p.weekly {
			source = rq.p.eventSource(false, &x)
		}
		cur := rq.p.current("k", &x)
		var packed []int64
		rq.reads = append(rq.reads, &read{
			sql: "SELECT " + selectKeys(rq.keys) + ", " + cur + ", k.response FROM " + source + " k JOIN stores s ON s.id = k.store_id" + rq.zoneJoin +
				" WHERE " + rq.p.where("k", true, &x) + " AND k.responded > 0",
			args: x, dest: []any{&key, &current, &packed},
			row: func() error {
				rq.r.sketch(current, key).addPacked(packed)
				return nil
			},
		})
	}
}

// finish turns the rows read into the two periods' figures.
func (rq *request) finish() {
	if rq.p.estateWide() {
		rq.estate.finish(rq.r)
	}
	for i := range rq.cents {
		for key, c := range rq.cents[i] {
			f := rq.r.get(i == 1, key)
			f.EstLoss, f.RecoveredValue = float64(c.estLoss)/100, float64(c.recovered)/100
		}
	}
	for i, res := range []*periodResult{rq.r.prev, rq.r.cur} {
		for key, s := range rq.r.sketches[i] {
			f := rq.r.get(i == 1, key)
			f.ResponseP50, f.ResponseP90 = s.quantile(0.5), s.quantile(0.9)
		}
		for _, f := range res.figures {
			f.derive()
		}
		if rq.q.By == ByZone {
			hotspots(res)
		}
	}
}
