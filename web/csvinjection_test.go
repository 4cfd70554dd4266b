package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// TestKPICSVNeutralisesFormulas stores a region, zone categories and event
// categories (sent by a camera) that a spreadsheet would run as formulas;
// the KPI CSV carries each as text, prefixed with a single quote, and the
// JSON answer keeps them as sent.
func TestKPICSVNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	f := setup(t)
	st := storeJSON("Europe/London")
	st["region"] = "+1+1"
	f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/S3", f.admin, st)
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/S3/zones", f.admin, zonesJSON(
		zone("Z1", `=HYPERLINK("http://evil.example/","open me")`, 10, 0, 0, 2, 2),
		zone("Z2", "-2+3", 10, 2, 0, 4, 2)))
	at := time.Date(2026, 1, 5, 14, 10, 0, 0, time.UTC)
	e1, e2, e3, e4 := event("S3", "Z1", at), event("S3", "Z2", at), event("S3", "Z2", at), event("S3", "Z1", at)
	e3["category"] = "@SUM(1,1)"
	e4["category"] = "\t=1+1"
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e1, e2, e3, e4))
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	ops := f.token(ss.RoleOps)
	for _, c := range []struct {
		by, column string
		want       []string
	}{
		{"region", "region", []string{"'+1+1"}},
		{"category", "category", []string{`'=HYPERLINK("http://evil.example/","open me")`, "'-2+3", "'@SUM(1,1)", "'\t=1+1"}},
	} {
		recs := f.csv(ops, "/api/v1/kpis?from=2026-01-05&to=2026-01-05&format=csv&by="+c.by)
		col := slices.Index(recs[0], c.column)
		if col < 0 {
			t.Fatalf("by=%s: no %s column in %v", c.by, c.column, recs[0])
		}
		var got []string
		for _, r := range recs[1:] {
			got = append(got, r[col])
		}
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("by=%s: %s cells %q, want %q among them", c.by, c.column, got, w)
			}
		}
	}
	// The JSON answer is not a spreadsheet: it keeps the text as sent.
	r := f.mustStatus(http.StatusOK, "GET", "/api/v1/kpis?from=2026-01-05&to=2026-01-05&by=category&store=S3", ops, nil)
	found := false
	for _, row := range r.Body["rows"].([]any) {
		if row.(map[string]any)["key"].(map[string]any)["category"] == "@SUM(1,1)" {
			found = true
		}
	}
	if !found {
		t.Errorf("JSON rows %s lack category @SUM(1,1) as sent", r.Raw)
	}
}

// csv GETs path as CSV and returns its records.
func (f *fixture) csv(token, path string) [][]string {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		f.t.Fatalf("GET %s: status %d", path, res.StatusCode)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		f.t.Fatal(err)
	}
	return recs
}
