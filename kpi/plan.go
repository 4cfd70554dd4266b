package kpi

import (
	"strings"
	"time"
)

// The planner: how a KPI request reads the rollups, decided in one place
// from the query alone. Pure: no database, no clock, no SQL. The builders
// (see statement.go) write the statements these decisions call for.

// plan is how one query reads the rollups: the current and the previous
// period in one pass, each row tagged with the period it belongs to.
type plan struct {
	q, prev  Query
	hourly   bool // hour-of-week or instants: the hourly tables
	zoneRows bool // zone or category cut: rows per zone, not per store
	zoneVis  bool // visitors are the zones' own counts
	weekly   bool // over dates, not by day or week: whole weeks from the weekly tables

	// table is the event rollup read: kpi_store_daily or kpi_method_daily
	// (zone rows, split by method), or over hours kpi_store_hourly
	// or, for a zone, category or method cut, kpi_method_hourly; weekly,
	// its daily and weekly pair.
	table      string
	storeHours bool // rows are store rows per hour (kpi_store_hourly): no zone, category or method
	storeLevel bool // rows are store rows (with visitors, sales and byte sketches)
	storeZones bool // one store's zone rows over dates, summed in Go (read_store_zone_events.go)
	byZoneID   bool // …keyed by zone id, named from the store's zones (read_zone_names.go)
	estateWide bool // store rows of many stores over dates: from kpi_estate (read_estate.go)
	estateCut  bool // category, method or hour of week of many stores over dates: from kpi_estate_cuts (read_estate_cuts.go)
	// estateMoney: the money of store rows of many stores over dates (by
	// estate, region, store, day, week) is converted from kpi_estate's day
	// rows (read_estate_money.go), not by moneySQL over every store-day.
	estateMoney bool

	keys       []string // the grouping's key expressions over rows k, stores s and zones z
	minReviews int      // Query.MinReviews, or DefaultMinReviews
	took       trace
}

// planBranches are the tables a plan reads its events from, and when it
// reads store rows for a scope of stores or kpi_estate.
var planBranches = newBranches("plan", "kpi_method_hourly", "kpi_store_hourly", "kpi_method_daily", "kpi_store_daily",
	"kpi_estate", "kpi_estate for a scope", "store rows for a scope",
	"kpi_estate_cuts", "kpi_estate_cuts for a scope", "cut rows for a scope")

func newPlan(q Query) *plan {
	p := &plan{q: q, prev: q.previous(), minReviews: q.MinReviews}
	if p.minReviews <= 0 {
		p.minReviews = DefaultMinReviews
	}
	p.hourly = q.By == ByHourOfWeek || !q.Dates
	p.zoneRows = q.By.zoneCut() || q.Zone != "" || q.Category != "" || q.Method != ""
	p.zoneVis = q.By == ByZone || q.Zone != ""
	p.weekly = !p.hourly && q.By != ByDay && q.By != ByWeek
	d, _ := q.By.def()
	p.keys = d.sql

	switch {
	case p.hourly && p.zoneRows:
		p.table = "kpi_method_hourly"
	case p.hourly:
		p.table = "kpi_store_hourly"
	case p.zoneRows:
		// Zone rows are kept split by method only (migration 00045): a
		// cut not by method sums a zone and category's method rows.
		p.table = "kpi_method_daily"
	default:
		p.table = "kpi_store_daily"
	}
	p.took.take(planBranches, p.table)
	p.storeLevel = p.table == "kpi_store_daily"
	p.storeHours = p.table == "kpi_store_hourly"
	p.storeZones = p.weekly && p.zoneRows && q.Store != ""
	p.byZoneID = p.storeZones && q.By == ByZone && q.Zone == "" && q.Category == "" && q.Method == ""
	// Store rows over dates of many stores are read from kpi_estate:
	// reading every store's figures for a day in one row beats reading a
	// row per store and day for more than a handful of stores.
	// By day and by week too, from kpi_estate's day rows, a group per row.
	byDays := p.storeLevel && q.Dates && (q.By == ByDay || q.By == ByWeek) && !q.zoneRows && !q.storeRows
	switch {
	case !(p.weekly || byDays) || p.zoneRows || q.Store != "":
	case len(q.Scope) == 0:
		p.estateWide = true
		p.took.take(planBranches, "kpi_estate")
	case len(q.Scope) > estateScope:
		p.estateWide = true
		p.took.take(planBranches, "kpi_estate for a scope")
	default:
		p.took.take(planBranches, "store rows for a scope")
	}
	// Their money, by store, day or week too: every store's amounts of a
	// day in one row, converted in Go.
	p.estateMoney = p.storeLevel && q.Dates && q.Store == "" && !q.moneySQL && (len(q.Scope) == 0 || len(q.Scope) > estateScope)
	// The same for the estate's cuts by category, method and hour of week
	// with no zone, category or method filter: every store's figures of a
	// key and day or week in one row.
	switch {
	case !q.Dates || q.Store != "" || q.Zone != "" || q.Category != "" || q.Method != "" || q.zoneRows ||
		q.By != ByCategory && q.By != ByMethod && q.By != ByHourOfWeek:
	case len(q.Scope) == 0:
		p.estateCut = true
		p.took.take(planBranches, "kpi_estate_cuts")
	case len(q.Scope) > estateScope:
		p.estateCut = true
		p.took.take(planBranches, "kpi_estate_cuts for a scope")
	default:
		p.took.take(planBranches, "cut rows for a scope")
	}
	return p
}

// estateScope is the most stores a scope may have and still read store
// rows rather than kpi_estate, or zone and hour rows rather than
// kpi_estate_cuts.
const estateScope = 20

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
