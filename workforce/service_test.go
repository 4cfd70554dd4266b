package workforce_test

import (
	"context"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/workforce"
)

// PlanWeek, the weekly job's entry point, stores a plan per store; with no
// facts every open hour needs the policy's minimum of one.
func TestPlanWeekStoresEveryStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	lay := layout.New(pool)
	for _, code := range []string{"A1", "B2"} {
		st := &ss.Store{Code: code, Name: code, Timezone: "Europe/Paris", OperatingModel: ss.ModelDetection, Currency: "EUR",
			OpeningHours: ss.OpeningHours{"mon": {{"08:00", "22:00"}}}, Profile: ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}}
		if _, err := lay.PutStore(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	svc := workforce.New(pool, lay, kpi.NewKPIs(pool))
	// A Thursday names its week.
	n, err := svc.PlanWeek(ctx, time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 2 {
		t.Fatalf("PlanWeek = %d, %v", n, err)
	}
	plans, err := svc.Plans(ctx, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), []string{"B2"})
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans %v %v", plans, err)
	}
	// Monday 08–22 with one staffer: 14 paid hours in two shifts (4–8 h) at 15.
	if p := plans[0]; p.Store != "B2" || p.Week != "2026-06-01" || p.PaidHours != 14 || p.Cost != 210 || len(p.Shifts) != 2 {
		t.Fatalf("plan %+v", p)
	}
	// Running it again replaces the plans rather than adding to them.
	if n, err := svc.PlanWeek(ctx, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != 2 {
		t.Fatalf("again: %d %v", n, err)
	}
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM staffing_plans`).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("%d plan rows, %v", rows, err)
	}
}
