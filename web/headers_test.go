package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/app"
)

// Every page and every download carries the headers that stop a browser
// sniffing its type, framing it, sending its address to other sites or
// keeping a copy; the public static files may be cached, and only they.
func TestSecurityHeadersOnPagesAndDownloads(t *testing.T) {
	t.Parallel()
	f := staffingFixture(t)
	f.mustStatus(201, "POST", "/api/v1/stores/S1/staffing-plans?week=2026-01-19", f.admin, nil)
	if _, err := app.New(f.pool).Reports.WriteWeek(context.Background(), time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var report int64
	if err := f.pool.QueryRow(context.Background(), `SELECT min(id) FROM report_snapshots`).Scan(&report); err != nil {
		t.Fatal(err)
	}
	get := func(path, accept string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", f.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+f.admin)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, c := range []struct{ path, accept string }{
		{"/login", "text/html"},
		{"/", "text/html"},
		{"/stores/S1", "text/html"},
		{"/segments", "text/html"},
		{"/layout", "text/html"},
		{"/stores/S1/layout", "text/html"},
		{"/staffing?store=S1&week=2026-01-19", "text/html"},
		{"/reports", "text/html"},
		{"/jobs", "text/html"},
		{"/stores/NOPE", "text/html"}, // an error page
		{"/api/v1/stores", ""},
		{"/api/v1/kpis?format=csv&from=2026-01-01&to=2026-01-31", ""},
		{"/api/v1/stores/S1/staffing-plans/2026-01-19?format=csv", ""},
		{"/api/v1/stores/S1/staffing-plans/2026-01-19?format=xlsx", ""},
		{"/api/v1/staffing-plans/2026-01-19?format=xlsx", ""},
		{fmt.Sprintf("/api/v1/reports/%d", report), ""},
	} {
		res := get(c.path, c.accept)
		if res.StatusCode >= 500 {
			t.Errorf("%s: status %d", c.path, res.StatusCode)
		}
		h := res.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" ||
			h.Get("Cache-Control") != "no-store" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s (%d): nosniff %q, Referrer-Policy %q, Cache-Control %q, CSP %q", c.path, res.StatusCode,
				h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"), h.Get("Cache-Control"), h.Get("Content-Security-Policy"))
		}
	}
	for _, path := range []string{"/static/style.css", "/static/echarts.min.js"} {
		res := get(path, "")
		if res.StatusCode != 200 || res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(res.Header.Get("Cache-Control"), "public") {
			t.Errorf("%s: %d nosniff %q Cache-Control %q", path, res.StatusCode, res.Header.Get("X-Content-Type-Options"), res.Header.Get("Cache-Control"))
		}
	}
}

// A report snapshot's policy runs its own inline scripts, named by their
// SHA-256, and no other: no 'unsafe-inline' for scripts.
func TestReportPolicyHashesItsScripts(t *testing.T) {
	t.Parallel()
	f := staffingFixture(t)
	if _, err := app.New(f.pool).Reports.WriteWeek(context.Background(), time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var report int64
	if err := f.pool.QueryRow(context.Background(), `SELECT min(id) FROM report_snapshots`).Scan(&report); err != nil {
		t.Fatal(err)
	}
	r := f.mustStatus(200, "GET", fmt.Sprintf("/api/v1/reports/%d", report), f.admin, nil)
	csp := r.Header.Get("Content-Security-Policy")
	var scriptSrc string
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src ") {
			scriptSrc = d
		}
	}
	if scriptSrc == "" || strings.Contains(scriptSrc, "unsafe-inline") {
		t.Fatalf("script-src of the report: %q (policy %q)", scriptSrc, csp)
	}
	scripts := regexp.MustCompile(`(?s)<script[^>]*>(.*?)</script>`).FindAllSubmatch(r.Raw, -1)
	if len(scripts) < 2 { // ECharts and at least one chart
		t.Fatalf("the report holds %d scripts", len(scripts))
	}
	want := []string{"script-src"}
	for _, m := range scripts {
		sum := sha256.Sum256(m[1])
		want = append(want, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	if got := strings.Join(want, " "); scriptSrc != got {
		t.Errorf("script-src %.300q, want %.300q", scriptSrc, got)
	}
}

// /readyz's 503 says when to come back, as every 503 does.
func TestReadyzUnavailableHasRetryAfter(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if r := f.do("GET", "/readyz", "", nil); r.Status != 200 {
		t.Fatalf("/readyz %d %s", r.Status, r.Raw)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE goose_db_version SET is_applied = false WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	r := f.do("GET", "/readyz", "", nil)
	if r.Status != 503 || r.Header.Get("Retry-After") != "5" {
		t.Errorf("/readyz not ready: %d Retry-After %q %s", r.Status, r.Header.Get("Retry-After"), r.Raw)
	}
}

// /metrics on the main listener needs an admin token (serve's
// --metrics-addr serves it without one on a listener of its own).
func TestMetricsNeedAnAdmin(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if r := f.do("GET", "/metrics", "", nil); r.Status != 401 {
		t.Errorf("/metrics without a token: %d", r.Status)
	}
	if r := f.do("GET", "/metrics", f.token("ops"), nil); r.Status != 403 {
		t.Errorf("/metrics with an ops token: %d", r.Status)
	}
	if r := f.do("GET", "/metrics", f.admin, nil); r.Status != 200 || !strings.Contains(string(r.Raw), "shrinkscope_http_requests_total") {
		t.Errorf("/metrics as admin: %d %.200s", r.Status, r.Raw)
	}
}
