package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
)

// Webhooks are an admin's: others are refused, bad input names its field
// and stores nothing, and a registered webhook shows its deliveries.
func TestWebhooksOverHTTP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const secret = "0123456789abcdef-secret"
	good := map[string]any{"url": "https://hooks.example.com/shrinkscope", "events": []string{"report.created"}, "secret": secret}
	for _, role := range []ss.Role{ss.RoleOps, ss.RolePlanner, ss.RoleMerchandiser, ss.RoleIngest} {
		tok := f.token(role)
		for _, c := range [][2]string{{"POST", "/api/v1/webhooks"}, {"GET", "/api/v1/webhooks"}, {"DELETE", "/api/v1/webhooks/1"}, {"GET", "/api/v1/webhooks/1/deliveries"}} {
			if r := f.do(c[0], c[1], tok, good); r.Status != 403 {
				t.Errorf("%s %s as %s: %d", c[0], c[1], role, r.Status)
			}
		}
	}
	if r := f.do("GET", "/api/v1/webhooks", "", nil); r.Status != 401 {
		t.Errorf("no token: %d", r.Status)
	}
	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"url": "ftp://hooks.example.com/x", "events": []string{"job.failed"}, "secret": secret}, "url"},
		{map[string]any{"url": "hooks.example.com", "events": []string{"job.failed"}, "secret": secret}, "url"},
		{map[string]any{"events": []string{"job.failed"}, "secret": secret}, "url"},
		{map[string]any{"url": "http://h.example.com", "events": []string{}, "secret": secret}, "events"},
		{map[string]any{"url": "http://h.example.com", "events": []string{"report.updated"}, "secret": secret}, "events"},
		{map[string]any{"url": "http://h.example.com", "events": "job.failed", "secret": secret}, "events"},
		{map[string]any{"url": "http://h.example.com", "events": []string{"job.failed"}}, "secret"},
		{map[string]any{"url": "http://h.example.com", "events": []string{"job.failed"}, "secret": secret, "store": "S1"}, "store"},
	} {
		if r := f.do("POST", "/api/v1/webhooks", f.admin, c.body); r.Status != 422 || r.errField() != c.field {
			t.Errorf("%v: %d %s, want 422 naming %s", c.body, r.Status, r.Raw, c.field)
		}
	}
	if r := f.doType("POST", "/api/v1/webhooks", f.admin, "text/plain", good); r.Status != 415 {
		t.Errorf("text/plain: %d", r.Status)
	}
	if n := f.count("report_webhooks"); n != 0 {
		t.Fatalf("bad input stored %d webhooks", n)
	}

	r := f.mustStatus(201, "POST", "/api/v1/webhooks", f.admin, good)
	id := int64(r.Body["id"].(float64))
	if strings.Contains(string(r.Raw), secret) || r.Body["url"] != good["url"] {
		t.Errorf("created %s", r.Raw)
	}
	r = f.mustStatus(200, "GET", "/api/v1/webhooks", f.admin, nil)
	if hooks := r.Body["webhooks"].([]any); len(hooks) != 1 || strings.Contains(string(r.Raw), secret) {
		t.Errorf("list %s", r.Raw)
	}
	rep := reports.NewReports(f.pool, kpi.NewKPIs(f.pool), layout.New(f.pool))
	if n, err := rep.WriteWeek(context.Background(), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)); err != nil || n != 3 {
		t.Fatalf("wrote %d reports (2 stores + estate): %v", n, err)
	}
	r = f.mustStatus(200, "GET", "/api/v1/webhooks/"+jsonNum(id)+"/deliveries", f.admin, nil)
	ds := r.Body["deliveries"].([]any)
	if len(ds) != 3 {
		t.Fatalf("deliveries %s", r.Raw)
	}
	for _, d := range ds {
		d := d.(map[string]any)
		if d["event"] != "report.created" || d["status"] != "pending" || d["attempts"] != 0.0 || d["id"] == "" {
			t.Errorf("delivery %v", d)
		}
	}
	if r := f.do("GET", "/api/v1/webhooks/999/deliveries", f.admin, nil); r.Status != 404 || r.errField() != "id" {
		t.Errorf("unknown webhook: %d %s", r.Status, r.Raw)
	}
	if r := f.do("GET", "/api/v1/webhooks/x/deliveries", f.admin, nil); r.Status != 422 || r.errField() != "id" {
		t.Errorf("bad id: %d %s", r.Status, r.Raw)
	}
	f.mustStatus(204, "DELETE", "/api/v1/webhooks/"+jsonNum(id), f.admin, nil)
	if r := f.do("DELETE", "/api/v1/webhooks/"+jsonNum(id), f.admin, nil); r.Status != 404 {
		t.Errorf("second delete: %d", r.Status)
	}
	if n := f.count("report_deliveries"); n != 0 {
		t.Errorf("%d deliveries left after the webhook was removed", n)
	}
}

// The webhook network rules over HTTP: a URL naming a loopback, private or
// link-local address (the database, a cache, the cloud metadata service,
// this very server) answers 422 naming url, as do oversized fields and a
// NUL in the secret, and nothing is stored; an upper-case scheme or host,
// which once passed Go's check and failed the database's (a 500), is
// stored in lower case. A token limited to some stores may not touch
// webhooks at all: every webhook gets every store's events.
func TestWebhookURLRulesOverHTTP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const secret = "0123456789abcdef-secret"
	body := func(url, secret string) map[string]any {
		return map[string]any{"url": url, "events": []string{"report.created"}, "secret": secret}
	}
	for _, c := range []struct{ url, secret, field string }{
		{"http://127.0.0.1:5432/", secret, "url"},
		{"http://localhost:6379/", secret, "url"},
		{"http://[::1]:8080/", secret, "url"},
		{f.url + "/api/v1/jobs/reports/run", secret, "url"},
		{"http://169.254.169.254/latest/meta-data/", secret, "url"},
		{"http://10.0.0.5:8080/", secret, "url"},
		{"http://[::ffff:192.168.0.1]/", secret, "url"},
		{"http://127.1/", secret, "url"},
		{"https://hooks.example.com/" + strings.Repeat("x", 2100), secret, "url"},
		{"https://hooks.example.com/", strings.Repeat("s", 300), "secret"},
		{"https://hooks.example.com/", secret + "\x00", "secret"},
		{"https://hooks.example.com/\x00", secret, "url"},
	} {
		if r := f.do("POST", "/api/v1/webhooks", f.admin, body(c.url, c.secret)); r.Status != 422 || r.errField() != c.field {
			t.Errorf("%.80s: %d %.200s, want 422 naming %s", c.url, r.Status, r.Raw, c.field)
		}
	}
	if n := f.count("report_webhooks"); n != 0 {
		t.Fatalf("refused webhooks stored: %d", n)
	}
	r := f.mustStatus(201, "POST", "/api/v1/webhooks", f.admin, body("HTTP://Hooks.Example.COM/In?Key=V#part", secret))
	if r.Body["url"] != "http://hooks.example.com/In?Key=V" {
		t.Errorf("stored url %v, want http://hooks.example.com/In?Key=V", r.Body["url"])
	}
	scoped := f.token(ss.RoleAdmin, "S1")
	for _, c := range [][2]string{{"POST", "/api/v1/webhooks"}, {"GET", "/api/v1/webhooks"},
		{"DELETE", "/api/v1/webhooks/" + jsonNum(r.Body["id"])}, {"GET", "/api/v1/webhooks/" + jsonNum(r.Body["id"]) + "/deliveries"}} {
		if r := f.do(c[0], c[1], scoped, body("https://hooks.example.com/s1", secret)); r.Status != 403 {
			t.Errorf("%s %s with an admin token for S1: %d, want 403", c[0], c[1], r.Status)
		}
	}
	if n := f.count("report_webhooks"); n != 1 {
		t.Errorf("%d webhooks stored, want the one", n)
	}
}
