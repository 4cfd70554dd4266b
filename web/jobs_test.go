package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/web"
)

// The jobs API lists jobs, runs one now for an admin and shows its history.
func TestJobsOverHTTP(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	kpis := kpi.NewKPIs(pool)
	sch, err := reports.New(pool, []reports.Job{{Name: "segments", Schedule: "0 4 * * *", Run: func(ctx context.Context) (int, error) {
		segs, err := kpis.Segments(ctx, time.Now().AddDate(0, 0, -90), time.Now(), nil, kpi.SegmentConfig{})
		return len(segs), err
	}}}, reports.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(app.Services(pool), slog.New(slog.NewTextHandler(testLogWriter(), nil)), web.Options{Jobs: sch}, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	f := &fixture{t: t, url: hs.URL, pool: pool, tokens: tokens.New(pool)}
	f.admin = f.token(ss.RoleAdmin)
	f.mustStatus(201, "PUT", "/api/v1/stores/S1", f.admin, storeJSON("Europe/London"))
	f.mustStatus(201, "PUT", "/api/v1/stores/S2", f.admin, storeJSON("Asia/Kolkata"))
	ops := f.token(ss.RoleOps)
	r := f.mustStatus(200, "GET", "/api/v1/jobs", ops, nil)
	jobs := r.Body["jobs"].([]any)
	j := jobs[0].(map[string]any)
	if len(jobs) != 1 || j["name"] != "segments" || j["schedule"] != "0 4 * * *" || j["last_run"] != nil || !strings.HasSuffix(j["next_run"].(string), "T04:00:00Z") {
		t.Errorf("jobs %s", r.Raw)
	}
	if r := f.do("POST", "/api/v1/jobs/segments/run", ops, nil); r.Status != 403 {
		t.Errorf("ops ran a job: %d", r.Status)
	}
	r = f.mustStatus(200, "POST", "/api/v1/jobs/segments/run", f.admin, nil)
	if r.Body["status"] != "ok" || r.Body["rows"] != 2.0 || r.Body["trigger"] != "manual" || r.Body["finished_at"] == nil {
		t.Errorf("run %s", r.Raw)
	}
	r = f.mustStatus(200, "GET", "/api/v1/jobs/segments/runs", ops, nil)
	if runs := r.Body["runs"].([]any); len(runs) != 1 || runs[0].(map[string]any)["status"] != "ok" {
		t.Errorf("runs %s", r.Raw)
	}
	if r := f.do("GET", "/api/v1/jobs/nope/runs", ops, nil); r.Status != 404 || r.errField() != "name" {
		t.Errorf("unknown job: %d %s", r.Status, r.Raw)
	}
	if r := f.do("GET", "/api/v1/jobs/segments/runs?limit=0", ops, nil); r.Status != 422 || r.errField() != "limit" {
		t.Errorf("limit=0: %d %s", r.Status, r.Raw)
	}
	// The ECharts script comes from the binary.
	r = f.mustStatus(200, "GET", "/static/echarts.min.js", "", nil)
	if len(r.Raw) != len(reports.EChartsJS()) || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("echarts.min.js: %d bytes, %s", len(r.Raw), r.Header.Get("Content-Type"))
	}
	// Reports: none yet; a store outside a token's scope is not found.
	r = f.mustStatus(200, "GET", "/api/v1/stores/S1/reports", ops, nil)
	if len(r.Body["reports"].([]any)) != 0 {
		t.Errorf("reports %s", r.Raw)
	}
	if r := f.do("GET", "/api/v1/stores/S1/reports", f.token(ss.RoleOps, "S2"), nil); r.Status != 404 {
		t.Errorf("out of scope: %d", r.Status)
	}
	if r := f.do("GET", "/api/v1/reports", f.token(ss.RoleOps, "S2"), nil); r.Status != 403 {
		t.Errorf("estate reports with a scoped token: %d", r.Status)
	}
	if r := f.do("GET", "/api/v1/reports/x", ops, nil); r.Status != 422 || r.errField() != "id" {
		t.Errorf("bad id: %d %s", r.Status, r.Raw)
	}
}
