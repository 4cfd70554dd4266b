package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
)

// Every route in the table must be documented in the OpenAPI document, and
// every documented operation must exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	param := regexp.MustCompile(`:([a-z_]+)`)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" {
				documented[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	for _, r := range s.routes() {
		p := param.ReplaceAllString(r.Path, "{$1}")
		p = strings.Replace(p, "/*", "/{path}", 1)
		key := r.Method + " " + p
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
		delete(documented, key)
	}
	for k := range documented {
		t.Errorf("openapi.json documents %s, which no route serves", k)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	srv := New(app.New(pool), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{}, nil)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	admin, _, err := tokens.New(pool).Create(t.Context(), "metrics", ss.RoleAdmin, nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		if path == "/metrics" {
			req.Header.Set("Authorization", "Bearer "+admin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Errorf("/healthz %d %s", code, body)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, `"ready"`) {
		t.Errorf("/readyz %d %s", code, body)
	}
	if code, _ := get("/api/v1/stores"); code != 401 {
		t.Errorf("/api/v1/stores without token: %d", code)
	}
	code, body := get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics %d", code)
	}
	for _, want := range []string{
		`shrinkscope_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`shrinkscope_http_requests_total{method="GET",route="/api/v1/stores",status="401"} 1`,
		`shrinkscope_db_pool_max_connections`,
		`shrinkscope_http_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// With the schema rolled back one step the service is not ready.
	if _, err := pool.Exec(t.Context(), `UPDATE goose_db_version SET is_applied = false WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "migrate") {
		t.Errorf("/readyz with an old schema: %d %s", code, body)
	}
}

// Every operation of the OpenAPI document states its route's store scope
// as x-scope, as the route table has it.
func TestOpenAPIScopesMatchRoutes(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	for _, r := range (&Server{}).routes() {
		p := strings.Replace(param.ReplaceAllString(r.Path, "{$1}"), "/*", "/{path}", 1)
		var op struct {
			Scope string `json:"x-scope"`
		}
		if raw, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok || json.Unmarshal(raw, &op) != nil {
			continue // TestOpenAPIMatchesRoutes reports it
		}
		if op.Scope != r.Scope.String() {
			t.Errorf("%s %s: openapi.json says x-scope %q, the route table %q", r.Method, r.Path, op.Scope, r.Scope)
		}
	}
}

// Every line of the route table can be enforced: check refuses a public
// route with a store scope, a store in the path read from elsewhere, and
// a read or write that names no store.
func TestRouteScopesAreWellFormed(t *testing.T) {
	t.Parallel()
	for _, r := range (&Server{}).routes() {
		if err := r.check(); err != nil {
			t.Error(err)
		}
	}
	for _, bad := range []route{
		{Method: "GET", Path: "/x/:code", Roles: readers, Scope: scopedList},
		{Method: "GET", Path: "/x", Roles: anyone, Scope: estate},
		{Method: "PUT", Path: "/x", Roles: admins, Scope: scope{kind: scopeWrite}},
	} {
		if bad.check() == nil {
			t.Errorf("check accepts %s %s with scope %s", bad.Method, bad.Path, bad.Scope)
		}
	}
}
