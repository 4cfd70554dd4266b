package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// staffingFixture: S1 (London, open Mon 08–22 and Sun 10–16, soc) had three
// events in zone Z1 (12.50 each, no outcome: open, so lost value) on Monday
// 5 and Monday 12 January 2026 at 14:xx; its first facts are from 5 January.
func staffingFixture(t *testing.T) *fixture {
	f := setup(t)
	var evs []map[string]any
	for _, day := range []int{5, 12} {
		for m := range 3 {
			evs = append(evs, event("S1", "Z1", time.Date(2026, 1, day, 14, 10+m, 0, 0, time.UTC)))
		}
	}
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(evs...))
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestStaffingPlanOverHTTP(t *testing.T) {
	t.Parallel()
	f := staffingFixture(t)
	planner, merch, s2 := f.token(ss.RolePlanner), f.token(ss.RoleMerchandiser), f.token(ss.RoleOps, "S2")

	// Policy: bad values name their field; the default policy is read back.
	bad := map[string]any{"incidents_per_staffer": 2, "min_staff": 5, "max_staff": 4, "shift_rules": map[string]int{"min_hours": 4, "max_hours": 8},
		"hourly_cost": 15, "handle_seconds": 120, "service_level": 0.8, "answer_seconds": 60}
	if r := f.do("PUT", "/api/v1/stores/S1/staffing-policy", planner, bad); r.Status != 422 || r.errField() != "min_staff" {
		t.Fatalf("bad policy: %d %s", r.Status, r.Raw)
	}
	bad["min_staff"], bad["colour"] = 1, "red"
	if r := f.do("PUT", "/api/v1/stores/S1/staffing-policy", planner, bad); r.Status != 422 || r.errField() != "colour" {
		t.Fatalf("unknown field: %d %s", r.Status, r.Raw)
	}
	delete(bad, "colour")
	f.mustStatus(http.StatusForbidden, "PUT", "/api/v1/stores/S1/staffing-policy", merch, bad)
	f.mustStatus(200, "PUT", "/api/v1/stores/S1/staffing-policy", planner, bad)
	if r := f.mustStatus(200, "GET", "/api/v1/stores/S1/staffing-policy", merch, nil); r.Body["max_staff"] != 4.0 {
		t.Fatalf("policy read back: %s", r.Raw)
	}

	f.mustStatus(http.StatusForbidden, "POST", "/api/v1/stores/S1/staffing-plans?week=2026-01-19", merch, nil)
	if r := f.do("POST", "/api/v1/stores/S1/staffing-plans?week=19-01-2026", planner, nil); r.Status != 422 || r.errField() != "week" {
		t.Fatalf("bad week: %d %s", r.Status, r.Raw)
	}
	// Any day of the week names it. Monday 14:00 forecasts 3 events (both
	// weeks had 3), so 2 staff at 2 incidents each; every other open hour
	// needs the minimum 1. Monday's 15 staff-hours are met exactly by
	// 08–15 and 14–22; Sunday 10–16 is one 6-hour shift. Alerts: 3 an hour
	// of 120 s is 0.1 erlang, and one operator answers 1 − 0.1·e^(−0.45) =
	// 93.6% within 60 s, so one operator on a 4-hour shift; 25 paid hours
	// at 15 are 375.
	r := f.mustStatus(201, "POST", "/api/v1/stores/S1/staffing-plans?week=2026-01-21", planner, nil)
	if r.Body["week"] != "2026-01-19" || r.Body["paid_hours"] != 25.0 || r.Body["cost"] != 375.0 {
		t.Fatalf("plan: week %v paid %v cost %v", r.Body["week"], r.Body["paid_hours"], r.Body["cost"])
	}

	// CSV: one row per shift, local times.
	r = f.mustStatus(200, "GET", "/api/v1/stores/S1/staffing-plans/2026-01-19?format=csv", planner, nil)
	rows, err := csv.NewReader(bytes.NewReader(r.Raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"S1,2026-01-19,08:00,15:00,7,1,loss_prevention": true, "S1,2026-01-19,14:00,22:00,8,1,loss_prevention": true,
		"S1,2026-01-25,10:00,16:00,6,1,loss_prevention": true,
	}
	if strings.Join(rows[0], ",") != "store,day,start,end,hours,headcount,role" {
		t.Errorf("header %v", rows[0])
	}
	operators := 0
	for _, row := range rows[1:] {
		line := strings.Join(row, ",")
		if row[6] == "soc_operator" {
			operators += 4
			if row[4] != "4" || row[1] != "2026-01-19" {
				t.Errorf("operator shift %s", line)
			}
			continue
		}
		if !want[line] {
			t.Errorf("unexpected shift %s", line)
		}
		delete(want, line)
	}
	if len(want) != 0 || operators != 4 {
		t.Errorf("missing shifts %v, operator hours %d", want, operators)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "S1-2026-01-19.csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	r = f.mustStatus(200, "GET", "/api/v1/stores/S1/staffing-plans/2026-01-19?format=csv&part=hourly", planner, nil)
	if !strings.Contains(string(r.Raw), "\nS1,2026-01-19,14:00,true,3,3,37.50,2,2,0,0.00,1,GBP\n") {
		t.Errorf("hourly CSV lacks Monday 14:00:\n%.600s", r.Raw)
	}

	// XLSX: two sheets, frozen header, numbers as numbers.
	r = f.mustStatus(200, "GET", "/api/v1/stores/S1/staffing-plans/2026-01-19?format=xlsx", planner, nil)
	checkPlanXLSX(t, r.Raw)

	// The estate zip holds S1's workbook; a token scoped to S2 sees no S1 plan.
	r = f.mustStatus(200, "GET", "/api/v1/staffing-plans/2026-01-19", planner, nil)
	z, err := zip.NewReader(bytes.NewReader(r.Raw), int64(len(r.Raw)))
	if err != nil || len(z.File) != 1 || z.File[0].Name != "S1-2026-01-19.xlsx" {
		t.Fatalf("zip: %v %v", err, z)
	}
	f.mustStatus(404, "GET", "/api/v1/stores/S1/staffing-plans/2026-01-19", s2, nil)
	f.mustStatus(404, "GET", "/api/v1/staffing-plans/2026-01-19", s2, nil)
	f.mustStatus(404, "GET", "/api/v1/stores/S1/staffing-plans/2026-02-02", planner, nil)

	// The SOC serving S1 and S2 sees S1's 3 alerts at 14:00 UTC.
	r = f.mustStatus(200, "GET", "/api/v1/soc-staffing?stores=S1,S2&week=2026-01-19", planner, nil)
	if r.Body["peak_operators"] != 1.0 || r.Body["operator_hours"] != 1.0 {
		t.Errorf("SOC staffing: %.400s", r.Raw)
	}
	if r := f.do("GET", "/api/v1/soc-staffing?stores=S1&week=2026-01-19&service_level=1.5", planner, nil); r.Status != 422 || r.errField() != "service_level" {
		t.Errorf("bad service level: %d %s", r.Status, r.Raw)
	}
}

func checkPlanXLSX(t *testing.T, raw []byte) {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != 2 || got[0] != "Shifts" || got[1] != "Hourly" {
		t.Fatalf("sheets %v", got)
	}
	for _, sh := range []string{"Shifts", "Hourly"} {
		p, err := x.GetPanes(sh)
		if err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("%s: header not frozen: %+v %v", sh, p, err)
		}
	}
	rows, _ := x.GetRows("Hourly")
	if len(rows) != 169 || rows[0][4] != "forecast_events" {
		t.Fatalf("Hourly: %d rows, header %v", len(rows), rows[0])
	}
	// Monday 14:00 is the 15th hour of the week: row 16.
	if got := strings.Join(rows[15][:10], ","); got != "S1,2026-01-19,14:00,true,3,3,37.5,2,2,0" {
		t.Errorf("Hourly Monday 14:00: %s", got)
	}
	if typ, _ := x.GetCellType("Hourly", "E16"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("forecast_events is stored as %v, not a number", typ)
	}
	if w, _ := x.GetColWidth("Hourly", "E"); w < float64(len("forecast_events")) {
		t.Errorf("column E is %v wide", w)
	}
	shifts, _ := x.GetRows("Shifts")
	if len(shifts) < 4 || shifts[1][2] == "" {
		t.Errorf("Shifts: %v", shifts)
	}
}

func TestStaffingWhatIfsOverHTTP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ops := f.token(ss.RoleOps)
	body := map[string]any{
		"opening_hours": map[string][]string{"2026-06-01": {"08:00", "22:00"}},
		"requirements":  []map[string]any{{"day": "2026-06-01", "hour": 8, "required": 2}, {"day": "2026-06-01", "hour": 9, "required": 1}},
		"shift_rules":   map[string]int{"min_hours": 4, "max_hours": 8},
	}
	r := f.mustStatus(200, "POST", "/api/v1/staffing/solve", ops, body)
	// 2 at 08:00 and 1 at 09:00: two 4-hour shifts from 08:00.
	shifts, _ := r.Body["shifts"].([]any)
	if r.Body["paid_hours"] != 8.0 || len(shifts) != 1 || shifts[0].(map[string]any)["headcount"] != 2.0 {
		t.Errorf("solve: %s", r.Raw)
	}
	body["requirements"] = []map[string]any{{"day": "2026-06-01", "hour": 23, "required": 1}}
	if r := f.do("POST", "/api/v1/staffing/solve", ops, body); r.Status != 422 || r.errField() != "requirements[0].hour" {
		t.Errorf("hour outside: %d %s", r.Status, r.Raw)
	}
	body["shift_rules"] = map[string]int{"min_hours": 4, "max_hours": 8, "break": 1}
	if r := f.do("POST", "/api/v1/staffing/solve", ops, body); r.Status != 422 || !strings.HasSuffix(r.errField(), "break") {
		t.Errorf("unknown field: %d %s", r.Status, r.Raw)
	}
	r = f.mustStatus(200, "POST", "/api/v1/staffing/erlang", ops, map[string]any{
		"alerts_per_hour": 200, "handle_seconds": 180, "service_level": 0.8, "answer_seconds": 20})
	if r.Body["operators"] != 14.0 {
		t.Errorf("erlang: %s", r.Raw)
	}
	if r := f.do("POST", "/api/v1/staffing/erlang", ops, map[string]any{"alerts_per_hour": -1, "handle_seconds": 180, "service_level": 0.8}); r.Status != 422 || r.errField() != "alerts_per_hour" {
		t.Errorf("negative alerts: %d %s", r.Status, r.Raw)
	}
}
