package kpi

import "time"

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
