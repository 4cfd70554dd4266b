package web_test

import (
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// checkLayoutImplement marks the accepted recommendation id implemented on
// the layout page: the API must then list a layout change for it, on its
// zones, and the recommendation as implemented.
func (p *pageFixture) checkLayoutImplement(code, id string) {
	t := p.t
	p.open("/stores/" + code + "/layout")
	day := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	sel := `#rec-` + id + ` form.implement`
	p.do("mark implemented", chromedp.SetValue(chromedp.CSS(sel+` input[name=implemented_at]`), day),
		chromedp.SendKeys(chromedp.CSS(sel+` input[name=description]`), "moved the gondola"),
		chromedp.Click(chromedp.CSS(sel+` button`)),
		chromedp.WaitVisible(chromedp.CSS(`#rec-`+id+`[data-status=implemented]`)))
	var rec map[string]any
	for _, r := range p.mustStatus(200, "GET", "/api/v1/stores/"+code+"/recommendations", p.admin, nil).Body["recommendations"].([]any) {
		if m := r.(map[string]any); fmt.Sprint(m["id"]) == id {
			rec = m
		}
	}
	if rec == nil || rec["status"] != "implemented" || rec["change"] == nil {
		t.Fatalf("recommendation %s after mark implemented: %v", id, rec)
	}
	var found bool
	for _, c := range p.mustStatus(200, "GET", "/api/v1/stores/"+code+"/layout-changes", p.admin, nil).Body["changes"].([]any) {
		m := c.(map[string]any)
		if fmt.Sprint(m["recommendation"]) == id {
			found = true
			if m["implemented_at"] != day || m["description"] != "moved the gondola" || m["kind"] != rec["kind"] ||
				fmt.Sprint(m["zones"]) != fmt.Sprint(rec["zones"]) || fmt.Sprint(m["id"]) != fmt.Sprint(rec["change"]) {
				t.Errorf("layout change for recommendation %s: %v (recommendation %v)", id, m, rec)
			}
		}
	}
	if !found {
		t.Errorf("no layout change records recommendation %s", id)
	}
	if n := eval[int](p, `document.querySelectorAll('#rec-`+id+` form').length`); n != 0 {
		t.Errorf("an implemented recommendation still has %d forms", n)
	}
}

// checkBeforeAfter: every evaluated change with a daily series has a
// before/after chart marked at its date, as admin sees the layout pages.
func (p *pageFixture) checkBeforeAfter(codes []string) {
	t := p.t
	// A change evaluable now: 14 days before it, 1 of settling, 10 after, all within the estate's 40 days.
	recs := p.mustStatus(200, "GET", "/api/v1/stores/"+codes[0]+"/recommendations", p.admin, nil).Body["recommendations"].([]any)
	if len(recs) == 0 {
		t.Fatalf("store %s has no recommendations to take zones from", codes[0])
	}
	p.mustStatus(201, "POST", "/api/v1/stores/"+codes[0]+"/layout-changes", p.admin, map[string]any{
		"zones": recs[0].(map[string]any)["zones"], "kind": "relocate", "description": "moved razors to the till",
		"implemented_at": time.Now().UTC().AddDate(0, 0, -16).Format(time.DateOnly), "before_days": 14, "after_days": 10, "gap_days": 1})
	charts := 0
	for _, code := range codes {
		want := map[string]string{}
		rates := map[string]map[string]float64{} // chart: day: treated events per 1,000 visitors
		for _, c := range p.mustStatus(200, "GET", "/api/v1/stores/"+code+"/layout-changes", p.admin, nil).Body["changes"].([]any) {
			m := c.(map[string]any)
			ev := p.mustStatus(200, "GET", fmt.Sprintf("/api/v1/layout-changes/%v/evaluation", m["id"]), p.admin, nil).Body
			if s, _ := ev["series"].([]any); len(s) > 0 {
				id := fmt.Sprintf("ba-%v", m["id"])
				want[id] = m["implemented_at"].(string)
				ev, vis := map[string]float64{}, map[string]float64{}
				for _, r := range s {
					r := r.(map[string]any)
					if r["group"] == "treated" {
						ev[r["date"].(string)] += r["events"].(float64)
						vis[r["date"].(string)] += r["visitors"].(float64)
					}
				}
				rates[id] = map[string]float64{}
				for d, v := range vis {
					if v > 0 {
						rates[id][d] = 1000 * ev[d] / v
					}
				}
			}
		}
		p.open("/stores/" + code + "/layout")
		got := eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll('figure.before-after .echart')].map(el =>
			[el.id, echarts.getInstanceByDom(el).getOption().series[0].markLine.data[0].xAxis]))`)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("store %s before/after charts (change: marked date) %v, want %v", code, got, want)
		}
		for id, series := range rates {
			got := eval[map[string]float64](p, `(() => { const o = echarts.getInstanceByDom(document.getElementById('`+id+`')).getOption();
				return Object.fromEntries(o.xAxis[0].data.map((d, i) => [d, (v => v !== null && typeof v === 'object' ? v.value : v)(o.series[0].data[i])]).filter(([, v]) => v !== '-')); })()`)
			if len(got) != len(series) {
				t.Errorf("%s draws %d treated days, the evaluation has %d", id, len(got), len(series))
			}
			for d, v := range series {
				if !near(got[d], v, 1e-9) {
					t.Errorf("%s treated rate on %s: %v, from the evaluation's series %v", id, d, got[d], v)
				}
			}
			if n := eval[int](p, `document.querySelectorAll('#`+id+` canvas').length`); n == 0 {
				t.Errorf("%s drew no canvas", id)
			}
		}
		charts += len(want)
	}
	if charts == 0 {
		t.Error("no evaluated change with a series in the estate: the before/after check proves nothing")
	}
}
