package shrinkscope

import (
	"strconv"
	"time"
)

// Period is a reporting period as DESIGN.md defines it. With Dates, From and
// To are local calendar dates (midnight UTC values), both inclusive, read in
// each store's own time zone; otherwise they are instants, the half-open
// [From, To).
type Period struct {
	From, To time.Time
	Dates    bool
}

// MaxPeriodDays is the longest period any read takes: three years of 366
// days. Reads that need less say so in their PeriodRules.
const MaxPeriodDays = 3 * 366

// Days is the period's length in days: the dates it holds, or its instants'
// span in days, rounded up.
func (p Period) Days() int {
	if p.Dates {
		return int(p.To.Sub(p.From).Hours()/24) + 1
	}
	return int((p.To.Sub(p.From) + 24*time.Hour - 1) / (24 * time.Hour))
}

// Previous is the period of the same length just before p: for dates it
// ends the day before From, for instants at From.
func (p Period) Previous() Period {
	q := p
	if p.Dates {
		n := p.Days()
		q.From, q.To = p.From.AddDate(0, 0, -n), p.From.AddDate(0, 0, -1)
	} else {
		q.From, q.To = p.From.Add(-p.To.Sub(p.From)), p.From
	}
	return q
}

// Yesterday is the local calendar date before now's in loc (UTC when nil),
// as a date value (midnight UTC).
func Yesterday(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
}

// LastDays is the period of the n full local days in loc that end
// yesterday.
func LastDays(now time.Time, loc *time.Location, n int) Period {
	to := Yesterday(now, loc)
	return Period{From: to.AddDate(0, 0, -n+1), To: to, Dates: true}
}

// PeriodRules say what one read accepts. The zero value is the KPI API's:
// dates or instants, both ends or neither, the last 30 days by default, at
// most MaxPeriodDays.
type PeriodRules struct {
	// DefaultDays is the length of the period without from and to: that many
	// full local days ending yesterday. Default 30.
	DefaultDays int
	// MinDays and MaxDays bound the length. Defaults 1 and MaxPeriodDays
	// (only a maintenance command, such as kpi verify, reads longer).
	MinDays, MaxDays int
	// DatesOnly refuses instants: the read sums daily rollups.
	DatesOnly bool
	// Days admits the days parameter, the length of a period ending to (or
	// yesterday), and to alone, the DefaultDays ending it. A bad length then
	// names days; otherwise it names to.
	Days bool
	// Open admits either end alone: a missing to is yesterday, a missing
	// from DefaultDays before to. Needs DatesOnly.
	Open bool
	// Location is where "yesterday" is: the store's zone for one store, nil
	// (UTC) for an estate, whose stores each read dates in their own zone.
	Location *time.Location
}

func (r PeriodRules) withDefaults() PeriodRules {
	if r.DefaultDays <= 0 {
		r.DefaultDays = 30
	}
	if r.MinDays <= 0 {
		r.MinDays = 1
	}
	if r.MaxDays <= 0 {
		r.MaxDays = MaxPeriodDays
	}
	return r
}

// ParsePeriod reads a period from the query parameters from, to and days
// (each "" when absent) under r, at time now. Every error is EINVALID and
// names the parameter at fault.
func ParsePeriod(from, to, days string, now time.Time, r PeriodRules) (Period, error) {
	r = r.withDefaults()
	p, err := parseEnds(from, to, days, now, r)
	if err != nil {
		return p, err
	}
	return p, r.Check(p)
}

func parseEnds(f, t, d string, now time.Time, r PeriodRules) (Period, error) {
	if d != "" && !r.Days {
		return Period{}, Errorf(EINVALID, "days", "days is not a parameter of this read: give from and to")
	}
	if f == "" && t == "" && d == "" {
		return LastDays(now, r.Location, r.DefaultDays), nil
	}
	if (r.Days || r.Open) && f == "" {
		end := Yesterday(now, r.Location)
		if t != "" {
			var err error
			if end, err = time.Parse(time.DateOnly, t); err != nil {
				return Period{}, Errorf(EINVALID, "to", "to must be a date (YYYY-MM-DD), got %q", t)
			}
		}
		n := r.DefaultDays
		if d != "" {
			var err error
			if n, err = strconv.Atoi(d); err != nil {
				return Period{}, Errorf(EINVALID, "days", "days must be a whole number, got %q", d)
			}
			if n < r.MinDays || n > r.MaxDays {
				return Period{}, Errorf(EINVALID, "days", "days must be between %d and %d, got %d", r.MinDays, r.MaxDays, n)
			}
		}
		return Period{From: end.AddDate(0, 0, -n+1), To: end, Dates: true}, nil
	}
	if d != "" {
		return Period{}, Errorf(EINVALID, "days", "give from or days, not both")
	}
	if r.Open && t == "" {
		t = Yesterday(now, r.Location).Format(time.DateOnly)
	}
	if f == "" || t == "" {
		if r.Days {
			return Period{}, Errorf(EINVALID, "to", "give both from and to, or neither (the last %d days)", r.DefaultDays)
		}
		return Period{}, Errorf(EINVALID, "from", "give both from and to, or neither (the last %d days)", r.DefaultDays)
	}
	fd, errFd := time.Parse(time.DateOnly, f)
	td, errTd := time.Parse(time.DateOnly, t)
	if errFd == nil && errTd == nil {
		return Period{From: fd, To: td, Dates: true}, nil
	}
	if r.DatesOnly {
		if errFd != nil {
			return Period{}, Errorf(EINVALID, "from", "from must be a date (YYYY-MM-DD), got %q", f)
		}
		return Period{}, Errorf(EINVALID, "to", "to must be a date (YYYY-MM-DD), got %q", t)
	}
	fi, errFi := time.Parse(time.RFC3339, f)
	ti, errTi := time.Parse(time.RFC3339, t)
	switch {
	case errFd != nil && errFi != nil:
		return Period{}, Errorf(EINVALID, "from", "from %q is neither a date (YYYY-MM-DD) nor an RFC 3339 instant", f)
	case errFi != nil || errTi != nil:
		return Period{}, Errorf(EINVALID, "to", "to %q is not of the same kind as from: use two dates or two RFC 3339 instants", t)
	}
	return Period{From: fi.UTC(), To: ti.UTC()}, nil
}

// Check refuses a bound before the earliest time the service stores (it
// would otherwise read as a missing bound) or from Latest on, ends out of order and a length
// outside r's bounds: what ParsePeriod checks, for periods built in code.
func (r PeriodRules) Check(p Period) error {
	r = r.withDefaults()
	if p.From.Before(Earliest) {
		return Errorf(EINVALID, "from", "from %s is before %s, the earliest date the service stores", p.From.Format(time.DateOnly), Earliest.Format(time.DateOnly))
	}
	if p.To.Before(Earliest) {
		return Errorf(EINVALID, "to", "to %s is before %s, the earliest date the service stores", p.To.Format(time.DateOnly), Earliest.Format(time.DateOnly))
	}
	if !p.To.Before(Latest) { // to first: from may be derived from it
		return CheckDate("to", p.To)
	}
	if !p.From.Before(Latest) {
		return CheckDate("from", p.From)
	}
	if p.Dates && p.To.Before(p.From) || !p.Dates && !p.To.After(p.From) {
		return Errorf(EINVALID, "to", "to %s is before from %s", p.To.Format(time.DateOnly), p.From.Format(time.DateOnly))
	}
	field := "to"
	if r.Days {
		field = "days"
	}
	if n := p.Days(); n < r.MinDays || n > r.MaxDays {
		return Errorf(EINVALID, field, "the period must be between %d and %d days, got %d", r.MinDays, r.MaxDays, n)
	}
	return nil
}
