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
	// 93.6% within 60 s (the policy's own SOC targets), so one operator
	// needed in that one hour, on a 4-hour shift. 21 floor hours at the
	// policy's 15 are 315; 4 operator hours at the configured operator
	// rate, 20, are 80: 395.
	r := f.mustStatus(201, "POST", "/api/v1/stores/S1/staffing-plans?week=2026-01-21", planner, nil)
	if r.Body["week"] != "2026-01-19" || r.Body["paid_hours"] != 25.0 || r.Body["floor_paid_hours"] != 21.0 || r.Body["operator_paid_hours"] != 4.0 ||
		r.Body["operator_hours_needed"] != 1.0 || r.Body["floor_cost"] != 315.0 || r.Body["operator_cost"] != 80.0 || r.Body["cost"] != 395.0 {
		t.Fatalf("plan: %.300s", r.Raw)
	}
	if soc := r.Body["soc"].(map[string]any); soc["handle_seconds"] != 120.0 || soc["service_level"] != 0.8 || soc["answer_seconds"] != 60.0 || soc["operator_hourly"] != 20.0 {
		t.Errorf("plan's SOC definition %v", soc)
	}

	// CSV: one row per shift, local times.
	r = f.mustStatus(200, "GET", "/api/v1/stores/S1/staffing-plans/2026-01-19?format=csv", planner, nil)
	rows, err := csv.NewReader(bytes.NewReader(r.Raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"S1,2026-01-19,08:00,+00:00,15:00,7,1,7,loss_prevention": true, "S1,2026-01-19,14:00,+00:00,22:00,8,1,8,loss_prevention": true,
		"S1,2026-01-25,10:00,+00:00,16:00,6,1,6,loss_prevention": true,
	}
	if strings.Join(rows[0], ",") != "store,day,start,utc_offset,end,hours,headcount,paid_hours,role" {
		t.Errorf("header %v", rows[0])
	}
	operators := 0
	for _, row := range rows[1:] {
		line := strings.Join(row, ",")
		if row[8] == "soc_operator" {
			operators += 4
			if row[5] != "4" || row[7] != "4" || row[1] != "2026-01-19" {
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
	if !strings.Contains(string(r.Raw), "\nS1,2026-01-19,14:00,+00:00,true,3,3,37.50,2,2,0,0.00,1,GBP\n") {
		t.Errorf("hourly CSV lacks Monday 14:00:\n%.600s", r.Raw)
	}

	// XLSX: two sheets, frozen header, typed cells, totals; the workbook
	// is a zip too, its parts dated when it was made (the zip format keeps
	// whole seconds), not 1980.
	before := time.Now().Truncate(time.Second)
	r = f.mustStatus(200, "GET", "/api/v1/stores/S1/staffing-plans/2026-01-19?format=xlsx", planner, nil)
	checkPlanXLSX(t, r.Raw)
	// Under the time zone, the instant the plan's data is as of: the
	// response's Data-As-Of (here the primary answered: the request's time).
	asOf, err := time.Parse(time.RFC3339Nano, r.Header.Get("Data-As-Of"))
	if err != nil || asOf.Before(before) || asOf.After(time.Now()) {
		t.Errorf("Data-As-Of %q (%v), want the request's time", r.Header.Get("Data-As-Of"), err)
	}
	if x, err := excelize.OpenReader(bytes.NewReader(r.Raw)); err == nil {
		for _, sh := range []string{"Shifts", "Hourly"} {
			rows, _ := x.GetRows(sh)
			last := rows[len(rows)-1]
			if want := asOf.UTC().Format(time.RFC3339) + " (UTC"; len(last) < 2 || last[0] != "data as of" || !strings.HasPrefix(last[1], want) {
				t.Errorf("%s: last row %v, want data as of %s…", sh, last, want)
			}
		}
		x.Close()
	}
	book, err := zip.NewReader(bytes.NewReader(r.Raw), int64(len(r.Raw)))
	if err != nil || len(book.File) < 5 {
		t.Fatalf("workbook as a zip: %v %v", err, book)
	}
	for _, zf := range book.File {
		if m := zf.Modified; m.Before(before) || m.After(time.Now()) {
			t.Errorf("workbook part %s dated %v, want the time it was made", zf.Name, m)
		}
	}

	// The estate zip holds S1's workbook, dated when it was made; a token
	// scoped to S2 sees no S1 plan.
	r = f.mustStatus(200, "GET", "/api/v1/staffing-plans/2026-01-19", planner, nil)
	after := time.Now()
	z, err := zip.NewReader(bytes.NewReader(r.Raw), int64(len(r.Raw)))
	if err != nil || len(z.File) != 1 || z.File[0].Name != "S1-2026-01-19.xlsx" {
		t.Fatalf("zip: %v %v", err, z)
	}
	if m := z.File[0].Modified; m.Before(before) || m.After(after) {
		t.Errorf("zip entry dated %v, want the time it was made, between %v and %v", m, before, after)
	}
	r = f.mustStatus(200, "GET", "/api/v1/staffing-plans/2026-01-19?format=csv", planner, nil)
	z, err = zip.NewReader(bytes.NewReader(r.Raw), int64(len(r.Raw)))
	if err != nil || len(z.File) != 2 || z.File[0].Name != "S1-2026-01-19.csv" || z.File[1].Name != "S1-2026-01-19-hourly.csv" {
		t.Fatalf("csv zip: %v %v", err, z)
	}
	for _, zf := range z.File {
		if m := zf.Modified; m.Before(before) || m.After(time.Now()) {
			t.Errorf("zip entry %s dated %v, want the time it was made", zf.Name, m)
		}
	}
	f.mustStatus(404, "GET", "/api/v1/stores/S1/staffing-plans/2026-01-19", s2, nil)
	f.mustStatus(404, "GET", "/api/v1/staffing-plans/2026-01-19", s2, nil)
	f.mustStatus(404, "GET", "/api/v1/stores/S1/staffing-plans/2026-02-02", planner, nil)

	// S1's policy sets its own SOC targets, S2 has the configured ones: one
	// SOC has one target, so staffing them together needs it given.
	if r := f.do("GET", "/api/v1/soc-staffing?stores=S1,S2&week=2026-01-19", planner, nil); r.Status != 422 || r.errField() != "stores" {
		t.Errorf("stores with different SOC targets: %d %s", r.Status, r.Raw)
	}
	// The SOC serving S1 and S2 sees S1's 3 alerts at 14:00 UTC; both
	// stores pay the configured 20 an operator hour.
	r = f.mustStatus(200, "GET", "/api/v1/soc-staffing?stores=S1,S2&week=2026-01-19&handle_seconds=120&service_level=0.8&answer_seconds=60", planner, nil)
	if r.Body["peak_operators"] != 1.0 || r.Body["operator_hours"] != 1.0 || r.Body["operator_hourly"] != 20.0 || r.Body["cost"] != 20.0 {
		t.Errorf("SOC staffing: %.400s", r.Raw)
	}
	// S1 alone: its own definition, the plan's operator_hours_needed.
	if r := f.mustStatus(200, "GET", "/api/v1/soc-staffing?stores=S1&week=2026-01-19", planner, nil); r.Body["operator_hours"] != 1.0 || r.Body["handle_seconds"] != 120.0 {
		t.Errorf("SOC staffing of S1: %.400s", r.Raw)
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
	// 168 hours, then the totals row, a blank one, the time zone and the
	// data's as of.
	rows, _ := x.GetRows("Hourly")
	if len(rows) != 173 || rows[0][5] != "forecast_events" || rows[0][3] != "utc_offset" {
		t.Fatalf("Hourly: %d rows, header %v", len(rows), rows[0])
	}
	// Monday 14:00 is the 15th hour of the week: row 16, shown with its formats.
	if got := strings.Join(rows[15][:11], ","); got != "S1,2026-01-19,14:00,+00:00,TRUE,3,3,37.50,2,2,0" {
		t.Errorf("Hourly Monday 14:00: %s", got)
	}
	// The cells are typed: a date serial (2026-01-19 is day 46041 counted
	// from 1899-12-30), a time as a fraction of a day, a boolean, numbers.
	for _, c := range []struct {
		sheet, cell, raw, format string
		typ                      excelize.CellType
	}{
		{"Hourly", "B16", "46041", "yyyy-mm-dd", excelize.CellTypeUnset},
		{"Hourly", "C16", "0.583333333333333", "hh:mm", excelize.CellTypeUnset},
		{"Hourly", "E16", "1", "", excelize.CellTypeBool},
		{"Hourly", "F16", "3", "#,##0.##", excelize.CellTypeUnset},
		{"Hourly", "H16", "37.5", "#,##0.00", excelize.CellTypeUnset},
		{"Hourly", "I16", "2", "0", excelize.CellTypeUnset},
		{"Shifts", "B2", "46041", "yyyy-mm-dd", excelize.CellTypeUnset},
		{"Shifts", "C2", "0.333333333333333", "hh:mm", excelize.CellTypeUnset},
		{"Shifts", "F2", "7", "0", excelize.CellTypeUnset},
	} {
		typ, _ := x.GetCellType(c.sheet, c.cell)
		v, _ := x.GetCellValue(c.sheet, c.cell, excelize.Options{RawCellValue: true})
		if typ != c.typ || !strings.HasPrefix(v, c.raw) {
			t.Errorf("%s!%s: type %v value %q, want type %v value %s", c.sheet, c.cell, typ, v, c.typ, c.raw)
		}
		if got := cellFormat(t, x, c.sheet, c.cell); got != c.format {
			t.Errorf("%s!%s: number format %q, want %q", c.sheet, c.cell, got, c.format)
		}
	}
	// Totals, by hand: 14 open hours on Monday (one more staffer at 14:00)
	// and 6 on Sunday need 21 staff-hours, which the shifts 08–15, 14–22
	// and 10–16 schedule; 3 events forecast, 37.50 of loss, an operator at
	// 14:00.
	if got := strings.Join(rows[169][:13], ","); got != "Total,,,,,3,3,37.50,21,21,0,0.00,1" {
		t.Errorf("Hourly totals: %s", got)
	}
	if rows[171][0] != "time zone" || !strings.HasPrefix(rows[171][1], "Europe/London") {
		t.Errorf("Hourly time zone row: %v", rows[171])
	}
	if w, _ := x.GetColWidth("Hourly", "F"); w < float64(len("forecast_events")) {
		t.Errorf("column F is %v wide", w)
	}
	// Shifts: 08–15, 14–22, 10–16 and the operator's 4 hours: 25 paid.
	shifts, _ := x.GetRows("Shifts")
	if len(shifts) != 9 || shifts[1][2] == "" {
		t.Fatalf("Shifts: %v", shifts)
	}
	if got := strings.Join(shifts[5][:8], ","); got != "Total,,,,,,4,25" {
		t.Errorf("Shifts totals: %s", got)
	}
	if shifts[7][0] != "time zone" || !strings.HasPrefix(shifts[7][1], "Europe/London") {
		t.Errorf("Shifts time zone row: %v", shifts[7])
	}
}

// cellFormat is the custom number format of a cell's style, "" for none.
func cellFormat(t *testing.T, x *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := x.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := x.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
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

// A planner opening the hourly CSV of a week with a DST change in London
// (Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST; Sunday 25 October:
// 02:00 BST becomes 01:00 GMT) finds every real hour once, with the offset
// that tells the autumn's two 01:00s apart.
func TestStaffingPlanCSVAcrossDST(t *testing.T) {
	t.Parallel()
	f := staffingFixture(t)
	planner := f.token(ss.RolePlanner)
	for _, wk := range []struct {
		week   string
		hours  int
		sunday []string // the Sunday's first hours: hour and offset
	}{
		{"2026-03-23", 167, []string{"00:00+00:00", "02:00+01:00", "03:00+01:00"}},
		{"2026-10-19", 169, []string{"00:00+01:00", "01:00+01:00", "01:00+00:00", "02:00+00:00"}},
	} {
		f.mustStatus(201, "POST", "/api/v1/stores/S1/staffing-plans?week="+wk.week, planner, nil)
		r := f.mustStatus(200, "GET", "/api/v1/stores/S1/staffing-plans/"+wk.week+"?format=csv&part=hourly", planner, nil)
		rows, err := csv.NewReader(bytes.NewReader(r.Raw)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != wk.hours+1 || rows[0][3] != "utc_offset" {
			t.Fatalf("week %s: %d rows (want %d hours and a header), header %v", wk.week, len(rows), wk.hours, rows[0])
		}
		// Read as instants, the rows are the week's hours one after another.
		monday, _ := time.Parse(time.DateOnly, wk.week)
		var want time.Time
		seen := map[string]bool{}
		var sunday []string
		for i, row := range rows[1:] {
			at, err := time.Parse("2006-01-02 15:04 -07:00", row[1]+" "+row[2]+" "+row[3])
			if err != nil {
				t.Fatalf("week %s row %d: %v", wk.week, i+1, err)
			}
			if i == 0 {
				want = at // Monday 00:00 local, whatever its offset
				if row[1] != wk.week || row[2] != "00:00" {
					t.Errorf("week %s starts at %s %s", wk.week, row[1], row[2])
				}
			}
			if !at.Equal(want) {
				t.Errorf("week %s row %d is %v, want the hour after the last, %v", wk.week, i+1, at, want)
			}
			want = at.Add(time.Hour)
			key := row[1] + " " + row[2] + row[3]
			if seen[key] {
				t.Errorf("week %s: %s twice", wk.week, key)
			}
			seen[key] = true
			if row[1] == monday.AddDate(0, 0, 6).Format(time.DateOnly) && len(sunday) < len(wk.sunday) {
				sunday = append(sunday, row[2]+row[3])
			}
		}
		if strings.Join(sunday, " ") != strings.Join(wk.sunday, " ") {
			t.Errorf("week %s Sunday starts %v, want %v", wk.week, sunday, wk.sunday)
		}
	}
}
