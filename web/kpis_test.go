package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// kpiFixture stores three events in S1 on 5 Jan 2026 (one a false positive),
// 1500 entrance visitors, and refreshes the rollups.
func kpiFixture(t *testing.T) *fixture {
	f := setup(t)
	at := time.Date(2026, 1, 5, 14, 10, 0, 0, time.UTC)
	e1, e2, e3 := event("S1", "Z1", at), event("S1", "Z2", at), event("S1", "Z2", at.Add(time.Minute))
	e3["est_value"] = 60
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e1, e2, e3))
	f.mustStatus(200, "POST", "/api/v1/outcomes", f.ingest, map[string]any{"outcomes": []any{
		map[string]any{"event": e1["id"], "outcome": "false_positive", "at": rfc(at.Add(time.Minute))},
		map[string]any{"event": e2["id"], "outcome": "walked_out", "at": rfc(at.Add(time.Minute))},
	}})
	f.mustStatus(200, "POST", "/api/v1/footfall", f.ingest, map[string]any{"footfall": []any{
		map[string]any{"store": "S1", "hour": "2026-01-05T14:00:00Z", "visitors": 1500},
	}})
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestKPIsOverHTTPAndCSV(t *testing.T) {
	t.Parallel()
	f := kpiFixture(t)
	ops := f.token(ss.RoleOps)
	r := f.mustStatus(200, "GET", "/api/v1/kpis?from=2026-01-05&to=2026-01-11&by=store", ops, nil)
	rows := r.Body["rows"].([]any)
	if len(rows) != 1 {
		t.Fatalf("rows %s", r.Raw)
	}
	row := rows[0].(map[string]any)
	// 2 events (e1 false), 1500 visitors: rate 1000·2/1500; FP rate 1/(0+1+0+1) = 0.5. Two reviews
	// are fewer than 30, in S1 and its region: the estate's false share, 1/2, so est_loss is
	// 30 (e2 lost) + 60 (e3 open) × (1 − 1/2) = 60, estimated.
	if row["events"] != 2.0 || row["visitors"] != 1500.0 || row["est_loss"] != 60.0 || row["false_positive_rate"] != 0.5 ||
		row["est_loss_estimated"] != true || row["est_loss_basis"] != "estate" || row["reviewed"] != 2.0 {
		t.Errorf("row %v", row)
	}
	// 4/3, to the documented 4 significant digits.
	if rate := row["rate_per_1k"].(float64); rate != 1.333 {
		t.Errorf("rate_per_1k %v, want 1.333", rate)
	}
	if row["recovery_rate"] != 0.0 || row["response_p50"] != nil {
		t.Errorf("recovery %v, p50 %v", row["recovery_rate"], row["response_p50"])
	}

	// CSV holds the same rows.
	req, _ := http.NewRequest("GET", f.url+"/api/v1/kpis?from=2026-01-05&to=2026-01-11&by=zone&store=S1", nil)
	req.Header.Set("Authorization", "Bearer "+ops)
	req.Header.Set("Accept", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	recs, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	jr := f.mustStatus(200, "GET", "/api/v1/kpis?from=2026-01-05&to=2026-01-11&by=zone&store=S1", ops, nil)
	jrows := jr.Body["rows"].([]any)
	if len(recs) != len(jrows)+1 || recs[0][0] != "store" || recs[0][1] != "zone" {
		t.Fatalf("csv %v for %d json rows", recs, len(jrows))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimSuffix(h, "_s")] = i // response_p50_s, in seconds, is response_p50
	}
	for i, jrow := range jrows {
		m := jrow.(map[string]any)
		rec := recs[i+1]
		if rec[col["zone"]] != m["key"].(map[string]any)["zone"] {
			t.Errorf("row %d zone %s vs %v", i, rec[col["zone"]], m["key"])
		}
		for _, name := range kpi.KPINames {
			want := m[name]
			got := rec[col[name]]
			switch want := want.(type) {
			case nil:
				if got != "" {
					t.Errorf("row %d %s: csv %q, json null", i, name, got)
				}
			case float64:
				v, err := strconv.ParseFloat(got, 64)
				if err != nil || v != want {
					t.Errorf("row %d %s: csv %q, json %v", i, name, got, want)
				}
			}
			if prev := m["previous"].(map[string]any)[name]; prev != nil && rec[col["previous_"+name]] == "" {
				t.Errorf("row %d previous_%s missing", i, name)
			}
		}
	}
}

func TestKPIRequestsAreCheckedAndScoped(t *testing.T) {
	t.Parallel()
	f := kpiFixture(t)
	s2 := f.token(ss.RoleOps, "S2")
	for _, c := range []struct {
		path   string
		token  string
		status int
		field  string
	}{
		{"/api/v1/kpis?by=planet", f.admin, 422, "by"},
		{"/api/v1/kpis?from=2026-01-05", f.admin, 422, "from"},
		{"/api/v1/kpis?from=2026-01-05&to=yesterday", f.admin, 422, "to"},
		{"/api/v1/kpis?from=2026-01-09&to=2026-01-05", f.admin, 422, "to"},
		{"/api/v1/kpis?zone=Z1&from=2026-01-05&to=2026-01-06", f.admin, 422, "zone"},
		{"/api/v1/kpis?store=S1&from=2026-01-05&to=2026-01-06", s2, 404, "store"},
		{"/api/v1/kpis", f.ingest, 403, ""},
		{"/api/v1/segments?days=3", f.admin, 422, "days"},
	} {
		r := f.do("GET", c.path, c.token, nil)
		if r.Status != c.status || r.errField() != c.field {
			t.Errorf("%s: %d %q, want %d %q: %s", c.path, r.Status, r.errField(), c.status, c.field, r.Raw)
		}
	}
	// The S2 token's estate is S2 alone: S1's events do not show.
	r := f.mustStatus(200, "GET", "/api/v1/kpis?from=2026-01-05&to=2026-01-11&by=estate", s2, nil)
	if rows := r.Body["rows"].([]any); len(rows) != 0 {
		t.Errorf("scoped estate rows %s", r.Raw)
	}
}

func TestTargetsAndSegmentsOverHTTP(t *testing.T) {
	t.Parallel()
	f := kpiFixture(t)
	ops := f.token(ss.RoleOps)
	planner := f.token(ss.RolePlanner)
	f.mustStatus(200, "PUT", "/api/v1/targets", ops, map[string]any{"kpi": "rate_per_1k", "op": "<=", "value": 1.0, "note": "winter"})
	f.mustStatus(403, "PUT", "/api/v1/targets", planner, map[string]any{"kpi": "rate_per_1k", "op": "<=", "value": 2.0})
	if r := f.do("PUT", "/api/v1/targets", ops, map[string]any{"kpi": "rate_per_1k", "op": "<", "value": 1.0}); r.Status != 422 || r.errField() != "op" {
		t.Errorf("bad op: %d %s", r.Status, r.Raw)
	}
	// Additive KPIs need a period; ratios refuse one; nothing is stored.
	for _, body := range []map[string]any{
		{"kpi": "est_loss", "op": "<=", "value": 10000.0},
		{"kpi": "events", "op": "<=", "value": 10.0, "period": "fortnight"},
		{"kpi": "rate_per_1k", "op": "<=", "value": 1.0, "period": "week"},
	} {
		if r := f.do("PUT", "/api/v1/targets", ops, body); r.Status != 422 || r.errField() != "period" {
			t.Errorf("%v: %d %s, want 422 naming period", body, r.Status, r.Raw)
		}
	}
	f.mustStatus(200, "PUT", "/api/v1/targets", ops, map[string]any{"kpi": "est_loss", "op": "<=", "value": 700.0, "period": "week"})
	// Over 7 days a weekly 700 is judged as 700; over 3 days as 300.
	for q, want := range map[string]float64{"from=2026-01-05&to=2026-01-11": 700, "from=2026-01-05&to=2026-01-07": 300} {
		r := f.mustStatus(200, "GET", "/api/v1/kpis?by=store&"+q, planner, nil)
		tg := r.Body["rows"].([]any)[0].(map[string]any)["targets"].(map[string]any)["est_loss"].(map[string]any)
		if tg["period"] != "week" || tg["judged_against"] != want || tg["value"] != 700.0 || tg["met"] != true {
			t.Errorf("%s: est_loss verdict %v, want met against %v", q, tg, want)
		}
	}
	f.mustStatus(204, "DELETE", "/api/v1/targets?kpi=est_loss", ops, nil)
	r := f.mustStatus(200, "GET", "/api/v1/kpis?from=2026-01-05&to=2026-01-11&by=store", planner, nil)
	tg := r.Body["rows"].([]any)[0].(map[string]any)["targets"].(map[string]any)["rate_per_1k"].(map[string]any)
	if tg["met"] != false || tg["scope"] != "estate" {
		t.Errorf("target verdict %v, want missed (4/3 > 1)", tg)
	}
	f.mustStatus(204, "DELETE", "/api/v1/targets?kpi=rate_per_1k", ops, nil)
	r = f.mustStatus(200, "GET", "/api/v1/targets?history=true", planner, nil)
	if list := r.Body["targets"].([]any); len(list) != 2 || list[0].(map[string]any)["superseded_at"] == nil || list[1].(map[string]any)["superseded_at"] == nil {
		t.Errorf("history %s", r.Raw)
	}
}
