package workforce

import (
	"context"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// A soc store's weekly budget caps its floor staff's hours; its SOC
// operators are planned outside it, and the plan reports both.
func TestBuildPlanBudgetCapsFloorHours(t *testing.T) {
	t.Parallel()
	loc := time.UTC
	week := time.Date(2026, 6, 1, 0, 0, 0, 0, loc)
	var fc []HourForecast
	for h := range 7 * 24 {
		at := week.Add(time.Duration(h) * time.Hour)
		open := at.Hour() >= 8 && at.Hour() < 20
		f := HourForecast{Start: at, Date: at.Format(time.DateOnly), Hour: at.Hour(), HourOfWeek: h, Open: open}
		if open {
			// 6 events an hour: 3 staffers at 2 incidents each; 120 alerts an
			// hour of 120 s is 4 Erlangs, which needs operators.
			f.Events, f.Alerts, f.Loss = 6, 120, 60
		}
		fc = append(fc, f)
	}
	p := DefaultPolicy()
	budget := 100 // full cover is 7 days × 12 h × 3 = 252 floor hours
	p.BudgetHours = &budget
	st := &ss.Store{Code: "S1", Timezone: "UTC", OperatingModel: ss.ModelSOC}
	soc := SOCParams{HandleSeconds: 120, AnswerSeconds: 60, ServiceLevel: 0.8, OperatorHourly: 25}
	pl, err := BuildPlan(context.Background(), st, loc, week, fc, p, soc)
	if err != nil {
		t.Fatal(err)
	}
	floor, ops := 0, 0
	for _, s := range pl.Shifts {
		switch s.Role {
		case RoleFloor:
			floor += s.Hours * s.Headcount
		case RoleOperator:
			ops += s.Hours * s.Headcount
		}
	}
	if floor != pl.FloorHours || ops != pl.OperatorHours || pl.PaidHours != floor+ops {
		t.Fatalf("shifts give %d floor and %d operator hours; plan says %d, %d, total %d", floor, ops, pl.FloorHours, pl.OperatorHours, pl.PaidHours)
	}
	if floor > budget || floor < budget-p.ShiftRules.MaxHours {
		t.Fatalf("floor hours %d against a budget of %d", floor, budget)
	}
	if ops == 0 {
		t.Fatal("no operator hours for a soc store with alerts")
	}
	// 120 alerts an hour of 120 s is a = 4 erlangs. By the Erlang B
	// recursion B(5) = 0.199067, so C(5) = B / (1 − a/5 · (1 − B)) = 0.554113
	// and 1 − C·e^(−(5−4)·60/120) = 0.6639 < 0.8; B(6) = 0.117163, C(6) =
	// 0.284762, 1 − C·e^(−2·0.5) = 0.8952: 6 operators each of the 84 open
	// hours, 504 hours needed; a 12-hour day is 8 + 4 hour shifts, so 504
	// paid, at 25: 12,600. The floor's hours cost the policy's 15.
	if pl.OperatorNeeded != 504 || pl.OperatorHours != 504 || pl.OperatorCost != 12_600 || pl.FloorCost != float64(pl.FloorHours)*15 ||
		pl.Cost != pl.FloorCost+pl.OperatorCost || pl.SOC == nil || *pl.SOC != soc {
		t.Errorf("operators needed %d, paid %d, cost %v; floor cost %v for %d h; cost %v; soc %+v",
			pl.OperatorNeeded, pl.OperatorHours, pl.OperatorCost, pl.FloorCost, pl.FloorHours, pl.Cost, pl.SOC)
	}
	for _, h := range pl.Hours {
		if h.Open && h.Operators != 6 || !h.Open && h.Operators != 0 {
			t.Fatalf("hour %v: %d operators", h.Start, h.Operators)
		}
	}
	if pl.UncoveredLoss <= 0 {
		t.Fatalf("uncovered loss %v with the floor short", pl.UncoveredLoss)
	}
}
