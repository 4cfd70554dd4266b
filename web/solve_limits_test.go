package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/web"
)

// whatIf is a one-day what-if: 08–22 needing 2 at 08:00 and 1 at 09:00.
func whatIf() map[string]any {
	return map[string]any{
		"opening_hours": map[string][]string{"2026-06-01": {"08:00", "22:00"}},
		"requirements":  []map[string]any{{"day": "2026-06-01", "hour": 8, "required": 2}, {"day": "2026-06-01", "hour": 9, "required": 1}},
		"shift_rules":   map[string]int{"min_hours": 4, "max_hours": 8},
	}
}

// Past a bound of the solve, or with a malformed interval, the answer is
// 422 naming the field; a three-value interval was once cut to its first
// two and solved.
func TestSolveBoundsOverHTTP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ops := f.token(ss.RoleOps, "S1")
	month := map[string][]string{}
	for d := range 32 {
		month[time.Date(2026, 7, 1+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)] = []string{"08:00", "22:00"}
	}
	many := make([]map[string]any, 745)
	for i := range many {
		many[i] = map[string]any{"day": "2026-06-01", "hour": 8, "required": 1}
	}
	for _, tc := range []struct {
		field string
		edit  func(map[string]any)
	}{
		{"opening_hours.2026-06-01", func(b map[string]any) {
			b["opening_hours"] = map[string][]string{"2026-06-01": {"08:00", "12:00", "22:00"}}
		}},
		{"opening_hours.2026-06-01", func(b map[string]any) { b["opening_hours"] = map[string][]string{"2026-06-01": {"08:00"}} }},
		{"opening_hours", func(b map[string]any) { b["opening_hours"] = month }},
		{"requirements", func(b map[string]any) { b["requirements"] = many }},
		{"requirements[0].required", func(b map[string]any) {
			b["requirements"] = []map[string]any{{"day": "2026-06-01", "hour": 8, "required": 1001}}
		}},
		{"budget_hours", func(b map[string]any) { b["budget_hours"] = 100_001 }},
		{"shift_rules.max_hours", func(b map[string]any) { b["shift_rules"] = map[string]int{"min_hours": 4, "max_hours": 25} }},
	} {
		body := whatIf()
		tc.edit(body)
		if r := f.do("POST", "/api/v1/staffing/solve", ops, body); r.Status != 422 || r.errField() != tc.field {
			t.Errorf("want 422 naming %s, got %d %.300s", tc.field, r.Status, r.Raw)
		}
	}
}

// cancelOnEOF is a request body that cancels the request's context once
// it has been read to the end: the client leaves after sending it, while
// the handler works.
type cancelOnEOF struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (b *cancelOnEOF) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.cancel()
	}
	return n, err
}

// A solve whose client has left stops, and the request is logged and
// counted as a client close (499), not answered 200.
func TestSolveStopsWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	budget := whatIf()
	budget["budget_hours"] = 4
	for _, body := range []map[string]any{whatIf(), budget} {
		req := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/staffing/solve", nil)
		req.Body = io.NopCloser(&cancelOnEOF{strings.NewReader(jsonNum(body)), cancel})
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+f.admin)
		rec := httptest.NewRecorder()
		f.server.ServeHTTP(rec, req)
		if rec.Code != web.StatusClientClosed {
			t.Errorf("status %d, want %d: %s", rec.Code, web.StatusClientClosed, rec.Body.Bytes())
		}
		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "client closed request") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("log does not record a client close:\n%s", logs)
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "route=/api/v1/staffing/solve") && !strings.Contains(line, "status=499") {
			t.Errorf("logged as %s", line)
		}
	}
}

// With every solve slot taken, a what-if or a plan build answers 503 with
// Retry-After and stores nothing; once a slot frees, both are answered.
func TestSolvesAtOnceAreCapped(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	srv := web.New(app.New(pool), slog.New(slog.NewTextHandler(testLogWriter(), nil)), web.Options{MaxSolves: 2}, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	f := &fixture{t: t, url: hs.URL, pool: pool, tokens: tokens.New(pool), server: srv.Handler()}
	f.admin = f.token(ss.RoleAdmin)
	f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/S1", f.admin, storeJSON("Europe/London"))
	plan := "/api/v1/stores/S1/staffing-plans?week=2026-01-19"

	release := srv.HoldSolves(2)
	for _, path := range []string{"/api/v1/staffing/solve", plan} {
		r := f.do("POST", path, f.admin, whatIf())
		if path == plan {
			r = f.do("POST", path, f.admin, nil)
		}
		if r.Status != http.StatusServiceUnavailable || r.errCode() != ss.EUNAVAILABLE || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s with every slot taken: %d Retry-After %q %s", path, r.Status, r.Header.Get("Retry-After"), r.Raw)
		}
	}
	if n := f.count("staffing_plans"); n != 0 {
		t.Errorf("%d plans stored while refused", n)
	}
	release()
	one := srv.HoldSolves(1) // one slot left: one more at a time is answered
	defer one()
	f.mustStatus(http.StatusOK, "POST", "/api/v1/staffing/solve", f.admin, whatIf())
	f.mustStatus(http.StatusCreated, "POST", plan, f.admin, nil)
	if n := f.count("staffing_plans"); n != 1 {
		t.Errorf("%d plans stored, want 1", n)
	}
}

// A SOC's stores are counted once however often they are named, an empty
// code or more than 200 stores answer 422 naming stores.
func TestSOCStaffingStoresOnce(t *testing.T) {
	t.Parallel()
	f := staffingFixture(t)
	once := f.mustStatus(200, "GET", "/api/v1/soc-staffing?stores=S1&week=2026-01-19", f.admin, nil)
	twice := f.mustStatus(200, "GET", "/api/v1/soc-staffing?stores=S1,S1,S1&week=2026-01-19", f.admin, nil)
	// as_of says when each was read; the rest must be the same.
	delete(once.Body, "as_of")
	delete(twice.Body, "as_of")
	if a, b := jsonNum(once.Body), jsonNum(twice.Body); a != b {
		t.Errorf("S1 named three times:\n%.400s\nonce:\n%.400s", b, a)
	}
	// S1's three alerts at 14:00 UTC on Monday 19 January, not nine.
	found := false
	for _, h := range twice.Body["hours"].([]any) {
		if m := h.(map[string]any); m["start"] == "2026-01-19T14:00:00Z" {
			found = m["alerts"] == 3.0
		}
	}
	if !found || jsonNum(twice.Body["stores"]) != `["S1"]` {
		t.Errorf("stores %v, 14:00 not 3 alerts: %.600s", twice.Body["stores"], twice.Raw)
	}
	codes := make([]string, 201)
	for i := range codes {
		codes[i] = fmt.Sprintf("X%d", i)
	}
	for _, q := range []string{"S1,,S2", strings.Join(codes, ",")} {
		if r := f.do("GET", "/api/v1/soc-staffing?week=2026-01-19&stores="+q, f.admin, nil); r.Status != 422 || r.errField() != "stores" {
			t.Errorf("stores=%.40s…: %d %.300s", q, r.Status, r.Raw)
		}
	}
}
