package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/layout"
)

// One browser walks every page as each role: the figures it reads must be
// the API's, the charts must have drawn, the forms must work and be safe,
// and no request may leave localhost.
func TestPagesInBrowser(t *testing.T) {
	t.Parallel()
	p := pageSetup(t)
	var codes []string
	for _, s := range p.est.Stores {
		codes = append(codes, s.Code)
	}
	// A store name that would run script if it were not escaped.
	evil := `<img src=x onerror="document.title='pwned'"> & Co`
	st := p.mustStatus(200, "GET", "/api/v1/stores/"+codes[0], p.admin, nil).Body
	st["name"] = evil
	p.mustStatus(200, "PUT", "/api/v1/stores/"+codes[0], p.admin, st)

	if got := p.signIn(p.admin); got != "/" {
		t.Fatalf("admin landed on %s, want the estate page", got)
	}
	p.checkEstate(codes, evil)
	p.checkStore(codes[0])
	p.checkSegments(codes)
	p.checkJobsAndReports(codes)
	p.checkBeforeAfter(codes)
	p.checkPhoneWidth("/", "/stores/"+codes[0], "/segments")

	ops := p.token(ss.RoleOps)
	if got := p.signIn(ops); got != "/" {
		t.Fatalf("ops landed on %s", got)
	}
	p.checkTargetForm(codes[1])
	p.checkStaffingViewOnly(p.socStore())
	p.checkJobsViewOnly()

	merch := p.token(ss.RoleMerchandiser)
	if got := p.signIn(merch); got != "/layout" {
		t.Fatalf("merchandiser landed on %s, want /layout", got)
	}
	p.checkLayoutForm(codes[1])

	planner := p.token(ss.RolePlanner)
	if got := p.signIn(planner); got != "/segments" {
		t.Fatalf("planner landed on %s, want /segments", got)
	}
	p.checkPlannerLimits(codes[1])
	p.checkPlannerLayout(codes[1])
	p.checkStaffingBuild(p.socStore())

	scoped := p.token(ss.RoleOps, codes[2])
	p.signIn(scoped)
	p.open("/")
	if rows := eval[[]string](p, `[...document.querySelectorAll('#stores tbody tr[data-store]')].map(r => r.dataset.store)`); !slices.Equal(rows, codes[2:3]) {
		t.Errorf("a token scoped to %s sees stores %v", codes[2], rows)
	}
	p.open("/stores/" + codes[0])
	if h := eval[string](p, `document.querySelector('h1').textContent`); !strings.HasPrefix(h, "404") {
		t.Errorf("a scoped token opened another store's page: %q", h)
	}
	p.checkSignOut()

	if off := p.b.Offsite(); len(off) > 0 {
		t.Errorf("requests left localhost: %v", off)
	}
	if len(p.b.Requests()) < 10 {
		t.Errorf("the network log saw only %d requests", len(p.b.Requests()))
	}
	if errs := p.b.Errors(); len(errs) > 0 {
		t.Errorf("script errors: %v", errs)
	}
}

// checkEstate compares the estate table with GET /api/v1/kpis?by=store over
// the same default period, and checks the hostile store name stayed text.
func (p *pageFixture) checkEstate(codes []string, evil string) {
	t := p.t
	p.open("/")
	api := p.mustStatus(200, "GET", "/api/v1/kpis?by=store", p.admin, nil).Body["rows"].([]any)
	type cell = map[string]string
	rows := eval[[]cell](p, `[...document.querySelectorAll('#stores tbody tr[data-store]')].map(r => ({
		store: r.dataset.store, name: r.querySelector('.name').textContent,
		events: r.querySelector('[data-kpi=events] .v').textContent,
		est_loss: r.querySelector('[data-kpi=est_loss] .v').textContent,
		rate: r.querySelector('[data-kpi=rate_per_1k] .v').textContent}))`)
	if len(rows) != len(codes) || len(api) != len(codes) {
		t.Fatalf("estate rows %d, API rows %d, stores %d", len(rows), len(api), len(codes))
	}
	byStore := map[string]map[string]any{}
	for _, r := range api {
		m := r.(map[string]any)
		byStore[m["key"].(map[string]any)["store"].(string)] = m
	}
	for _, r := range rows {
		a := byStore[r["store"]]
		if a == nil {
			t.Fatalf("page row %s has no API row", r["store"])
		}
		if number(t, r["events"]) != a["events"].(float64) || !near(number(t, r["est_loss"]), a["est_loss"].(float64), 0.005) ||
			!near(number(t, r["rate"]), a["rate_per_1k"].(float64), 0.005) {
			t.Errorf("store %s: page %v, API events %v est_loss %v rate %v", r["store"], r, a["events"], a["est_loss"], a["rate_per_1k"])
		}
		if r["store"] == codes[0] && r["name"] != evil {
			t.Errorf("store name shows as %q, want the literal %q", r["name"], evil)
		}
	}
	if n := eval[int](p, `document.querySelectorAll('#stores img').length`); n != 0 || eval[string](p, `document.title`) == "pwned" {
		t.Errorf("the store name became markup: %d img elements", n)
	}
	total := p.mustStatus(200, "GET", "/api/v1/kpis?by=estate", p.admin, nil).Body["rows"].([]any)[0].(map[string]any)
	card := eval[string](p, `document.querySelector('.card[data-kpi=events] .value').textContent`)
	if number(t, card) != total["events"].(float64) {
		t.Errorf("estate events card %s, API %v", card, total["events"])
	}
	// Sorting by events, descending, puts the busiest store first.
	p.do("sort", chromedp.Click(chromedp.Search(`//th/a[starts-with(., "Events")]`)), chromedp.WaitReady(chromedp.CSS(`th[aria-sort]`)))
	p.do("sort desc", chromedp.Click(chromedp.Search(`//th/a[starts-with(., "Events")]`)), chromedp.WaitReady(chromedp.CSS(`th[aria-sort=descending]`)))
	evs := eval[[]string](p, `[...document.querySelectorAll('#stores [data-kpi=events] .v')].map(e => e.textContent)`)
	for i := 1; i < len(evs); i++ {
		if number(t, evs[i-1]) < number(t, evs[i]) {
			t.Errorf("sorted by events descending: %v", evs)
		}
	}
}

// checkStore compares the store page's figures and charts with the API.
func (p *pageFixture) checkStore(code string) {
	t := p.t
	p.open("/stores/" + code)
	zones := p.mustStatus(200, "GET", "/api/v1/stores/"+code+"/zones", p.admin, nil).Body["features"].([]any)
	if n := eval[int](p, `document.querySelectorAll('svg.plan polygon').length`); n != len(zones) {
		t.Errorf("floor plan has %d polygons, the store %d zones", n, len(zones))
	}
	if n := eval[int](p, `document.querySelectorAll('svg.heat rect').length`); n != 168 {
		t.Errorf("heatmap has %d cells, want 168", n)
	}
	if n := eval[int](p, `document.querySelectorAll('svg.trend rect.bar').length`); n != 30 {
		t.Errorf("trend has %d day bars, want 30", n)
	}
	if n := eval[int](p, `(document.querySelector('svg.trend polyline.rate')?.getAttribute('points') || '').split(' ').length`); n < 2 {
		t.Errorf("trend rate line has %d points", n)
	}
	for _, sel := range []string{"svg.plan", "svg.heat", "svg.trend", "svg.mix"} {
		p.inked(sel)
	}
	row := p.mustStatus(200, "GET", "/api/v1/kpis?by=store&store="+code, p.admin, nil).Body["rows"].([]any)[0].(map[string]any)
	heatSum := eval[float64](p, `[...document.querySelectorAll('#heat-table tbody td')].reduce((s, td) => s + Number(td.textContent), 0)`)
	if heatSum != row["events"].(float64) {
		t.Errorf("hour-of-week cells sum to %v, the store's events are %v", heatSum, row["events"])
	}
	if c := eval[string](p, `document.querySelector('.card[data-kpi=events] .value').textContent`); number(t, c) != row["events"].(float64) {
		t.Errorf("events card %s, API %v", c, row["events"])
	}
	mixTotal := eval[string](p, `document.querySelector('#mix tr.total td').textContent`)
	if number(t, mixTotal) != row["events"].(float64)+row["false_positives"].(float64) {
		t.Errorf("outcome mix totals %s, API events %v + false %v", mixTotal, row["events"], row["false_positives"])
	}
	api := p.mustStatus(200, "GET", "/api/v1/kpis?by=zone&store="+code, p.admin, nil).Body["rows"].([]any)
	page := eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll('#zones tbody tr')].map(r => [r.dataset.zone, r.querySelector('[data-kpi=hotspot_index]').textContent]))`)
	for _, r := range api {
		m := r.(map[string]any)
		z := m["key"].(map[string]any)["zone"].(string)
		got, ok := page[z]
		if !ok {
			t.Errorf("zone %s missing from the zone table", z)
			continue
		}
		if h, _ := m["hotspot_index"].(float64); m["hotspot_index"] == nil && got != "—" || m["hotspot_index"] != nil && !near(number(t, got), h, 0.005) {
			t.Errorf("zone %s hotspot index: page %s, API %v", z, got, m["hotspot_index"])
		}
	}
}

// inked screenshots one chart and checks that a good share of its pixels
// are not background: the browser really drew it.
func (p *pageFixture) inked(sel string) {
	p.t.Helper()
	shot, err := chromedp.Run(p.b.Ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", sel, err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		p.t.Fatalf("decode %s: %v", sel, err)
	}
	b := img.Bounds()
	var ink, all int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
			all++
		}
	}
	if all == 0 || float64(ink)/float64(all) < 0.05 {
		p.t.Errorf("chart %s drew %d of %d sampled pixels", sel, ink, all)
	}
}

// checkSegments compares the segments table with GET /api/v1/segments.
func (p *pageFixture) checkSegments(codes []string) {
	t := p.t
	p.open("/segments")
	api := p.mustStatus(200, "GET", "/api/v1/segments", p.admin, nil).Body["stores"].([]any)
	page := eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll('#segments tbody tr[data-store]')].map(r => [r.dataset.store, r.querySelector('.tier').textContent]))`)
	if len(page) != len(codes) {
		t.Errorf("segments page shows %d stores, want %d", len(page), len(codes))
	}
	for _, s := range api {
		m := s.(map[string]any)
		want, _ := m["tier"].(string)
		if want == "" {
			want = "not yet"
		}
		if got := page[m["store"].(string)]; got != want {
			t.Errorf("segment %s: page tier %q, API %q", m["store"], got, want)
		}
	}
}

// checkPhoneWidth opens each page at a phone's width: nothing may overflow it.
func (p *pageFixture) checkPhoneWidth(paths ...string) {
	p.do("phone", chromedp.EmulateViewport(390, 844))
	defer p.do("laptop", chromedp.EmulateViewport(1366, 900))
	for _, path := range paths {
		p.open(path)
		if w := eval[int](p, `document.documentElement.scrollWidth`); w > 390 {
			wide := eval[[]string](p, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.scroll')).slice(-4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`)
			p.t.Errorf("%s is %d px wide at a 390 px phone width; widest: %v", path, w, wide)
		}
	}
}

// checkTargetForm sets two targets through the store page's form.
func (p *pageFixture) checkTargetForm(code string) {
	t := p.t
	p.open("/stores/" + code)
	set := func(kpi, op, value, period string) {
		p.do("target form", chromedp.SetValue(chromedp.CSS(`#target-form select[name=kpi]`), kpi),
			chromedp.SetValue(chromedp.CSS(`#target-form select[name=op]`), op),
			chromedp.SetValue(chromedp.CSS(`#target-form select[name=period]`), period),
			chromedp.SendKeys(chromedp.CSS(`#target-form input[name=value]`), value),
			chromedp.Submit(chromedp.CSS(`#target-form input[name=value]`)),
			chromedp.WaitVisible(chromedp.CSS(`.card[data-kpi=`+kpi+`] .target`)))
	}
	// 5 events a day over the page's 30 days is judged against 150.
	set("events", "<=", "5", "day")
	shown := eval[string](p, `document.querySelector('.card[data-kpi=events] .value').textContent`)
	n, err := strconv.Atoi(strings.ReplaceAll(shown, ",", ""))
	if err != nil {
		t.Fatalf("events card value %q", shown)
	}
	verdict := map[bool]string{true: "met", false: "missed"}[n <= 150]
	if got := eval[string](p, `document.querySelector('.card[data-kpi=events] .target').textContent`); got != "target <= 5 a day: 150 over 30 days · "+verdict {
		t.Errorf("events card (%d events) after setting a target: %q", n, got)
	}
	set("recovery_rate", ">=", "12.5", "week") // a ratio: the form's period is not kept
	var found []string
	for _, tg := range p.mustStatus(200, "GET", "/api/v1/targets", p.admin, nil).Body["targets"].([]any) {
		m := tg.(map[string]any)
		found = append(found, fmt.Sprintf("%v %v %v %v %v", m["store"], m["kpi"], m["op"], m["value"], m["period"]))
	}
	slices.Sort(found)
	if want := []string{code + " events <= 5 day", code + " recovery_rate >= 0.125 <nil>"}; !slices.Equal(found, want) {
		t.Errorf("targets after the form: %v, want %v", found, want)
	}
	// A forged post without the page's token is refused.
	status := eval[int](p, `fetch('/stores/`+code+`/targets', {method: 'POST', body: new URLSearchParams({kpi: 'events', op: '<=', value: '1'})}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 403 {
		t.Errorf("a post without the anti-forgery token: %d, want 403", status)
	}
}

// checkPlannerLimits: a planner sees no estate menu and no target form, and
// a post to the form's action with a valid token is forbidden.
func (p *pageFixture) checkPlannerLimits(code string) {
	t := p.t
	menu := eval[[]string](p, `[...document.querySelectorAll('header nav a')].map(a => a.textContent)`)
	if slices.Contains(menu, "Estate") || !slices.Contains(menu, "Segments") {
		t.Errorf("planner's menu %v", menu)
	}
	p.open("/stores/" + code)
	if n := eval[int](p, `document.querySelectorAll('#target-form').length`); n != 0 {
		t.Error("planner sees the target form")
	}
	status := eval[int](p, `fetch('/stores/`+code+`/targets', {method: 'POST', body: new URLSearchParams({
		csrf: document.querySelector('input[name=csrf]').value, kpi: 'events', op: '<=', value: '1'})}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 403 {
		t.Errorf("planner posting a target: %d, want 403", status)
	}
}

// checkLayoutForm accepts a recommendation on the layout page and rejects
// another with a reason; the API must show both decisions.
func (p *pageFixture) checkLayoutForm(code string) {
	t := p.t
	if _, err := layout.New(p.pool).RefreshStoreRecommendations(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	p.open("/stores/" + code + "/layout")
	ids := eval[[]string](p, `[...document.querySelectorAll('#recs li[data-status=proposed]')].map(li => li.dataset.id)`)
	if len(ids) < 2 {
		t.Fatalf("store %s has %d proposed recommendations on its layout page, want 2 or more", code, len(ids))
	}
	p.do("accept", chromedp.Click(chromedp.CSS(`#rec-`+ids[0]+` form[action$="/accept"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#rec-`+ids[0]+`[data-status=accepted]`)))
	p.do("reject", chromedp.SendKeys(chromedp.CSS(`#rec-`+ids[1]+` input[name=reason]`), "aisle is being refitted"),
		chromedp.Submit(chromedp.CSS(`#rec-`+ids[1]+` input[name=reason]`)),
		chromedp.WaitVisible(chromedp.CSS(`#rec-`+ids[1]+`[data-status=rejected]`)))
	got := map[string]string{}
	for _, r := range p.mustStatus(200, "GET", "/api/v1/stores/"+code+"/recommendations", p.admin, nil).Body["recommendations"].([]any) {
		m := r.(map[string]any)
		got[fmt.Sprint(m["id"])] = fmt.Sprintf("%v %v %v", m["status"], m["decided_by"], m["reason"])
	}
	if got[ids[0]] != "accepted merchandiser-test <nil>" || got[ids[1]] != "rejected merchandiser-test aisle is being refitted" {
		t.Errorf("recommendations after the forms: %s: %q, %s: %q", ids[0], got[ids[0]], ids[1], got[ids[1]])
	}
	p.checkLayoutImplement(code, ids[0])
}

// checkPlannerLayout: a planner reads the layout page but gets no decision
// forms, and a post to one is forbidden.
func (p *pageFixture) checkPlannerLayout(code string) {
	t := p.t
	p.open("/stores/" + code + "/layout")
	if n := eval[int](p, `document.querySelectorAll('#recs form').length`); n != 0 {
		t.Errorf("planner sees %d decision forms", n)
	}
	id := eval[string](p, `document.querySelector('#recs li[data-status=proposed]')?.dataset.id || ''`)
	if id == "" {
		t.Fatal("no proposed recommendation left for the planner to try")
	}
	status := eval[int](p, `fetch('/stores/`+code+`/layout/recommendations/`+id+`/accept', {method: 'POST', body: new URLSearchParams({
		csrf: document.querySelector('input[name=csrf]').value})}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 403 {
		t.Errorf("planner accepting a recommendation: %d, want 403", status)
	}
}
