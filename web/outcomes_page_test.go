package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// signedIn returns a GET of pages with a browser session of token.
func signedIn(t *testing.T, f *fixture, token string) func(path string) (int, string) {
	t.Helper()
	jar := &cookieJar{}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(f.url+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	return func(path string) (int, string) {
		req, _ := http.NewRequest("GET", f.url+path, nil)
		req.Header.Set("Accept", "text/html")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
}

// The store page labels an expected loss as estimated, with whose reviews
// gave its false share, and a false alarm rate with no review as "not
// reviewed"; the headline card is what interventions recovered; the
// segments page's record says when no model paid.
func TestPagesLabelEstimatesAndReviews(t *testing.T) {
	t.Parallel()
	f := kpiFixture(t) // S1: e1 false, e2 walked out (30), e3 open (60); S2 nothing
	get := signedIn(t, f, f.token(ss.RoleOps))
	code, body := get("/stores/S1?from=2026-01-05&to=2026-01-11")
	if code != 200 {
		t.Fatalf("store page: %d", code)
	}
	// 30 + 60 × (1 − 1/2): the estate's two reviews, one false.
	for _, want := range []string{"Estimated loss", "60.00", "estimated: unreviewed events less the 50.0% false share of the estate&#39;s reviews",
		`data-kpi="recovered_by_intervention"`, "reviews must be a random sample"} {
		if !strings.Contains(body, want) {
			t.Errorf("S1 page lacks %q", want)
		}
	}
	if strings.Contains(body, `data-kpi="recovered_value"`) {
		t.Error("S1 page shows recovered_value as a headline; recovered_by_intervention is the headline")
	}
	// S2: an event nobody reviewed.
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(event("S2", "Z1", time.Date(2026, 1, 6, 6, 0, 0, 0, time.UTC))))
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, body = get("/stores/S2?from=2026-01-05&to=2026-01-11")
	if !strings.Contains(body, "not reviewed") {
		t.Error("S2 page lacks the false alarm rate's \"not reviewed\"")
	}

	y := time.Now().UTC().AddDate(0, 0, -1)
	if _, err := f.pool.Exec(context.Background(), `
INSERT INTO segment_snapshots (store_id, day, status, tier, current_model, recommended_model, mismatch, rationale, segment)
SELECT id, $1, 'ok', 'low', 'soc', '', false, 'No model pays here', '{}' FROM stores WHERE code = 'S1'`,
		time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if _, body = get("/segments"); !strings.Contains(body, "low risk; no model pays.") {
		t.Error("segments page's record lacks \"no model pays\"")
	}
}
