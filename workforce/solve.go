package workforce

import (
	"context"
	"fmt"
	"sort"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// SolveRequest is a planner's what-if: opening hours per local date
// (["08:00","22:00"], exactly two clock hours; a close at or before the
// opening is on the next day), hourly requirements, shift rules and an
// optional budget of paid hours. Solve bounds every dimension of it (see
// the max* constants): any request within them is answered in about a
// second of one core at worst (docs/BENCHMARKS.md).
type SolveRequest struct {
	OpeningHours map[string][]string `json:"opening_hours"`
	Requirements []Requirement       `json:"requirements"`
	ShiftRules   Rules               `json:"shift_rules"`
	BudgetHours  *int                `json:"budget_hours"`
}

// Requirement is the staff needed in local clock hour Hour of date Day.
type Requirement struct {
	Day      string `json:"day"`
	Hour     int    `json:"hour"`
	Required int    `json:"required"`
}

// SolveShift is one shift of a solve answer.
type SolveShift struct {
	Day       string `json:"day"`
	Start     string `json:"start"`
	End       string `json:"end"`
	Headcount int    `json:"headcount"`
}

// Uncovered is an hour left short of its requirement.
type Uncovered struct {
	Day   string `json:"day"`
	Hour  int    `json:"hour"`
	Short int    `json:"short"`
}

// SolveResult is the answer to a SolveRequest.
type SolveResult struct {
	Shifts    []SolveShift `json:"shifts"`
	PaidHours int          `json:"paid_hours"`
	Uncovered []Uncovered  `json:"uncovered"`
}

// The bounds of a what-if, each with why. The work grows with days (a
// flow, a price sweep and a knapsack row per day), with the budget (the
// knapsack's width) and, through the budget, with the requirements.
const (
	// maxSolveDays: a month of opening days, the longest period a planner
	// compares; each day is one span of at most 24 hours.
	maxSolveDays = 31
	// maxSolveRequirements: one per open hour of maxSolveDays days (a
	// second one for an hour is refused anyway).
	maxSolveRequirements = maxSolveDays * 24
	// maxSolveRequired: staff needed in one hour. Above the floor of any
	// one store; the flows' work does not grow with it, the budget does.
	maxSolveRequired = 1000
	// maxSolveBudget: 100,000 paid hours is 134 staff round the clock for
	// 31 days. The knapsack is as wide as the budget (or the full cover's
	// hours, if fewer), so this bounds it, and with it the worst case.
	maxSolveBudget = 100_000
)

type openSpan struct {
	day        time.Time
	open, stop int // hours after the day's midnight; stop may pass 24
}

// Solve validates the request, naming the bad field, and staffs it: one span
// per opening day (wall-clock hours; a what-if has no time zone), exact
// minimal cover, or the budgeted plan when BudgetHours is too small. It
// stops with ctx.Err() when ctx ends (a client that left).
func (q *SolveRequest) Solve(ctx context.Context) (SolveResult, error) {
	if err := q.ShiftRules.Validate("shift_rules"); err != nil {
		return SolveResult{}, err
	}
	if q.BudgetHours != nil && (*q.BudgetHours < 0 || *q.BudgetHours > maxSolveBudget) {
		return SolveResult{}, ss.Errorf(ss.EINVALID, "budget_hours", "budget_hours must be between 0 and %d, got %d", maxSolveBudget, *q.BudgetHours)
	}
	if len(q.OpeningHours) == 0 || len(q.OpeningHours) > maxSolveDays {
		return SolveResult{}, ss.Errorf(ss.EINVALID, "opening_hours", "opening_hours must hold 1 to %d days, got %d", maxSolveDays, len(q.OpeningHours))
	}
	if len(q.Requirements) > maxSolveRequirements {
		return SolveResult{}, ss.Errorf(ss.EINVALID, "requirements", "at most %d requirements (one per open hour of %d days), got %d", maxSolveRequirements, maxSolveDays, len(q.Requirements))
	}
	spans := make([]openSpan, 0, len(q.OpeningHours))
	for d, iv := range q.OpeningHours {
		field := "opening_hours." + d
		day, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return SolveResult{}, ss.Errorf(ss.EINVALID, field, "opening_hours keys must be dates (YYYY-MM-DD), got %q", d)
		}
		if err := ss.CheckDate(field, day); err != nil {
			return SolveResult{}, err
		}
		if len(iv) != 2 {
			return SolveResult{}, ss.Errorf(ss.EINVALID, field, "opening hours are one interval of two clock hours, [\"08:00\", \"22:00\"]; got %d values", len(iv))
		}
		o, ok1 := clockHour(iv[0])
		c, ok2 := clockHour(iv[1])
		if !ok1 || !ok2 || o == 24 {
			return SolveResult{}, ss.Errorf(ss.EINVALID, field, "opening hours must be whole hours HH:00 (00:00–24:00), got %q–%q", iv[0], iv[1])
		}
		if c <= o {
			c += 24
		}
		spans = append(spans, openSpan{day, o, c})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].day.Before(spans[j].day) })
	for i := 1; i < len(spans); i++ {
		a, b := spans[i-1], spans[i]
		if a.day.AddDate(0, 0, 1).Equal(b.day) && a.stop > 24+b.open {
			return SolveResult{}, ss.Errorf(ss.EINVALID, "opening_hours."+b.day.Format(time.DateOnly), "opening hours overlap the previous day's, which close at %02d:00", a.stop-24)
		}
	}
	ds := make([]Demand, len(spans))
	for i, s := range spans {
		ds[i] = Demand{Req: make([]int, s.stop-s.open)}
	}
	seen := map[[2]int]bool{}
	for i, r := range q.Requirements {
		field := fmt.Sprintf("requirements[%d]", i)
		day, err := time.Parse(time.DateOnly, r.Day)
		if err != nil {
			return SolveResult{}, ss.Errorf(ss.EINVALID, field+".day", "day must be a date (YYYY-MM-DD), got %q", r.Day)
		}
		if r.Hour < 0 || r.Hour > 23 {
			return SolveResult{}, ss.Errorf(ss.EINVALID, field+".hour", "hour must be between 0 and 23, got %d", r.Hour)
		}
		if r.Required < 0 || r.Required > maxSolveRequired {
			return SolveResult{}, ss.Errorf(ss.EINVALID, field+".required", "required must be between 0 and %d, got %d", maxSolveRequired, r.Required)
		}
		k, h := -1, 0
		for j, s := range spans {
			off := int(day.Sub(s.day).Hours())/24*24 + r.Hour
			if (day.Equal(s.day) || day.Equal(s.day.AddDate(0, 0, 1))) && off >= s.open && off < s.stop {
				k, h = j, off-s.open
			}
		}
		if k < 0 {
			return SolveResult{}, ss.Errorf(ss.EINVALID, field+".hour", "%s %02d:00 is outside the opening hours", r.Day, r.Hour)
		}
		if seen[[2]int{k, h}] {
			return SolveResult{}, ss.Errorf(ss.EINVALID, field, "a second requirement for %s %02d:00", r.Day, r.Hour)
		}
		seen[[2]int{k, h}] = true
		ds[k].Req[h] = r.Required
	}
	budget := -1
	if q.BudgetHours != nil {
		budget = *q.BudgetHours
	}
	covers, err := PlanSpans(ctx, ds, q.ShiftRules, budget)
	if err != nil {
		return SolveResult{}, err
	}
	res := SolveResult{Shifts: []SolveShift{}, Uncovered: []Uncovered{}}
	for i, c := range covers {
		s := spans[i]
		merged := map[[2]int]int{}
		for _, sh := range c.Shifts {
			k := [2]int{sh.Start, sh.Hours}
			if j, ok := merged[k]; ok {
				res.Shifts[j].Headcount += sh.Headcount
				continue
			}
			merged[k] = len(res.Shifts)
			res.Shifts = append(res.Shifts, SolveShift{Day: s.day.Format(time.DateOnly),
				Start: clock(s.open + sh.Start), End: clock(s.open + sh.Start + sh.Hours), Headcount: sh.Headcount})
		}
		res.PaidHours += c.Paid
		for h, short := range c.Short {
			if short > 0 {
				abs := s.open + h
				res.Uncovered = append(res.Uncovered, Uncovered{Day: s.day.AddDate(0, 0, abs/24).Format(time.DateOnly), Hour: abs % 24, Short: short})
			}
		}
	}
	return res, nil
}

// clockHour reads "HH:00" (00:00–24:00) as an hour.
func clockHour(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' || s[3:] != "00" || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	return h, h <= 24
}

func clock(h int) string { return fmt.Sprintf("%02d:00", h%24) }
