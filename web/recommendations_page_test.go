package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
)

// Every open recommendation's rationale says the same figures as the store
// page at its default period for the same zone: events, the zone's
// visitors, its rate, its estimated loss, and the store's rate.
func TestRationalesSayWhatTheStorePageSays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Now().UTC().Truncate(24 * time.Hour)
	est, _, err := app.LoadReady(ctx, pool, estate.Config{Seed: 1, Stores: 4, Days: 60, End: end}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := setupOn(t, pool)
	ops := f.token(ss.RoleOps)
	client := &http.Client{Jar: &cookieJar{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(f.url+"/login", url.Values{"token": {ops}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	why := regexp.MustCompile(`zone (Z\d+) \([^)]*\) had ([\d,]+) concealments per ([\d,]+) visitors of the zone \(([\d,.]+) per 1,000; the store ([\d,.]+) per 1,000 entrance visitors\).*estimated loss (\D*[\d,.]+)\.`)
	checked := 0
	for _, s := range est.Stores {
		req, _ := http.NewRequest("GET", f.url+"/stores/"+s.Code, nil)
		req.Header.Set("Accept", "text/html")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page := string(body)
		storeRate := regexp.MustCompile(`data-kpi="rate_per_1k">\s*<span class="label">[^<]*</span>\s*<span class="value">([^<]+)</span>`).FindStringSubmatch(page)
		for _, x := range f.mustStatus(200, "GET", "/api/v1/stores/"+s.Code+"/recommendations", ops, nil).Body["recommendations"].([]any) {
			rec := x.(map[string]any)
			if rec["status"] != "proposed" {
				continue
			}
			m := why.FindStringSubmatch(rec["rationale"].(string))
			if m == nil {
				t.Errorf("%s: rationale does not read as expected: %q", s.Code, rec["rationale"])
				continue
			}
			row := regexp.MustCompile(`<tr id="zone-` + m[1] + `"[^>]*>.*?data-kpi="events"[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>`).FindStringSubmatch(page)
			if row == nil || storeRate == nil {
				t.Fatalf("%s page lacks zone %s's row or the store's rate card", s.Code, m[1])
			}
			for i, what := range []string{"events", "visitors", "rate per 1,000", "estimated loss"} {
				want := m[2+i]
				got := row[1+i]
				if i == 3 {
					want = m[6] // both in the store's currency, symbol included
				}
				if got != want {
					t.Errorf("%s %s %s: rationale %s, store page %s", s.Code, m[1], what, want, row[1+i])
				}
			}
			if storeRate[1] != m[5] {
				t.Errorf("%s store rate: rationale %s, store page %s", s.Code, m[5], storeRate[1])
			}
			checked++
		}
	}
	if checked < 3 {
		t.Errorf("only %d open recommendations checked", checked)
	}
	t.Logf("%d rationales checked against their store pages", checked)
}
