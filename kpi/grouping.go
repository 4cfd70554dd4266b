package kpi

import (
	"strconv"
	"strings"
)

// Grouping is what a KPI request groups its rows by.
type Grouping string

// The groupings a KPI request may ask for.
const (
	ByEstate     Grouping = "estate"
	ByRegion     Grouping = "region"
	ByStore      Grouping = "store"
	ByZone       Grouping = "zone"
	ByCategory   Grouping = "category"
	ByMethod     Grouping = "method"
	ByDay        Grouping = "day"
	ByWeek       Grouping = "week"
	ByHourOfWeek Grouping = "hour_of_week"
)

// grouping is one row of the grouping table: the key fields a row of it
// carries (named as Key.Field and the CSV header) and the SQL expressions
// of those fields over a rollup row k, its store s and zone z.
type grouping struct {
	by     Grouping
	fields []string
	sql    []string
}

// groupings is the one table of groupings.
var groupings = []grouping{
	{ByEstate, nil, nil},
	{ByRegion, []string{"region"}, []string{"s.region"}},
	{ByStore, []string{"store"}, []string{"s.code"}},
	{ByZone, []string{"store", "zone"}, []string{"s.code", "z.code"}},
	{ByCategory, []string{"category"}, []string{"k.category"}},
	{ByMethod, []string{"method"}, []string{"k.method"}},
	{ByDay, []string{"day"}, []string{"k.local_date::text"}},
	{ByWeek, []string{"week"}, []string{"date_trunc('week', k.local_date)::date::text"}},
	{ByHourOfWeek, []string{"hour_of_week"}, []string{"k.how::text"}},
}

// Groupings lists every grouping, in a stable order.
var Groupings = func() []Grouping {
	out := make([]Grouping, len(groupings))
	for i, g := range groupings {
		out[i] = g.by
	}
	return out
}()

func (g Grouping) def() (grouping, bool) {
	for _, d := range groupings {
		if d.by == g {
			return d, true
		}
	}
	return grouping{}, false
}

// Valid reports whether g is a known grouping.
func (g Grouping) Valid() bool { _, ok := g.def(); return ok }

// KeyFields are the key fields a row of g carries, in order.
func (g Grouping) KeyFields() []string { d, _ := g.def(); return d.fields }

// zoneCut says whether g's rows come from zone rows (zone, category,
// method) rather than store rows.
func (g Grouping) zoneCut() bool { return g == ByZone || g == ByCategory || g == ByMethod }

// sharesVisitors says whether every row of g shares its scope's visitors:
// a category or a method has no door of its own.
func (g Grouping) sharesVisitors() bool { return g == ByCategory || g == ByMethod }

func groupingNames() string {
	names := make([]string, len(groupings))
	for i, g := range groupings {
		names[i] = string(g.by)
	}
	return strings.Join(names, ", ")
}

// Field returns the key field named as in the CSV header.
func (k Key) Field(name string) string {
	switch name {
	case "store":
		return k.Store
	case "region":
		return k.Region
	case "zone":
		return k.Zone
	case "category":
		return k.Category
	case "method":
		return k.Method
	case "day":
		return k.Day
	case "week":
		return k.Week
	case "hour_of_week":
		if k.HourOfWeek != nil {
			return strconv.Itoa(*k.HourOfWeek)
		}
	}
	return ""
}

// set sets the key field named as in the CSV header.
func (k *Key) set(name, v string) {
	switch name {
	case "store":
		k.Store = v
	case "region":
		k.Region = v
	case "zone":
		k.Zone = v
	case "category":
		k.Category = v
	case "method":
		k.Method = v
	case "day":
		k.Day = v
	case "week":
		k.Week = v
	case "hour_of_week":
		h, _ := strconv.Atoi(v)
		k.HourOfWeek = &h
	}
}
