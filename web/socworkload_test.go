package web_test

import (
	"context"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// One SOC workload: the segments, the store's staffing plan and
// /soc-staffing count the same operator hours for the same store and week,
// and the figure is Erlang C's by hand.
//
// S1 (Europe/London; open Monday 08–22 and Sunday 10–16) had, in each of
// the two weeks before the week asked, a burst of 30 alerts in one open hour
// and 6 in another (and an alert at a closed hour where the window's ends
// need one, so the segments' window is covered from end to end). The week
// after the window forecasts 30 and 6 alerts in those hours (two weeks of
// history at weights 1 and 0.8, both the same) and none in the others. Under the configured SOC definition (90 s an alert,
// 90% answered within 30 s, 20 an operator hour):
//
//	30 an hour: a = 0.75 erlang. C(2) = B(2)/(1 − a/2·(1 − B(2))) with
//	  B(2) = 0.138462 is 0.204545: 1 − C·e^(−(2−a)·30/90) = 0.8652 < 0.9;
//	  B(3) = 0.033457, C(3) = 0.044117: 1 − C·e^(−0.75) = 0.9792: 3 operators.
//	6 an hour: a = 0.15. C(1) = a: 1 − 0.15·e^(−0.85/3) = 0.8870 < 0.9;
//	  C(2) = 0.010465: 0.9944: 2 operators.
//
// 5 operator hours in the week, 100 at 20; the segments' year is
// 5 × 365/7 = 260.7 hours.
func TestOneSOCWorkload(t *testing.T) {
	t.Parallel()
	lon, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	local := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, lon) }
	type burst struct {
		at time.Time
		n  int
	}
	for _, c := range []struct {
		name     string
		from, to string
		bursts   []burst
		week     string
		need     map[string]float64 // operators by UTC hour of the week
	}{
		{"January", "2026-01-05", "2026-01-18",
			[]burst{{local(2026, 1, 5, 3), 1}, {local(2026, 1, 5, 14), 30}, {local(2026, 1, 12, 14), 30},
				{local(2026, 1, 5, 10), 6}, {local(2026, 1, 12, 10), 6}, {local(2026, 1, 18, 20), 1}},
			"2026-01-19", map[string]float64{"2026-01-19T10:00:00Z": 2, "2026-01-19T14:00:00Z": 3}},
		// The forecast week holds the spring change (Sunday 29 March, 23
		// hours): its Sunday 12:00 is BST, 11:00 UTC.
		{"spring change", "2026-03-09", "2026-03-22",
			[]burst{{local(2026, 3, 9, 3), 1}, {local(2026, 3, 15, 12), 30}, {local(2026, 3, 22, 12), 30},
				{local(2026, 3, 9, 10), 6}, {local(2026, 3, 16, 10), 6}},
			"2026-03-23", map[string]float64{"2026-03-23T10:00:00Z": 2, "2026-03-29T11:00:00Z": 3}},
		// The history holds the autumn change (Sunday 25 October, 25 hours):
		// its bursts were at 12:00 BST and GMT, the forecast's at 12:00 GMT.
		{"autumn change", "2026-10-12", "2026-10-25",
			[]burst{{local(2026, 10, 12, 3), 1}, {local(2026, 10, 18, 12), 30}, {local(2026, 10, 25, 12), 30},
				{local(2026, 10, 12, 10), 6}, {local(2026, 10, 19, 10), 6}},
			"2026-10-26", map[string]float64{"2026-10-26T10:00:00Z": 2, "2026-11-01T12:00:00Z": 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			var evs []map[string]any
			for _, b := range c.bursts {
				for m := range b.n {
					evs = append(evs, event("S1", "Z1", b.at.Add(time.Duration(m)*time.Minute)))
				}
			}
			f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(evs...))
			if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			planner := f.token(ss.RolePlanner)
			agree := func(rate, hours float64) {
				t.Helper()
				// Segments: the SOC model priced on the week after the window.
				r := f.mustStatus(200, "GET", "/api/v1/segments?from="+c.from+"&to="+c.to, f.admin, nil)
				var seg map[string]any
				for _, s := range r.Body["stores"].([]any) {
					if s.(map[string]any)["store"] == "S1" {
						seg = s.(map[string]any)
					}
				}
				if seg == nil || seg["basis"] == nil {
					t.Fatalf("segments: S1 %v", seg)
				}
				b := seg["basis"].(map[string]any)
				soc := seg["returns"].(map[string]any)["soc"].(map[string]any)
				if b["soc_week"] != c.week || b["soc_operator_hours_week"] != hours || b["soc_operator_hourly"] != rate ||
					soc["operator_hours"] != segYear(hours) {
					t.Errorf("segments: basis %v, SOC operator hours %v; want %v a week (%v a year) at %v", b, soc["operator_hours"], hours, segYear(hours), rate)
				}
				// The plan: hour by hour, and in all.
				pl := f.mustStatus(201, "POST", "/api/v1/stores/S1/staffing-plans?week="+c.week, planner, nil).Body
				for _, h := range pl["hours"].([]any) {
					h := h.(map[string]any)
					at, err := time.Parse(time.RFC3339, h["start"].(string)) // the plan writes local instants
					if err != nil {
						t.Fatal(err)
					}
					if start := at.UTC().Format(time.RFC3339); h["operators"] != c.need[start] {
						t.Errorf("plan hour %v: %v operators, want %v", start, h["operators"], c.need[start])
					}
				}
				if pl["operator_hours_needed"] != hours || pl["soc"].(map[string]any)["operator_hourly"] != rate ||
					pl["operator_cost"] != pl["operator_paid_hours"].(float64)*rate {
					t.Errorf("plan: needed %v, SOC %v, operator cost %v for %v paid; want %v at %v", pl["operator_hours_needed"], pl["soc"], pl["operator_cost"], pl["operator_paid_hours"], hours, rate)
				}
				// /soc-staffing for the store alone, by UTC hour.
				w := f.mustStatus(200, "GET", "/api/v1/soc-staffing?stores=S1&week="+c.week, planner, nil).Body
				if w["operator_hours"] != hours || w["peak_operators"] != 3.0 || w["operator_hourly"] != rate || w["cost"] != hours*rate ||
					w["handle_seconds"] != 90.0 || w["answer_seconds"] != 30.0 || w["service_level"] != 0.9 {
					t.Errorf("soc-staffing: %.300v", w)
				}
				for _, h := range w["hours"].([]any) {
					h := h.(map[string]any)
					if start := h["start"].(string); h["operators"] != c.need[start] {
						t.Errorf("soc-staffing hour %v: %v operators, want %v", start, h["operators"], c.need[start])
					}
				}
			}
			agree(20, 5)
			// The store's own operator rate, set in its policy, reaches all three.
			pol := map[string]any{"incidents_per_staffer": 2, "min_staff": 1, "max_staff": 4, "shift_rules": map[string]int{"min_hours": 4, "max_hours": 8},
				"hourly_cost": 15, "operator_hourly": 30}
			f.mustStatus(200, "PUT", "/api/v1/stores/S1/staffing-policy", planner, pol)
			agree(30, 5)
			pol["operator_hourly"] = -1
			if r := f.do("PUT", "/api/v1/stores/S1/staffing-policy", planner, pol); r.Status != 422 || r.errField() != "operator_hourly" {
				t.Errorf("negative operator rate: %d %s", r.Status, r.Raw)
			}
		})
	}
}

// segYear is a week's operator hours over a year, to the tenth.
func segYear(week float64) float64 {
	return float64(int64(week*365/7*10+0.5)) / 10
}
