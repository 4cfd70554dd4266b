package web_test

import (
	"context"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/segments"
	"github.com/shrinkscope/shrinkscope/web"
)

// A token for S001 and S002 of a four-store estate gets, for its stores,
// the estate's tier and recommendation and no figure drawn from S003 or
// S004: no risk index, percentile, factors, basis or returns, and no
// "of 4 stores" or estate median in the rationale, in the API, the history
// and the page. Changing S004's profile (its theft index, and its staffing
// across the SOC's threshold) moves the unlimited answers for S001 and S002
// (their risk index and factors), and leaves the limited ones identical
// byte for byte.
func TestSegmentsWithholdEstateFromScopedTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	end := time.Now().UTC().Truncate(24 * time.Hour)
	if _, _, err := app.LoadReady(ctx, pool, estate.Config{Seed: 7, Stores: 4, Days: 40, End: end}, nil); err != nil {
		t.Fatal(err)
	}
	svc := app.New(pool)
	hs := httptest.NewServer(web.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{}, nil).Handler())
	t.Cleanup(hs.Close)
	f := &fixture{t: t, url: hs.URL, pool: pool, tokens: tokens.New(pool)}
	f.admin = f.token(ss.RoleAdmin)
	scoped := f.token(ss.RoleOps, "S001", "S002")
	const query = "/api/v1/segments?days=30" // to yesterday, as the page reads

	byStore := func(token string) map[string]map[string]any {
		r := f.mustStatus(200, "GET", query, token, nil)
		out := map[string]map[string]any{}
		for _, s := range r.Body["stores"].([]any) {
			m := s.(map[string]any)
			out[m["store"].(string)] = m
		}
		return out
	}
	raw := func(m map[string]any) string {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	full, limited := byStore(f.admin), byStore(scoped)
	if len(full) != 4 || len(limited) != 2 || limited["S001"] == nil || limited["S002"] == nil {
		t.Fatalf("stores: admin %d, scoped %v", len(full), limited)
	}
	for code, l := range limited {
		g := full[code]
		if g["status"] != segments.StatusOK || g["basis"] == nil || g["risk_index"] == nil {
			t.Fatalf("%s has too little data for the test: %s", code, raw(g))
		}
		for _, k := range []string{"risk_index", "percentile", "factors", "basis", "returns"} {
			if _, ok := l[k]; ok {
				t.Errorf("%s: the scoped answer has %s: %s", code, k, raw(l))
			}
		}
		rat := l["rationale"].(string)
		if l["estate_figures_withheld"] != true || strings.Contains(rat, "4 stores") || strings.Contains(rat, "median") ||
			!strings.Contains(g["rationale"].(string), "of 4 stores") {
			t.Errorf("%s: scoped rationale %q (withheld %v); the admin's %q", code, rat, l["estate_figures_withheld"], g["rationale"])
		}
		if l["tier"] != g["tier"] || l["recommended_model"] != g["recommended_model"] || l["mismatch"] != g["mismatch"] {
			t.Errorf("%s: scoped decision %v/%v, the estate's %v/%v", code, l["tier"], l["recommended_model"], g["tier"], g["recommended_model"])
		}
	}

	// S004 changes; S001 and S002 do not.
	st := f.mustStatus(200, "GET", "/api/v1/stores/S004", f.admin, nil).Body
	put := map[string]any{}
	for _, k := range []string{"name", "region", "timezone", "opening_hours", "operating_model"} {
		put[k] = st[k]
	}
	prof := st["profile"].(map[string]any)
	staff := 0.5
	if prof["staffing_capacity"].(float64) < 0.9 {
		staff = 1.3
	}
	put["profile"] = map[string]any{"urban_density": prof["urban_density"], "theft_index": 3 * prof["theft_index"].(float64), "staffing_capacity": staff}
	f.mustStatus(200, "PUT", "/api/v1/stores/S004", f.admin, put)
	full2, limited2 := byStore(f.admin), byStore(scoped)
	for _, code := range []string{"S001", "S002"} {
		if full2[code]["tier"] != full[code]["tier"] || full2[code]["recommended_model"] != full[code]["recommended_model"] {
			t.Fatalf("%s: S004's change moved the estate's decision; pick another change", code)
		}
		// The risk index is standardised over the estate, so S004's theft
		// index moves it (the basis no longer does: a store's SOC is priced on
		// its own workload, not on a pool with S004).
		if full2[code]["risk_index"] == full[code]["risk_index"] || raw(full2[code]["factors"].(map[string]any)) == raw(full[code]["factors"].(map[string]any)) {
			t.Errorf("%s: the admin's risk index and factors did not move with S004's change: the test shows nothing", code)
		}
		if raw(limited2[code]) != raw(limited[code]) {
			t.Errorf("%s: the scoped answer moved with S004's data:\n%s\n%s", code, raw(limited[code]), raw(limited2[code]))
		}
	}

	// The daily record, read with the scoped token, withholds the same.
	yesterday := end.AddDate(0, 0, -1)
	if _, err := svc.Segments.Record(ctx, yesterday.AddDate(0, 0, -29), yesterday, segments.Config{}); err != nil {
		t.Fatal(err)
	}
	day := yesterday.Format(time.DateOnly)
	hist := "/api/v1/segments/history?from=" + day + "&to=" + day
	for _, s := range f.mustStatus(200, "GET", hist, scoped, nil).Body["snapshots"].([]any) {
		m := s.(map[string]any)
		if _, ok := m["risk_index"]; ok || m["rationale"] != limited2[m["store"].(string)]["rationale"] {
			t.Errorf("scoped history %v, want no risk index and the limited rationale %q", m, limited2[m["store"].(string)]["rationale"])
		}
	}
	for _, s := range f.mustStatus(200, "GET", hist+"&store=S001", f.admin, nil).Body["snapshots"].([]any) {
		if m := s.(map[string]any); m["risk_index"] == nil || !strings.Contains(m["rationale"].(string), "of 4 stores") {
			t.Errorf("the admin's history lost the estate's figures: %v", m)
		}
	}

	// The page says why the figures are missing, and shows none of them.
	page := f.doType("GET", "/segments?days=30", scoped, "", nil)
	html := string(page.Raw)
	if page.Status != 200 || !strings.Contains(html, `id="withheld"`) || strings.Contains(html, "of 4 stores") || strings.Contains(html, "would net") ||
		!strings.Contains(html, escaped(limited2["S001"]["rationale"].(string))) {
		t.Errorf("scoped segments page %d:\n%.3000s", page.Status, html)
	}
	if page := f.doType("GET", "/segments?days=30", f.admin, "", nil); strings.Contains(string(page.Raw), `id="withheld"`) ||
		!strings.Contains(string(page.Raw), "of 4 stores") {
		t.Error("the admin's segments page withholds the estate's figures")
	}
}

// escaped is s as a page's template writes it.
func escaped(s string) string { return template.HTMLEscapeString(s) }
