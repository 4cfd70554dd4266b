package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/segments"
	"github.com/shrinkscope/shrinkscope/web"
)

// The jobs API lists jobs, runs one now for an admin and shows its history.
func TestJobsOverHTTP(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	svc := app.New(pool)
	// As serve's table has it: the 90 days to yesterday, recorded under yesterday.
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	sch, err := reports.New(pool, []reports.Job{{Name: "segments", Schedule: "0 4 * * *", Run: func(ctx context.Context) (int, error) {
		return svc.Segments.Record(ctx, yesterday.AddDate(0, 0, -89), yesterday, segments.Config{})
	}}}, reports.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(svc, slog.New(slog.NewTextHandler(testLogWriter(), nil)), web.Options{Jobs: sch}, nil)
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
	// The run recorded each store's segment under yesterday; a second run
	// the same day replaces the day's rows.
	f.mustStatus(200, "POST", "/api/v1/jobs/segments/run", f.admin, nil)
	day := yesterday.Format(time.DateOnly)
	r = f.mustStatus(200, "GET", "/api/v1/segments/history?days=7", ops, nil)
	snaps := r.Body["snapshots"].([]any)
	if len(snaps) != 2 || r.Body["to"] != day {
		t.Fatalf("history %s", r.Raw)
	}
	for i, code := range []string{"S1", "S2"} {
		g := snaps[i].(map[string]any)
		// No facts yet: too little data to tier, and the model the store runs.
		if g["store"] != code || g["day"] != day || g["status"] != segments.StatusInsufficient || g["current_model"] != "soc" ||
			g["mismatch"] != false || g["tier"] != nil || g["rationale"] == "" {
			t.Errorf("snapshot %d: %v", i, g)
		}
	}
	var rows int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM segment_snapshots WHERE day = $1`, yesterday).Scan(&rows); err != nil || rows != 2 {
		t.Errorf("%d snapshot rows after two runs, %v", rows, err)
	}
	// One store; a store-scoped token sees its own only; the window is checked.
	if r := f.mustStatus(200, "GET", "/api/v1/segments/history?store=S2&days=7", ops, nil); len(r.Body["snapshots"].([]any)) != 1 {
		t.Errorf("one store %s", r.Raw)
	}
	s1 := f.token(ss.RoleOps, "S1")
	if r := f.mustStatus(200, "GET", "/api/v1/segments/history", s1, nil); len(r.Body["snapshots"].([]any)) != 1 ||
		r.Body["snapshots"].([]any)[0].(map[string]any)["store"] != "S1" {
		t.Errorf("scoped %s", r.Raw)
	}
	if r := f.do("GET", "/api/v1/segments/history?store=S2", s1, nil); r.Status != 404 || r.errField() != "store" {
		t.Errorf("out of scope: %d %s", r.Status, r.Raw)
	}
	if r := f.do("GET", "/api/v1/segments/history?from=2026-02-01&to=2026-01-01", ops, nil); r.Status != 422 || r.errField() != "to" {
		t.Errorf("reversed window: %d %s", r.Status, r.Raw)
	}
	if r := f.mustStatus(200, "GET", "/api/v1/segments/history?from=2020-01-01&to=2020-01-31", ops, nil); len(r.Body["snapshots"].([]any)) != 0 {
		t.Errorf("empty window %s", r.Raw)
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
