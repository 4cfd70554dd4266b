package web_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	ss "github.com/shrinkscope/shrinkscope"
)

// thisWeek is the Monday of the current UTC week, as the staffing page names weeks.
func thisWeek() string {
	d := time.Now().UTC()
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)).Format(time.DateOnly)
}

// socStore is a SOC-led store of the estate, or the first store.
func (p *pageFixture) socStore() string {
	for _, s := range p.est.Stores {
		if s.OperatingModel == ss.ModelSOC {
			return s.Code
		}
	}
	return p.est.Stores[0].Code
}

// checkStaffingBuild builds a plan with the staffing page's form as a
// planner; the page's figures must then be the API's plan, its chart must
// have drawn and its downloads must answer.
func (p *pageFixture) checkStaffingBuild(code string) {
	t, week := p.t, thisWeek()
	path := "/staffing?store=" + code + "&week=" + week
	p.open(path)
	if n := eval[int](p, `document.querySelectorAll('#no-plan').length`); n != 1 {
		t.Errorf("before any plan the staffing page shows %d 'no plan' notes", n)
	}
	p.do("build plan", chromedp.Click(chromedp.CSS(`#build-plan button`)), chromedp.WaitVisible(chromedp.ID("plan-totals")))
	pl := p.mustStatus(200, "GET", "/api/v1/stores/"+code+"/staffing-plans/"+week, p.admin, nil).Body
	hours, shifts := pl["hours"].([]any), pl["shifts"].([]any)
	var req, sched, short float64
	for _, h := range hours {
		m := h.(map[string]any)
		req, sched, short = req+m["required"].(float64), sched+m["scheduled"].(float64), short+m["short"].(float64)
	}
	card := func(k string) float64 {
		return number(t, eval[string](p, `document.querySelector('#plan-totals [data-kpi=`+k+`] .value').textContent`))
	}
	for k, want := range map[string]float64{"paid_hours": pl["paid_hours"].(float64), "cost": pl["cost"].(float64),
		"uncovered_loss": pl["uncovered_loss"].(float64), "required": req, "scheduled": sched, "short": short} {
		if got := card(k); !near(got, want, 0.006) {
			t.Errorf("staffing card %s = %v, the API's plan %v", k, got, want)
		}
	}
	if req == 0 {
		t.Error("the plan requires no staff all week: the page check proves little")
	}
	if n := eval[int](p, `document.querySelectorAll('#hours tbody tr').length`); n != len(hours) {
		t.Errorf("hours table has %d rows, the plan %d hours", n, len(hours))
	}
	// Local hours say their zone: the header names it, each hour its offset,
	// the same instant as the API's start.
	st := p.mustStatus(200, "GET", "/api/v1/stores/"+code, p.admin, nil).Body
	if th := eval[string](p, `document.querySelectorAll('#hours thead th')[1].textContent`); th != "Hour ("+st["timezone"].(string)+")" {
		t.Errorf("hours table header %q, want the store's time zone %s", th, st["timezone"])
	}
	first := hours[0].(map[string]any)
	start, _ := time.Parse(time.RFC3339, first["start"].(string))
	loc, _ := time.LoadLocation(st["timezone"].(string))
	if got, want := eval[string](p, `document.querySelector('#hours tbody tr td:nth-child(2)').textContent`), start.In(loc).Format("15:04 -07:00"); got != want {
		t.Errorf("first hour reads %q, want %q", got, want)
	}
	pageSum := eval[float64](p, `[...document.querySelectorAll('#hours td[data-col=scheduled]')].reduce((a, td) => a + Number(td.textContent), 0)`)
	if pageSum != sched {
		t.Errorf("hours table schedules %v staff-hours, the API %v", pageSum, sched)
	}
	if n := eval[int](p, `document.querySelectorAll('#shifts tbody tr').length`); n != max(len(shifts), 1) {
		t.Errorf("shift list has %d rows, the plan %d shifts", n, len(shifts))
	}
	if n := eval[int](p, `document.querySelectorAll('#staffing-chart canvas').length`); n == 0 {
		t.Error("the staffing chart drew no canvas")
	}
	p.inked("#staffing-chart")
	for _, dl := range []struct{ id, ctype string }{{"dl-csv", "text/csv"}, {"dl-xlsx", "spreadsheetml"}, {"dl-zip", "application/zip"}} {
		got := eval[string](p, `fetch(document.getElementById('`+dl.id+`').href).then(r => r.status + ' ' + r.headers.get('content-type'))`, chromedp.EvalAwaitPromise)
		if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, dl.ctype) {
			t.Errorf("download %s: %s, want 200 %s", dl.id, got, dl.ctype)
		}
	}
	csv := eval[string](p, `fetch(document.getElementById('dl-csv').href).then(r => r.text())`, chromedp.EvalAwaitPromise)
	if lines := strings.Count(strings.TrimSpace(csv), "\n"); lines != len(shifts) {
		t.Errorf("the shifts CSV has %d data lines, the plan %d shifts", lines, len(shifts))
	}
	if isSOC(p, code) {
		// Paid hours read as floor + operators.
		want := fmt.Sprintf("%v floor + %v SOC operators", pl["floor_paid_hours"], pl["operator_paid_hours"])
		if got := strings.ReplaceAll(eval[string](p, `document.getElementById('paid-split').textContent`), ",", ""); got != want {
			t.Errorf("paid hours split %q, want %q", got, want)
		}
		soc := p.mustStatus(200, "GET", "/api/v1/soc-staffing?stores="+code+"&week="+week, p.admin, nil).Body
		for _, k := range []string{"peak_operators", "operator_hours"} {
			got := number(t, eval[string](p, `document.querySelector('#soc [data-kpi=`+k+`] .value').textContent`))
			if got != soc[k].(float64) {
				t.Errorf("SOC %s on the page %v, the API %v", k, got, soc[k])
			}
		}
	}
}

func isSOC(p *pageFixture, code string) bool {
	for _, s := range p.est.Stores {
		if s.Code == code {
			return s.OperatingModel == ss.ModelSOC
		}
	}
	return false
}

// checkStaffingViewOnly: ops sees the staffing page without the build form
// and is refused when posting it.
func (p *pageFixture) checkStaffingViewOnly(code string) {
	t := p.t
	p.open("/staffing?store=" + code + "&week=" + thisWeek())
	if n := eval[int](p, `document.querySelectorAll('#build-plan').length`); n != 0 {
		t.Error("ops sees the build-plan form")
	}
	if n := eval[int](p, `document.querySelectorAll('#staffing-picker').length`); n != 1 {
		t.Error("ops's staffing page has no store and week picker")
	}
	status := eval[int](p, `fetch('/staffing/plan', {method: 'POST', body: new URLSearchParams({
		csrf: document.querySelector('input[name=csrf]').value, store: '`+code+`', week: '`+thisWeek()+`'})}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 403 {
		t.Errorf("ops posting the build-plan form: %d, want 403", status)
	}
}
