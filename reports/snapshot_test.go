package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/workforce"
)

// A demo store's weekly report is written once, never changes after later
// corrections, and opens in headless Chromium with the network off with
// every chart drawn.
func TestWeeklyReportOffline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Date(2026, 4, 13, 0, 0, 0, 0, time.UTC) // a Monday
	est := estate.New(estate.Config{Seed: 3, Stores: 2, Days: 21, End: end})
	if _, err := app.LoadEstate(ctx, pool, est, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := kpi.NewRollups(pool).Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// A monthly target: the report's week of April is 7/30 of it, 70.
	if err := kpi.NewKPIs(pool).SetTarget(ctx, &kpi.Target{KPI: "est_loss", Op: "<=", Value: 300, Period: kpi.PeriodMonth, SetBy: "ops"}); err != nil {
		t.Fatal(err)
	}
	rep := reports.NewReports(pool, kpi.NewKPIs(pool), layout.New(pool))
	week := end.AddDate(0, 0, -7)
	if n, err := rep.WriteWeek(ctx, week); err != nil || n != 3 {
		t.Fatalf("wrote %d reports (want 2 stores + estate): %v", n, err)
	}
	if n, err := rep.WriteWeek(ctx, week); err != nil || n != 0 {
		t.Errorf("second write: %d %v, want none", n, err)
	}
	code := est.Stores[0].Code
	list, err := rep.List(ctx, code)
	if err != nil || len(list) != 1 || list[0].WeekStr != "2026-04-06" {
		t.Fatalf("list %+v %v", list, err)
	}
	gotCode, html, err := rep.Document(ctx, list[0].ID)
	if err != nil || gotCode != code {
		t.Fatal(gotCode, err)
	}
	if !bytes.Contains(html, []byte("&lt;= 300.00 a month (70.00 over 7 days)")) {
		t.Error("the report does not state the monthly target scaled to its week")
	}
	// Later corrections do not change what was reported.
	if _, err := pool.Exec(ctx, `DELETE FROM outcomes`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE report_snapshots SET html = ''`); err == nil {
		t.Error("a snapshot was changed")
	}
	if _, again, _ := rep.Document(ctx, list[0].ID); !bytes.Equal(again, html) {
		t.Error("the document changed")
	}
	for _, bad := range []string{"src=\"http", "href=\"http", "src=\"//", "cdn"} {
		if bytes.Contains(bytes.ToLower(html), []byte(bad)) {
			t.Errorf("document refers outside itself: %q", bad)
		}
	}
	if n := bytes.Count(html, []byte(`class="item"`)); n != 4 {
		t.Errorf("%d charts in a store report, want 4", n)
	}
	drawn := render(t, html)
	if len(drawn) != 4 {
		t.Fatalf("charts drawn %v, want 4", drawn)
	}
	for i, px := range drawn {
		if px < 500 {
			t.Errorf("chart %d has %d painted pixels", i, px)
		}
	}
}

// render opens html in headless Chromium with every network request
// refused, and returns the painted pixels of each chart.
func render(t *testing.T, html []byte) []int {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (make test installs it)")
	}
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, html, 0o600); err != nil {
		t.Fatal(err)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Flag("headless", true),
		// No name resolves: nothing outside the file can load.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"))...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(bctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatal(err)
	}
	resources, err := chromedp.Run(bctx, chromedp.Evaluate[int](`performance.getEntriesByType('resource').length`))
	if err != nil {
		t.Fatal(err)
	}
	px, err := chromedp.Run(bctx, chromedp.Evaluate[[]int](`Array.from(document.querySelectorAll('.item')).map(item => {
		let n = 0;
		for (const c of item.querySelectorAll('canvas')) {
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
		}
		return n; })`))
	if err != nil {
		t.Fatal(err)
	}
	if resources != 0 {
		t.Errorf("the report loaded %d resources", resources)
	}
	return px
}

// A store report carries the sections whose data exists: the open
// recommendations as layout lists them, the evaluations completed with
// their rate ratio, and the week's staffing plan; hostile text is escaped.
func TestStoreReportSections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Date(2026, 4, 13, 0, 0, 0, 0, time.UTC) // a Monday
	est := estate.New(estate.Config{Seed: 3, Stores: 1, Days: 28, End: end})
	if _, err := app.LoadEstate(ctx, pool, est, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := kpi.NewRollups(pool).Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	lay, kpis := layout.New(pool), kpi.NewKPIs(pool)
	code := est.Stores[0].Code
	zones, err := lay.Zones(ctx, code)
	if err != nil || len(zones) < 2 {
		t.Fatalf("zones %v %v", zones, err)
	}
	seven, none := 7, 0
	if _, err := lay.CreateChange(ctx, code, "test", layout.ChangeInput{Zones: []string{zones[0].Code}, ImplementedAt: "2026-03-30",
		Kind: "protective_fixtures", Description: "<b>cases</b> on the end bay", BeforeDays: &seven, AfterDays: &seven, GapDays: &none}); err != nil {
		t.Fatal(err)
	}
	if _, err := lay.EvaluateDue(ctx); err != nil {
		t.Fatal(err)
	}
	staff := workforce.New(pool, lay, kpis)
	week := end.AddDate(0, 0, -7)
	plan, err := staff.MakePlan(ctx, code, week, "test")
	if err != nil {
		t.Fatal(err)
	}
	rep := reports.NewReports(pool, kpis, lay)
	rep.SetWorkforce(staff)
	if _, err := rep.WriteWeek(ctx, week); err != nil {
		t.Fatal(err)
	}
	list, err := rep.List(ctx, code)
	if err != nil || len(list) != 1 {
		t.Fatalf("list %+v %v", list, err)
	}
	_, html, err := rep.Document(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(html)
	changes, err := lay.Changes(ctx, code)
	if err != nil || len(changes) == 0 || changes[0].Verdict == nil {
		t.Fatalf("changes %+v %v", changes, err)
	}
	ev, err := lay.Evaluation(ctx, changes[0].ID)
	if err != nil || ev.RateRatio == nil {
		t.Fatalf("evaluation %+v %v", ev, err)
	}
	for _, want := range []string{"<h2>Evaluations completed</h2>", ev.Verdict, fmt.Sprintf("%.2f (%.2f–%.2f)", *ev.RateRatio, *ev.CILow, *ev.CIHigh),
		"<td>" + stats.FormatSignificant(*ev.PValue, 3) + "</td>",
		"&lt;b&gt;cases&lt;/b&gt; on the end bay", "<h2>Staffing plan</h2>", fmt.Sprintf("%d paid hours", plan.PaidHours)} {
		if !strings.Contains(doc, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	recs, err := lay.Recommendations(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, r := range recs {
		if r.Status == "proposed" || r.Status == "accepted" {
			open++
		}
	}
	if got := strings.Contains(doc, "<h2>Open layout recommendations</h2>"); got != (open > 0) {
		t.Errorf("recommendations section shown %v with %d open", got, open)
	}
}

// The weekly reports read as a person reads: KPI labels (not API names),
// rates as percentages, thousands separators, store names beside codes.
func TestWeeklyReportReadsForPeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Date(2026, 4, 13, 0, 0, 0, 0, time.UTC) // a Monday
	est := estate.New(estate.Config{Seed: 5, Stores: 3, Days: 14, End: end})
	if _, err := app.LoadEstate(ctx, pool, est, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := kpi.NewRollups(pool).Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	kpis := kpi.NewKPIs(pool)
	if err := app.LoadRates(ctx, kpis, est); err != nil { // its stores price in pounds, dollars and euros
		t.Fatal(err)
	}
	rep := reports.NewReports(pool, kpis, layout.New(pool))
	week := end.AddDate(0, 0, -7)
	if _, err := rep.WriteWeek(ctx, week); err != nil {
		t.Fatal(err)
	}
	list, err := rep.List(ctx, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("estate reports %+v %v", list, err)
	}
	_, raw, err := rep.Document(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	rows, err := kpis.Get(ctx, kpi.Query{From: week, To: week.AddDate(0, 0, 6), Dates: true, By: kpi.ByEstate})
	if err != nil || len(rows) != 1 {
		t.Fatalf("estate KPIs %v %v", rows, err)
	}
	f := rows[0].Figures
	if f.EstLoss < 1000 || f.RecoveryRate == nil {
		t.Fatalf("the estate's week lost %v (recovery %v): too little to show separators and percentages", f.EstLoss, f.RecoveryRate)
	}
	kpiRow := func(label, value string) string { return "<tr><td>" + label + "</td><td>" + value + "</td>" }
	for _, want := range []string{
		kpiRow("Events", thousands(strconv.FormatInt(f.Events, 10))),
		kpiRow("Estimated loss (GBP)", thousands(fmt.Sprintf("%.2f", f.EstLoss))),
		kpiRow("Recovered by intervention (GBP)", thousands(fmt.Sprintf("%.2f", f.RecoveredByIntervention))),
		kpiRow("Paid unprompted (GBP)", thousands(fmt.Sprintf("%.2f", f.PaidUnprompted))),
		kpiRow("Recovery rate", fmt.Sprintf("%.1f%%", 100**f.RecoveryRate)),
		kpiRow("Rate per 1,000 visitors", fmt.Sprintf("%.2f", *f.RatePer1k)),
		"written " + time.Now().UTC().Format("2 January 2006"),
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the estate report lacks %q", want)
		}
	}
	for _, name := range []string{">est_loss<", ">rate_per_1k<", ">recovery_rate<", ">recovered_value<"} {
		if strings.Contains(doc, name) {
			t.Errorf("the estate report shows the API name %s", name)
		}
	}
	for _, s := range est.Stores {
		if want := "<td>" + template.HTMLEscapeString(s.Name) + ` <span class="code">` + s.Code + "</span></td>"; !strings.Contains(doc, want) {
			t.Errorf("the estate report's stores lack %q", want)
		}
	}
}

// thousands puts a comma between each group of three digits of a number's
// whole part, counting from the decimal point.
func thousands(s string) string {
	whole, frac, ok := strings.Cut(s, ".")
	var groups []string
	for len(whole) > 3 {
		groups = append([]string{whole[len(whole)-3:]}, groups...)
		whole = whole[:len(whole)-3]
	}
	out := strings.Join(append([]string{whole}, groups...), ",")
	if ok {
		out += "." + frac
	}
	return out
}
