package workforce

import (
	"context"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

func TestSolveRequest(t *testing.T) {
	t.Parallel()
	// Monday 08–14 needs 1 (with 2 at 10:00 and 11:00); Tuesday is open
	// 20:00–02:00 and needs 1 throughout, past midnight.
	q := SolveRequest{
		OpeningHours: map[string][]string{"2026-06-01": {"08:00", "14:00"}, "2026-06-02": {"20:00", "02:00"}},
		ShiftRules:   Rules{4, 8},
	}
	for h := 8; h < 14; h++ {
		r := 1
		if h == 10 || h == 11 {
			r = 2
		}
		q.Requirements = append(q.Requirements, Requirement{"2026-06-01", h, r})
	}
	for _, h := range []int{20, 21, 22, 23} {
		q.Requirements = append(q.Requirements, Requirement{"2026-06-02", h, 1})
	}
	q.Requirements = append(q.Requirements, Requirement{"2026-06-03", 0, 1}, Requirement{"2026-06-03", 1, 1})
	res, err := q.Solve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Monday: two overlapping 4-hour shifts, 08–12 and 10–14, give the peak
	// its 2 in 8 hours; Tuesday one 6-hour shift 20:00–02:00.
	if res.PaidHours != 14 || len(res.Uncovered) != 0 {
		t.Fatalf("paid %d, uncovered %v; shifts %+v", res.PaidHours, res.Uncovered, res.Shifts)
	}
	found := false
	for _, s := range res.Shifts {
		if s.Day == "2026-06-02" && s.Start == "20:00" && s.End == "02:00" && s.Headcount == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("no 20:00–02:00 shift: %+v", res.Shifts)
	}
	// A budget of 10 hours cannot cover all 14; the rest is reported short.
	b := 10
	q.BudgetHours = &b
	res, _ = q.Solve(context.Background())
	short := 0
	for _, u := range res.Uncovered {
		short += u.Short
	}
	if res.PaidHours > 10 || short == 0 {
		t.Errorf("budgeted: paid %d, short %d", res.PaidHours, short)
	}
}

func TestSolveRequestErrors(t *testing.T) {
	t.Parallel()
	ok := func() SolveRequest {
		return SolveRequest{OpeningHours: map[string][]string{"2026-06-01": {"08:00", "22:00"}},
			Requirements: []Requirement{{"2026-06-01", 8, 1}}, ShiftRules: Rules{4, 8}}
	}
	neg := -1
	for _, tc := range []struct {
		field string
		edit  func(*SolveRequest)
	}{
		{"shift_rules.min_hours", func(q *SolveRequest) { q.ShiftRules = Rules{9, 8} }},
		{"requirements[0].hour", func(q *SolveRequest) { q.Requirements[0].Hour = 7 }},
		{"requirements[0].hour", func(q *SolveRequest) { q.Requirements[0].Hour = 22 }},
		{"requirements[0].required", func(q *SolveRequest) { q.Requirements[0].Required = -1 }},
		{"requirements[0].day", func(q *SolveRequest) { q.Requirements[0].Day = "June" }},
		{"requirements[1]", func(q *SolveRequest) { q.Requirements = append(q.Requirements, q.Requirements[0]) }},
		{"opening_hours.2026-06-01", func(q *SolveRequest) { q.OpeningHours["2026-06-01"] = []string{"8", "22:00"} }},
		{"opening_hours.x", func(q *SolveRequest) { q.OpeningHours["x"] = []string{"08:00", "22:00"} }},
		{"budget_hours", func(q *SolveRequest) { q.BudgetHours = &neg }},
		// Three values were read as the first two.
		{"opening_hours.2026-06-01", func(q *SolveRequest) { q.OpeningHours["2026-06-01"] = []string{"08:00", "12:00", "22:00"} }},
		{"opening_hours.2026-06-01", func(q *SolveRequest) { q.OpeningHours["2026-06-01"] = []string{"08:00"} }},
		{"opening_hours.2026-06-01", func(q *SolveRequest) { q.OpeningHours["2026-06-01"] = nil }},
		{"requirements", func(q *SolveRequest) {
			q.Requirements = make([]Requirement, 31*24+1)
		}},
		{"budget_hours", func(q *SolveRequest) { q.BudgetHours = ptr(100_001) }},
		{"requirements[0].required", func(q *SolveRequest) { q.Requirements[0].Required = 1001 }},
	} {
		q := ok()
		tc.edit(&q)
		_, err := q.Solve(context.Background())
		if e, _ := err.(*ss.Error); e == nil || e.Code != ss.EINVALID || e.Field != tc.field {
			t.Errorf("want invalid %s, got %v", tc.field, err)
		}
	}
}

func TestErlangWhatIf(t *testing.T) {
	t.Parallel()
	// 200 alerts an hour of 180 s is 10 erlangs: 80% within 20 s needs 14
	// operators (C(13) = 0.2853 gives 1 − 0.2853·e^(−0.333) = 0.795; C(14) =
	// 0.1741 gives 1 − 0.1741·e^(−0.444) = 0.888).
	r, err := Erlang(ErlangRequest{AlertsPerHour: 200, HandleSeconds: 180, ServiceLevel: 0.8, AnswerSeconds: 20})
	if err != nil {
		t.Fatal(err)
	}
	if r.Operators != 14 || r.WaitProbability != 0.174 || !near(r.Occupancy, 10.0/14) || r.ServiceLevelAchieved < 0.888 || r.ServiceLevelAchieved > 0.8885 {
		t.Errorf("%+v", r)
	}
	// One alert an hour of 1 s is a = 1/3600 erlang; waiting at most one in
	// ten million needs 2 operators, where C(2, a) = (a²/2 · 2/(2−a)) /
	// (1 + a + a²/2 · 2/(2−a)) = 3.857e-8: three significant digits, where
	// six decimals read 0.
	r, err = Erlang(ErlangRequest{AlertsPerHour: 1, HandleSeconds: 1, ServiceLevel: 0.9999999, AnswerSeconds: 0})
	if err != nil || r.Operators != 2 || r.WaitProbability != 3.86e-8 {
		t.Errorf("tiny wait: %+v %v", r, err)
	}
	if _, err := Erlang(ErlangRequest{AlertsPerHour: 1, HandleSeconds: 60, ServiceLevel: 1}); ss.ErrorCode(err) != ss.EINVALID {
		t.Errorf("service level 1 accepted: %v", err)
	}
}

// The what-if that once ran for minutes (a month round the clock, 900–1000
// staff an hour, shifts of 1–24 hours, a budget of 50,000 hours) is
// answered, and exactly: every staff-hour is worth the same and a 1-hour
// shift covers one, so the best plan spends the whole budget on uncovered
// staff-hours and leaves the rest short.
func TestSolveAtTheBounds(t *testing.T) {
	t.Parallel()
	budget := 50_000
	q := boundRequest(1, 900, 1000, Rules{1, 24}, &budget)
	need := 0
	for _, r := range q.Requirements {
		need += r.Required
	}
	res, err := q.Solve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	short, paid := 0, 0
	for _, u := range res.Uncovered {
		short += u.Short
	}
	for _, s := range res.Shifts {
		h := (int(s.End[0]-'0')*10 + int(s.End[1]-'0') - int(s.Start[0]-'0')*10 - int(s.Start[1]-'0') + 24) % 24
		if h == 0 {
			h = 24
		}
		paid += h * s.Headcount
	}
	if res.PaidHours != budget || paid != budget || short != need-budget {
		t.Fatalf("paid %d (shifts %d), short %d; want %d paid and %d short", res.PaidHours, paid, short, budget, need-budget)
	}
}
