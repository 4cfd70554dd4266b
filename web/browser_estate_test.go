package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	ss "github.com/shrinkscope/shrinkscope"
)

// The estate page's headline cards and weekly trend follow the region,
// tier and model filters: the cards are the KPI API's estate figures for
// the same stores (asked with a token limited to them), the trend's events
// are the raw events of each local week, this period's and the previous.
func TestEstateFiltersAndTrendInBrowser(t *testing.T) {
	t.Parallel()
	p := pageSetup(t)
	if got := p.signIn(p.admin); got != "/" {
		t.Fatalf("admin landed on %s", got)
	}
	var list struct {
		Stores []struct {
			Code, Region   string
			OperatingModel string `json:"operating_model"`
		}
	}
	p.getJSON("/api/v1/stores", p.admin, &list)
	stores := list.Stores
	shown := func() []string {
		return eval[[]string](p, `[...document.querySelectorAll('#stores tbody tr[data-store]')].map(r => r.dataset.store)`)
	}

	p.open("/")
	p.checkCards("the whole estate", p.admin, shown())
	p.checkTrend("the whole estate", shown())

	// The model filter, chosen in its form as a person would.
	model := stores[0].OperatingModel
	var want []string
	for _, s := range stores {
		if s.OperatingModel == model {
			want = append(want, s.Code)
		}
	}
	p.do("filter by model", chromedp.SetValue(chromedp.CSS(`select[name=model]`), model),
		chromedp.Click(chromedp.CSS(`form.filters button`)), chromedp.WaitReady(chromedp.ID("cards-scope")))
	if got := shown(); !slices.Equal(got, want) {
		t.Fatalf("model %s shows stores %v, want %v", model, got, want)
	}
	p.checkCards("model "+model, p.token(ss.RoleOps, want...), want)
	p.checkTrend("model "+model, want)

	// The region filter, from a link; the KPI API's own region filter agrees.
	region := stores[len(stores)-1].Region
	want = nil
	for _, s := range stores {
		if s.Region == region {
			want = append(want, s.Code)
		}
	}
	p.open("/?region=" + url.QueryEscape(region))
	if got := shown(); !slices.Equal(got, want) {
		t.Fatalf("region %s shows stores %v, want %v", region, got, want)
	}
	p.checkCards("region "+region, p.token(ss.RoleOps, want...), want)
	p.checkCards("region "+region+" (region=)", p.admin, want, "region="+url.QueryEscape(region))
	p.checkTrend("region "+region, want)

	// The tier filter: the stores it leaves, whatever tier they have.
	for _, tier := range []string{"high", "medium", "low"} {
		p.open("/?tier=" + tier)
		if got := shown(); len(got) > 0 {
			p.checkCards("tier "+tier, p.token(ss.RoleOps, got...), got)
			break
		}
	}
	// A filter nobody matches shows no figures rather than the estate's.
	p.open("/?region=nowhere")
	if n := eval[int](p, `document.querySelectorAll('.card[data-kpi]').length + document.querySelectorAll('#trend').length`); n != 0 {
		t.Errorf("a filter matching no store shows %d cards or trends", n)
	}
}

// getJSON GETs path with token and decodes the body into v.
func (p *pageFixture) getJSON(path, token string, v any) {
	p.t.Helper()
	r := p.mustStatus(200, "GET", path, token, nil)
	if err := json.Unmarshal(r.Raw, v); err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
}

// checkCards compares the open page's cards with GET /api/v1/kpis?by=estate
// as token sees it (extra: more query parameters), over the page's period.
func (p *pageFixture) checkCards(what, token string, codes []string, extra ...string) {
	t := p.t
	t.Helper()
	from := eval[string](p, `document.querySelector('input[name=from]').value`)
	to := eval[string](p, `document.querySelector('input[name=to]').value`)
	path := "/api/v1/kpis?by=estate&from=" + from + "&to=" + to
	for _, e := range extra {
		path += "&" + e
	}
	var a struct {
		Rows []map[string]any
	}
	p.getJSON(path, token, &a)
	if len(a.Rows) != 1 {
		t.Fatalf("%s: %s answers %d rows", what, path, len(a.Rows))
	}
	for _, k := range []string{"events", "est_loss", "recovered_by_intervention"} { // the cards the estate shows
		card := eval[string](p, `document.querySelector('.card[data-kpi=`+k+`] .value').textContent`)
		if want, _ := a.Rows[0][k].(float64); !near(number(t, card), want, 0.005) {
			t.Errorf("%s (%v): card %s reads %s, the API %v", what, codes, k, card, want)
		}
	}
	// Events once more, from the raw rows: not false, local dates in the period.
	if got, want := number(t, eval[string](p, `document.querySelector('.card[data-kpi=events] .value').textContent`)), p.rawEvents(codes, from, to); got != float64(want) {
		t.Errorf("%s: events card %v, raw events %d", what, got, want)
	}
}

// rawEvents counts the stores' events that are not false positives on the
// local dates [from, to], from the facts.
func (p *pageFixture) rawEvents(codes []string, from, to string) int {
	n := 0
	for _, c := range p.rawDays(codes, from, to) {
		n += c
	}
	return n
}

// rawDays counts the stores' events that are not false positives by local
// date, each store in its own time zone, from the facts.
func (p *pageFixture) rawDays(codes []string, from, to string) map[string]int {
	p.t.Helper()
	rows, err := p.pool.Query(context.Background(), `
SELECT (e.occurred_at AT TIME ZONE s.timezone)::date::text, count(*)::int
FROM events e JOIN stores s ON s.id = e.store_id LEFT JOIN outcomes o ON o.event_id = e.id
WHERE s.code = ANY($1) AND o.outcome IS DISTINCT FROM 'false_positive'
  AND (e.occurred_at AT TIME ZONE s.timezone)::date BETWEEN $2::date AND $3::date
GROUP BY 1`, codes, from, to)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var d string
		var c int
		if err := rows.Scan(&d, &c); err != nil {
			p.t.Fatal(err)
		}
		out[d] = c
	}
	if err := rows.Err(); err != nil {
		p.t.Fatal(err)
	}
	return out
}

// checkTrend reads the trend table: its weeks cut the period at Mondays,
// each week's events are the raw events of its days, this period's and the
// previous one's, and its loss is the KPI API's by week.
func (p *pageFixture) checkTrend(what string, codes []string) {
	t := p.t
	t.Helper()
	from := eval[string](p, `document.querySelector('input[name=from]').value`)
	to := eval[string](p, `document.querySelector('input[name=to]').value`)
	f, _ := time.Parse(time.DateOnly, from)
	l, _ := time.Parse(time.DateOnly, to)
	days := int(l.Sub(f).Hours()/24) + 1
	pfrom, pto := f.AddDate(0, 0, -days).Format(time.DateOnly), f.AddDate(0, 0, -1).Format(time.DateOnly)
	raw := p.rawDays(codes, pfrom, to)
	type week = map[string]string
	weeks := eval[[]week](p, `[...document.querySelectorAll('#trend tbody tr')].map(r => ({
		week: r.querySelector('th').textContent, events: (r.querySelector('[data-col=events]') || {}).textContent || '',
		loss: (r.querySelector('[data-col=est_loss]') || {}).textContent || '',
		prev_week: (r.querySelector('[data-col=prev_week]') || {}).textContent || '',
		prev_events: (r.querySelector('[data-col=prev_events]') || {}).textContent || ''}))`)
	if len(weeks) == 0 {
		t.Fatalf("%s: no trend table", what)
	}
	cur := 0 // a bar for each week of this period; a week only the previous period has gets none
	for _, w := range weeks {
		if w["week"] != "—" {
			cur++
		}
	}
	if n := eval[int](p, `document.querySelectorAll('#trend-events svg rect.bar').length`); n != cur {
		t.Errorf("%s: %d bars for %d weeks of this period", what, n, cur)
	}
	sum := func(span string) (int, time.Time, time.Time) {
		a, b, ok := strings.Cut(span, " – ")
		da, err1 := time.Parse(time.DateOnly, a)
		db, err2 := time.Parse(time.DateOnly, b)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("%s: week %q", what, span)
		}
		n := 0
		for d := da; !d.After(db); d = d.AddDate(0, 0, 1) {
			n += raw[d.Format(time.DateOnly)]
		}
		return n, da, db
	}
	var a struct{ Rows []map[string]any }
	scoped := p.token(ss.RoleOps, codes...)
	p.getJSON("/api/v1/kpis?by=week&from="+from+"&to="+to, scoped, &a)
	apiLoss := map[string]float64{}
	for _, r := range a.Rows {
		apiLoss[r["key"].(map[string]any)["week"].(string)] = r["est_loss"].(float64)
	}
	next, prevNext := f, f.AddDate(0, 0, -days)
	for i, w := range weeks {
		if w["week"] == "—" { // the previous period has a week more
			if i != len(weeks)-1 || w["prev_week"] == "" {
				t.Errorf("%s: week %d has no days of this period: %v", what, i, w)
			}
			pn, pa, _ := sum(w["prev_week"])
			if !pa.Equal(prevNext) || number(t, w["prev_events"]) != float64(pn) {
				t.Errorf("%s: the previous period's last week %v, want from %s with %d events", what, w, prevNext.Format(time.DateOnly), pn)
			}
			prevNext = prevNext.AddDate(0, 0, 7)
			continue
		}
		n, da, db := sum(w["week"])
		last := i == len(weeks)-1 || weeks[i+1]["week"] == "—"
		if !da.Equal(next) || db.Weekday() != time.Sunday && !last || last && db.Format(time.DateOnly) != to {
			t.Errorf("%s: week %d is %s, want it to start %s and end on a Sunday or the period's end", what, i, w["week"], next.Format(time.DateOnly))
		}
		next = db.AddDate(0, 0, 1)
		if number(t, w["events"]) != float64(n) {
			t.Errorf("%s: week %s shows %s events, the raw events %d", what, w["week"], w["events"], n)
		}
		monday := da.AddDate(0, 0, -((int(da.Weekday()) + 6) % 7)).Format(time.DateOnly)
		if !near(number(t, w["loss"]), apiLoss[monday], 0.005) {
			t.Errorf("%s: week %s shows loss %s, the API %v", what, w["week"], w["loss"], apiLoss[monday])
		}
		if w["prev_week"] != "" {
			pn, pa, pb := sum(w["prev_week"])
			if !pa.Equal(prevNext) {
				t.Errorf("%s: previous period's week %d is %s, want it to start %s", what, i, w["prev_week"], prevNext.Format(time.DateOnly))
			}
			prevNext = pb.AddDate(0, 0, 1)
			if number(t, w["prev_events"]) != float64(pn) {
				t.Errorf("%s: previous period's week %s shows %s events, the raw events %d", what, w["prev_week"], w["prev_events"], pn)
			}
		}
	}
	if got := prevNext.AddDate(0, 0, -1).Format(time.DateOnly); got != pto && prevNext.Before(f) {
		t.Errorf("%s: the previous period's weeks end %s, want %s", what, got, pto)
	}
}
