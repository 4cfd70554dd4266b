package web_test

import (
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// checkJobsAndReports runs the reports job from the jobs page as admin: the
// page's schedule and history must be the API's, and the snapshots the run
// wrote must be listed on the reports page, and open.
func (p *pageFixture) checkJobsAndReports(codes []string) {
	t := p.t
	p.open("/reports")
	if n := eval[int](p, `document.querySelectorAll('#no-reports').length`); n != 1 {
		t.Errorf("before the reports job ran, the reports page shows %d 'no reports' notes", n)
	}
	p.open("/jobs")
	if got := eval[string](p, `document.querySelector('#job-reports .last').textContent`); got != "never" {
		t.Errorf("reports job's last run before any: %q", got)
	}
	jobs := p.mustStatus(200, "GET", "/api/v1/jobs", p.admin, nil).Body["jobs"].([]any)
	next, _ := time.Parse(time.RFC3339, jobs[0].(map[string]any)["next_run"].(string))
	if got := eval[string](p, `document.querySelector('#job-reports .next').textContent`); got != next.UTC().Format("2006-01-02 15:04")+" UTC" {
		t.Errorf("next run on the page %q, the API's %s", got, next)
	}
	if next.Weekday() != time.Monday || next.Hour() != 6 || next.Minute() != 0 || time.Until(next) > 7*24*time.Hour || time.Until(next) < 0 {
		t.Errorf("next run of 0 6 * * 1 is %s", next)
	}
	p.do("run now", chromedp.Click(chromedp.CSS(`#job-reports form.run-now button`)), chromedp.WaitVisible(chromedp.CSS(`#job-reports .run-status .status`)))
	runs := p.mustStatus(200, "GET", "/api/v1/jobs/reports/runs", p.admin, nil).Body["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("after run now the API lists %d runs, want 1", len(runs))
	}
	run := runs[0].(map[string]any)
	if run["status"] != "ok" || run["trigger"] != "manual" {
		t.Errorf("run now's run: %v", run)
	}
	if got := eval[string](p, `document.querySelector('#job-reports .run-status').textContent`); got != "ok" {
		t.Errorf("reports job's status on the page %q, the API's %v", got, run["status"])
	}
	if got := eval[string](p, `document.querySelector('table.runs[data-job=reports] tbody tr td:nth-child(6)').textContent`); number(t, got) != run["rows"].(float64) {
		t.Errorf("history rows %q, the API's %v", got, run["rows"])
	}
	// Written: the estate's report and one per store (3 stores).
	want := len(p.mustStatus(200, "GET", "/api/v1/reports", p.admin, nil).Body["reports"].([]any))
	for _, c := range codes {
		want += len(p.mustStatus(200, "GET", "/api/v1/stores/"+c+"/reports", p.admin, nil).Body["reports"].([]any))
	}
	if want != len(codes)+1 || run["rows"].(float64) != float64(want) {
		t.Errorf("the reports job wrote %d snapshots (run rows %v), want %d", want, run["rows"], len(codes)+1)
	}
	p.open("/reports")
	if n := eval[int](p, `document.querySelectorAll('#reports tbody tr[data-report]').length`); n != want {
		t.Errorf("reports page lists %d snapshots, the API %d", n, want)
	}
	doc := eval[string](p, `fetch(document.querySelector('#reports a.open').href).then(r => r.status + ' ' + r.headers.get('content-type') + ' ' + (r.ok ? 'ok' : ''))`, chromedp.EvalAwaitPromise)
	if !strings.HasPrefix(doc, "200 text/html") {
		t.Errorf("opening a report: %s", doc)
	}
	if got := eval[string](p, `document.querySelector('#reports td[data-label=Written]').textContent`); !strings.HasSuffix(got, " UTC") {
		t.Errorf("a report's time %q does not say its zone", got)
	}
	if n := eval[int](p, `document.querySelectorAll('#reports a.download[download]').length`); n != want {
		t.Errorf("%d download links for %d reports", n, want)
	}
	// The snapshot itself, opened: its policy names its inline scripts by
	// hash, and under it ECharts still draws every chart (a canvas in each).
	href := eval[string](p, `document.querySelector('#reports a.open').href`)
	p.do("open a report", chromedp.Navigate(href), chromedp.WaitReady(chromedp.CSS("body")))
	charts := eval[int](p, `document.querySelectorAll('div.item[id]').length`)
	drawn := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if drawn = eval[int](p, `[...document.querySelectorAll('div[_echarts_instance_]')].filter(d => d.querySelector('canvas')).length`); drawn > 0 && drawn >= charts {
			break
		}
	}
	if charts == 0 || drawn < charts {
		t.Errorf("the report drew %d charts of %d under its policy", drawn, charts)
	}
	if ok := eval[bool](p, `typeof echarts === 'object'`); !ok {
		t.Error("ECharts did not run in the report")
	}
}

// checkJobsViewOnly: ops sees the jobs page without "run now" and is
// refused when posting it.
func (p *pageFixture) checkJobsViewOnly() {
	t := p.t
	p.open("/jobs")
	if n := eval[int](p, `document.querySelectorAll('#jobs tbody tr[data-job]').length`); n != 1 {
		t.Errorf("ops's jobs page lists %d jobs, want 1", n)
	}
	if n := eval[int](p, `document.querySelectorAll('form.run-now').length`); n != 0 {
		t.Error("ops sees run-now buttons")
	}
	status := eval[int](p, `fetch('/jobs/reports/run', {method: 'POST', body: new URLSearchParams({
		csrf: document.querySelector('input[name=csrf]').value})}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 403 {
		t.Errorf("ops posting run now: %d, want 403", status)
	}
}
