package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// Findings through the API and on the store page: a spike planted in one
// zone of S001 in the week of 2026-11-23 is listed for a reader of the
// estate and of S001, never for a token of S002, and opens S001's page.
func TestFindingsOverHTTPAndOnTheStorePage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	est := estate.New(estate.Config{Seed: 5, Stores: 2, Days: 10 * 7, End: end, NoChanges: true})
	if _, err := app.LoadEstate(ctx, pool, est, nil); err != nil {
		t.Fatal(err)
	}
	s := &est.Stores[0]
	lay := layout.New(pool)
	zones, err := lay.Zones(ctx, s.Code)
	if err != nil {
		t.Fatal(err)
	}
	var zone ss.Zone
	for _, z := range zones {
		if z.Kind == ss.KindAisle {
			zone = z
			break
		}
	}
	var planted []ss.Event
	at := time.Date(2026, 11, 26, 15, 0, 0, 0, s.Loc())
	for i := range 80 {
		planted = append(planted, ss.Event{ID: uuid.New(), Store: s.Code, Zone: zone.Code, StoreID: zone.StoreID, ZoneID: zone.ID,
			OccurredAt: at.Add(time.Duration(i) * time.Minute).UTC(), Score: 0.9, Method: ss.MethodPocket, Category: zone.Category, EstValue: 10})
	}
	if _, err := kpi.NewIngester(pool, lay.Directory()).StoreEvents(ctx, planted); err != nil {
		t.Fatal(err)
	}
	if _, err := kpi.NewRollups(pool).Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	f := setupOn(t, pool)
	ops := f.token(ss.RoleOps)
	// Before the job: judged 0, nothing found.
	r := f.mustStatus(http.StatusOK, "GET", "/api/v1/findings", ops, nil)
	if r.Body["judged"] != 0.0 || r.Body["week"] != nil || len(r.Body["findings"].([]any)) != 0 {
		t.Fatalf("before any run: %s", r.Raw)
	}
	if _, err := findings.NewService(pool, kpi.NewKPIs(pool), lay).RunWeek(ctx, week, nil); err != nil {
		t.Fatal(err)
	}
	hasZone := func(r response) bool {
		for _, x := range r.Body["findings"].([]any) {
			sr := x.(map[string]any)["series"].(map[string]any)
			// A zone's whole-week series is selected at level 1.
			if sr["store"] == s.Code && sr["zone"] == zone.Code && sr["block"] == nil && x.(map[string]any)["level"] == 1.0 {
				return true
			}
		}
		return false
	}
	for _, path := range []string{"/api/v1/findings", "/api/v1/findings?week=2026-11-29", "/api/v1/findings?week=2026-11-23&store=" + s.Code} {
		r := f.mustStatus(http.StatusOK, "GET", path, ops, nil)
		if r.Body["week"] != "2026-11-23" || !hasZone(r) || r.Body["judged"].(float64) < 1 {
			t.Errorf("%s: %s", path, r.Raw)
		}
	}
	other := f.token(ss.RoleOps, est.Stores[1].Code)
	r = f.mustStatus(http.StatusOK, "GET", "/api/v1/findings?week=2026-11-23", other, nil)
	for _, x := range r.Body["findings"].([]any) {
		if st := x.(map[string]any)["series"].(map[string]any)["store"]; st != est.Stores[1].Code {
			t.Errorf("a token of %s sees a finding of %v", est.Stores[1].Code, st)
		}
	}
	f.mustStatus(http.StatusNotFound, "GET", "/api/v1/findings?store="+s.Code, other, nil)
	for _, bad := range []string{"23-11-2026", "1999-12-31", "2100-01-01"} {
		if r := f.mustStatus(http.StatusUnprocessableEntity, "GET", "/api/v1/findings?week="+bad, ops, nil); r.errField() != "week" {
			t.Errorf("week=%s: %s", bad, r.Raw)
		}
	}
	f.mustStatus(http.StatusForbidden, "GET", "/api/v1/findings", f.ingest, nil)

	// The scope each week was judged under: the default's, then the store
	// scope's once the week is judged again with it; the planted zone is
	// found under both (it stands out in its own store as in the estate).
	scopeOf := func(r response) []any {
		out := []any{r.Body["fdr_scope"]}
		for _, x := range r.Body["findings"].([]any) {
			out = append(out, x.(map[string]any)["fdr_scope"])
		}
		return out
	}
	r = f.mustStatus(http.StatusOK, "GET", "/api/v1/findings?week=2026-11-23", ops, nil)
	for _, sc := range scopeOf(r) {
		if sc != "estate" {
			t.Errorf("default scope: %s", r.Raw)
		}
	}
	stores := findings.NewService(pool, kpi.NewKPIs(pool), lay)
	stores.SetConfig(findings.Config{Scope: findings.ScopeStore})
	if _, err := stores.RunWeek(ctx, week, nil); err != nil {
		t.Fatal(err)
	}
	r = f.mustStatus(http.StatusOK, "GET", "/api/v1/findings?week=2026-11-23&store="+s.Code, ops, nil)
	if !hasZone(r) {
		t.Errorf("store scope: the planted zone is not found: %s", r.Raw)
	}
	for _, sc := range scopeOf(r) {
		if sc != "store" {
			t.Errorf("store scope: %s", r.Raw)
		}
	}

	// The store page shows the latest judged week's findings.
	jar := &cookieJar{}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(f.url+"/login", url.Values{"token": {ops}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	req, _ := http.NewRequest("GET", f.url+"/stores/"+s.Code, nil)
	req.Header.Set("Accept", "text/html")
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "What changed in the week of 2026-11-23") ||
		!strings.Contains(page, `data-series-zone="`+zone.Code+`"`) || !strings.Contains(page, "corrected within this store") {
		t.Errorf("store page %d lacks the findings panel:\n%.2000s", res.StatusCode, page)
	}
}
