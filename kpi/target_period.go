package kpi

import (
	"math"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Target periods: a target on an additive KPI is per day, week or month.
const (
	PeriodDay   = "day"
	PeriodWeek  = "week"
	PeriodMonth = "month"
)

// TargetPeriods are the periods a target on an additive KPI may state.
var TargetPeriods = []string{PeriodDay, PeriodWeek, PeriodMonth}

// Additive reports whether the KPI sums over time — the counts (events,
// visitors) and the money figures — so that a target on it needs a period:
// "est_loss ≤ 10,000" is met by a week and missed by a month of the same
// store. Ratios, shares and times (rates, percentiles, shrink_pct) do not
// grow with the period, and their targets are judged as they stand.
func Additive(name string) bool {
	if name == "events" || name == "visitors" {
		return true
	}
	for _, d := range KPIDefs {
		if d.Name == name {
			return d.Money
		}
	}
	return false
}

// periodsIn is how many of the target's periods the local dates from..to
// (both inclusive) hold: days for a daily target, days/7 for a weekly one
// and, for a monthly one, each day counted as 1/(days of its calendar
// month), so a whole calendar month is exactly 1 whatever its length.
func periodsIn(period string, from, to time.Time) float64 {
	if to.Before(from) {
		return 0
	}
	days := int(to.Sub(from).Hours()/24) + 1
	switch period {
	case PeriodDay:
		return float64(days)
	case PeriodWeek:
		return float64(days) / 7
	}
	var n float64
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		n += 1 / float64(daysInMonth(d))
	}
	return n
}

// periodsInInstants is periodsIn for the half-open [from, to): its hours
// over a day's 24, a week's 168 or, for months, the hours falling in each
// UTC calendar month over that month's.
func periodsInInstants(period string, from, to time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	switch period {
	case PeriodDay:
		return to.Sub(from).Hours() / 24
	case PeriodWeek:
		return to.Sub(from).Hours() / 168
	}
	var n float64
	for t := from.UTC(); t.Before(to); {
		next := time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		end := next
		if to.Before(end) {
			end = to
		}
		n += end.Sub(t).Hours() / (24 * float64(daysInMonth(t)))
		t = next
	}
	return n
}

func daysInMonth(d time.Time) int {
	return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// rowPeriods is how many target periods row key spans in the answer to q:
// the whole period for most groupings, the day itself for by=day, and the
// part of the week inside the period for by=week. An hour-of-week group
// gathers one hour from each week and is not comparable with a day's,
// week's or month's figure, so ok is false there.
func rowPeriods(q Query, key Key, period string) (n float64, ok bool) {
	from, to := q.From, q.To
	switch q.By {
	case ByHourOfWeek:
		return 0, false
	case ByDay, ByWeek:
		s := key.Day
		if q.By == ByWeek {
			s = key.Week
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return 0, false
		}
		end := d
		if q.By == ByWeek {
			end = d.AddDate(0, 0, 6)
		}
		if q.Dates {
			return periodsIn(period, later(from, d), earlier(to, end)), true
		}
		// Instants: the group's UTC day(s) inside [From, To).
		return periodsInInstants(period, later(from, d), earlier(to, end.AddDate(0, 0, 1))), true
	}
	if q.Dates {
		return periodsIn(period, from, to), true
	}
	return periodsInInstants(period, from, to), true
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// scaledTarget is an additive target's value over n periods, to the cent:
// the figure a row is judged against, as the answer shows it.
func scaledTarget(value, n float64) float64 { return math.Round(value*n*100) / 100 }

// validPeriod checks a target's period against its KPI.
func validPeriod(t *Target) error {
	if !Additive(t.KPI) {
		if t.Period != "" {
			return ss.Errorf(ss.EINVALID, "period", "%s is a ratio: its target has no period (it is judged as it stands), got %q", t.KPI, t.Period)
		}
		return nil
	}
	for _, p := range TargetPeriods {
		if t.Period == p {
			return nil
		}
	}
	if t.Period == "" {
		return ss.Errorf(ss.EINVALID, "period", "%s adds up over time: give the target's period, one of %v", t.KPI, TargetPeriods)
	}
	return ss.Errorf(ss.EINVALID, "period", "period must be one of %v, got %q", TargetPeriods, t.Period)
}
