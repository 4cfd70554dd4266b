package kpi

import (
	"strings"
	"time"
)

// Coverage says how much of a period the rollups hold data for: over dates,
// the local days on which a store of the scope has a store-day row (events,
// entrance footfall or sales); over instants, the hours in which one has
// events or entrance footfall. A period is complete when the scope's data
// reaches from its first day (hour) or earlier to its last day (hour) or
// later: days without facts in between, such as a store closed on
// Christmas Day, do not make it partial (its zeros are true zeros), but a
// period the data starts or stops inside does.
type Coverage struct {
	From     string  `json:"from"`     // as the request reads it: a date (inclusive), or an RFC 3339 instant
	To       string  `json:"to"`       // a date (inclusive), or an instant (exclusive)
	Unit     string  `json:"unit"`     // "day" over dates, "hour" over instants
	Length   int     `json:"length"`   // days (or hours) in the period
	Covered  int     `json:"covered"`  // days (or hours) with facts
	First    *string `json:"first"`    // the first day (or hour) with facts; null when none
	Last     *string `json:"last"`     // the last day (or hour) with facts; null when none
	Complete bool    `json:"complete"` // the data covers the whole period
}

// Reasons a row's change is null.
const (
	ChangePreviousPartial = "previous_partial" // the previous period is not fully covered by data
	ChangeCurrentPartial  = "current_partial"  // the period asked for is not fully covered by data
	ChangeNotAligned      = "not_aligned"      // by=week over a period that is not whole weeks long: weeks do not pair up
)

// coverage gathers the covered days (or hours) of both periods, and whether
// the scope has data before the previous period and after the current one.
type coverage struct {
	seen          []time.Time // covered days (midnight UTC) or hours, ascending
	before, after bool
}

// coverageReads are the statements that fill c, for the request's batch.
// They read store-day rows (kpi_store_daily, by its date index or its key)
// for dates, estate-day rows (kpi_estate) for the whole estate's figures,
// and the hourly rollups for instants.
func (p *plan) coverageReads(c *coverage) []*read {
	inScope := func(x *args) string {
		if w := p.storeFilter(x); len(w) > 0 {
			return strings.Join(w, " AND ")
		}
		return "true"
	}
	var x args
	var seen time.Time
	days := &read{dest: []any{&seen}, row: func() error { c.seen = append(c.seen, seen); return nil }}
	lo, hi := p.prev.From, p.q.To
	var y args
	// probe is the SQL truth of the scope having a day row meeting cond
	// (on col): a store-day row of one of its stores, unless the whole
	// estate is read from kpi_estate.
	col := "k.local_date"
	probe := func(cond string) string {
		return "EXISTS (SELECT 1 FROM stores s WHERE " + inScope(&y) +
			" AND EXISTS (SELECT 1 FROM kpi_store_daily k WHERE k.store_id = s.id AND " + cond + "))"
	}
	wholeEstate := p.q.Store == "" && len(p.q.Scope) == 0 && p.q.Region == ""
	switch {
	case p.q.Dates && p.estateWide() && wholeEstate:
		// The whole estate, whose figures come from kpi_estate: a day is
		// covered when it has an estate row, which it has when any store has
		// a store-day row; the same rows the figures are read from.
		days.sql = "SELECT k.start::timestamp FROM kpi_estate k WHERE k.kind = 'day' AND k.start BETWEEN " +
			x.add(p.prev.From) + "::date AND " + x.add(p.q.To) + "::date ORDER BY 1"
		col = "k.start"
		probe = func(cond string) string {
			return "EXISTS (SELECT 1 FROM kpi_estate k WHERE k.kind = 'day' AND " + cond + ")"
		}
	case p.q.Dates && p.q.Store != "":
		// One store: its store-day rows of both periods, one range of its key.
		days.sql = "SELECT k.local_date::timestamp FROM kpi_store_daily k JOIN stores s ON s.id = k.store_id WHERE " + inScope(&x) +
			" AND k.local_date BETWEEN " + x.add(p.prev.From) + "::date AND " + x.add(p.q.To) + "::date ORDER BY 1"
	case p.q.Dates:
		// One probe per day, each stopping at its first store-day row:
		// LIMIT keeps the planner from joining every store-day row of the
		// periods instead.
		days.sql = "SELECT d::date::timestamp FROM generate_series(" + x.add(p.prev.From) + "::date, " + x.add(p.q.To) + "::date, interval '1 day') d," +
			" LATERAL (SELECT 1 FROM kpi_store_daily k WHERE k.local_date = d::date AND k.store_id IN (SELECT s.id FROM stores s WHERE " + inScope(&x) + ") LIMIT 1) hit" +
			" ORDER BY 1"
	default:
		days.sql = "SELECT k.hour FROM kpi_hourly k JOIN stores s ON s.id = k.store_id WHERE " + inScope(&x) +
			" AND k.hour >= " + x.add(p.prev.From) + " AND k.hour < " + x.add(p.q.To) +
			" UNION SELECT v.hour FROM kpi_visitors_hourly v JOIN stores s ON s.id = v.store_id WHERE " + inScope(&x) +
			" AND v.zone_id = 0 AND v.hour >= " + x.add(p.prev.From) + " AND v.hour < " + x.add(p.q.To) + " ORDER BY 1"
		// A local date two days before an instant's UTC date ends before
		// it in every time zone (offsets reach ±14 h), and one two days
		// after starts after it.
		lo, hi = utcDate(p.prev.From).AddDate(0, 0, -1), utcDate(p.q.To).AddDate(0, 0, 1)
	}
	days.args = x
	ends := &read{dest: []any{&c.before, &c.after}, row: func() error { return nil }}
	ends.sql = "SELECT " + probe(col+" < "+y.add(lo)+"::date") + ", " + probe(col+" > "+y.add(hi)+"::date")
	ends.args = y
	return []*read{days, ends}
}

func utcDate(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// periods are the coverage of the query's period and of the previous one.
func (c *coverage) periods(p *plan) (cur, prev Coverage) {
	return c.of(p.q), c.of(p.prev)
}

// of is the coverage of one period.
func (c *coverage) of(q Query) Coverage {
	step, layout := 24*time.Hour, time.DateOnly
	from, to := q.From, q.To.Add(step) // to: exclusive
	if !q.Dates {
		step, layout, to = time.Hour, time.RFC3339, q.To
	}
	cv := Coverage{From: q.From.Format(layout), To: q.To.Format(layout), Unit: "day",
		Length: int((to.Sub(from) + step - 1) / step)}
	if !q.Dates {
		cv.Unit = "hour"
	}
	startOK, endOK := c.before, c.after
	for _, t := range c.seen {
		// Data in the first day (hour) or before it; in the last or after it.
		startOK = startOK || t.Before(from.Add(step))
		endOK = endOK || !t.Before(to.Add(-step))
		if t.Before(from) || !t.Before(to) {
			continue
		}
		s := t.UTC().Format(layout)
		if cv.First == nil {
			cv.First = &s
		}
		cv.Last = &s
		cv.Covered++
	}
	cv.Covered = min(cv.Covered, cv.Length)
	cv.Complete = startOK && endOK
	return cv
}
