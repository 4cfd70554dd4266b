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
	pl, err := BuildPlan(context.Background(), st, loc, week, fc, p)
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
	if pl.UncoveredLoss <= 0 {
		t.Fatalf("uncovered loss %v with the floor short", pl.UncoveredLoss)
	}
}
