package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/migrations"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// sh runs the program like a shell would and returns stdout, stderr and the error.
func sh(t *testing.T, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb syncBuffer
	err := run(context.Background(), args, envOf(vars), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestTokenCommands(t *testing.T) {
	t.Parallel()
	_, url := dbtest.NewWithURL(t)
	vars := map[string]string{"DATABASE_URL": url}
	out, _, err := sh(t, vars, "token", "create", "--role", "ops", "--name", "night shift")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "sst_") || len(lines[0]) != 47 {
		t.Fatalf("token create printed %q, want the token alone on one line", out)
	}
	list, _, err := sh(t, vars, "token", "list")
	if err != nil || !strings.Contains(list, "night shift") || !strings.Contains(list, "ops") || strings.Contains(list, strings.TrimSpace(out)) {
		t.Fatalf("token list (err %v):\n%s", err, list)
	}
	if _, _, err := sh(t, vars, "token", "create", "--role", "boss", "--name", "x"); err == nil || !strings.Contains(err.Error(), "--role") {
		t.Errorf("bad role: %v", err)
	}
	if _, _, err := sh(t, vars, "token", "create", "--role", "ops", "--name", "x", "--stores", "NOPE"); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("unknown store: %v", err)
	}
	for _, stores := range []string{",", " , ", "S1,", ",S1", "S1,,S2"} {
		if out, _, err := sh(t, vars, "token", "create", "--role", "ops", "--name", "x", "--stores", stores); err == nil || !strings.Contains(err.Error(), "--stores") || !strings.Contains(err.Error(), "empty") {
			t.Errorf("--stores %q: printed %q, err %v; want refused naming an empty store", stores, out, err)
		}
	}
	if out, _, err := sh(t, vars, "token", "revoke", "night shift"); err != nil || !strings.Contains(out, "revoked 1") {
		t.Errorf("revoke: %q %v", out, err)
	}
	if _, _, err := sh(t, vars, "token", "revoke", "night shift"); err == nil {
		t.Errorf("revoking twice succeeded")
	}
}

func TestMigrateAndConfigErrors(t *testing.T) {
	t.Parallel()
	url := dbtest.NewEmpty(t)
	vars := map[string]string{"DATABASE_URL": url}
	if out, _, err := sh(t, vars, "migrate", "status"); err != nil || !strings.Contains(out, "pending") {
		t.Errorf("status on an empty database: %q %v", out, err)
	}
	if out, _, err := sh(t, vars, "migrate", "up"); err != nil || !strings.Contains(out, fmt.Sprintf("schema at version %d", migrations.Latest())) {
		t.Errorf("migrate up: %q %v", out, err)
	}
	if out, _, _ := sh(t, vars, "migrate", "status"); strings.Contains(out, "pending") {
		t.Errorf("status after up still pending:\n%s", out)
	}
	vars["SHRINKSCOPE_MAX_BATCH"] = "lots"
	if _, _, err := sh(t, vars, "serve"); err == nil || !strings.Contains(err.Error(), "SHRINKSCOPE_MAX_BATCH") {
		t.Errorf("bad environment value: %v", err)
	}
	_, help, err := sh(t, map[string]string{}, "serve", "--help")
	if err == nil {
		t.Errorf("--help returned no error")
	}
	for _, name := range []string{"DATABASE_URL", "SHRINKSCOPE_ADDR", ":8080", "SHRINKSCOPE_MAX_BODY_BYTES", "SHRINKSCOPE_SHUTDOWN_TIMEOUT", "SHRINKSCOPE_LOG_FORMAT"} {
		if !strings.Contains(help, name) {
			t.Errorf("serve --help lacks %s", name)
		}
	}
	if _, _, err := sh(t, vars, "frobnicate"); err == nil {
		t.Errorf("unknown command accepted")
	}
}

// serve answers /healthz; on shutdown it finishes a request still being
// received, and its events are stored.
func TestServeShutsDownGracefully(t *testing.T) {
	t.Parallel()
	pool, url := dbtest.NewWithURL(t)
	addr := freeAddr(t)
	vars := map[string]string{"DATABASE_URL": url, "SHRINKSCOPE_ADDR": addr, "SHRINKSCOPE_LOG_FORMAT": "json"}
	token, _, err := sh(t, vars, "token", "create", "--role", "admin", "--name", "t")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, envOf(vars), strings.NewReader(""), io.Discard, &logs) }()
	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil && res.StatusCode == 200 {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	put := func(path, body string) {
		req, _ := http.NewRequest("PUT", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode >= 300 {
			t.Fatalf("PUT %s: %v %v", path, err, res)
		}
		res.Body.Close()
	}
	put("/api/v1/stores/S1", `{"name":"s","timezone":"UTC","opening_hours":{"mon":[["08:00","20:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"detection","currency":"GBP"}`)
	put("/api/v1/stores/S1/zones", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]},"properties":{"id":"Z1","name":"z","kind":"aisle","category":"c","unit_value":5}}]}`)

	// Send half a request, shut down, then send the rest.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", base+"/api/v1/events", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resc := make(chan *http.Response, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		resc <- res
	}()
	at := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	fmt.Fprintf(pw, `{"events":[{"id":"%s","store":"S1","zone":"Z1","occurred_at":"%s","score":0.8},`, uuid.Must(uuid.NewV7()), at)
	time.Sleep(200 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	fmt.Fprintf(pw, `{"id":"%s","store":"S1","zone":"Z1","occurred_at":"%s","score":0.7}]}`, uuid.Must(uuid.NewV7()), at)
	pw.Close()
	res := <-resc
	if res == nil || res.StatusCode != 200 {
		t.Fatalf("in-flight request during shutdown: %v", res)
	}
	res.Body.Close()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	var n int
	_ = pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n)
	if n != 2 {
		t.Errorf("%d events stored, want 2", n)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Errorf("server still answers after shutdown")
	}
	if !strings.Contains(logs.String(), `"msg":"shutting down`) {
		t.Errorf("no shutdown log line:\n%s", logs.String())
	}
}

// A served estate's KPIs follow ingest without anyone asking for a refresh,
// and `kpi rebuild` recomputes them to the same figures.
func TestServeKeepsKPIsCurrent(t *testing.T) {
	t.Parallel()
	pool, url := dbtest.NewWithURL(t)
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	vars := map[string]string{"DATABASE_URL": url, "SHRINKSCOPE_ADDR": addr, "SHRINKSCOPE_ROLLUP_INTERVAL": "200ms", "SHRINKSCOPE_METRICS_ADDR": metricsAddr}
	call := serveAsAdmin(t, vars)
	deadline := time.Now().Add(20 * time.Second)
	call("PUT", "/api/v1/stores/S1", `{"name":"s","timezone":"UTC","opening_hours":{"mon":[["08:00","20:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"detection","currency":"GBP"}`)
	call("PUT", "/api/v1/stores/S1/zones", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]},"properties":{"id":"Z1","name":"z","kind":"aisle","category":"c","unit_value":5}}]}`)
	at := "2026-02-03T10:30:00Z"
	var evs []string
	for range 3 {
		evs = append(evs, fmt.Sprintf(`{"id":"%s","store":"S1","zone":"Z1","occurred_at":"%s","score":0.8}`, uuid.Must(uuid.NewV7()), at))
	}
	if code, body := call("POST", "/api/v1/events", `{"events":[`+strings.Join(evs, ",")+`]}`); code != 200 {
		t.Fatalf("events: %d %s", code, body)
	}
	want := `"events":3`
	for {
		_, body := call("GET", "/api/v1/kpis?from=2026-02-03&to=2026-02-03&by=estate", "")
		if strings.Contains(body, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("KPIs never showed the events: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The refresher's work shows in /metrics: three events in one hour, one bucket at least.
	if _, body := call("GET", "/metrics", ""); !strings.Contains(body, "shrinkscope_rollup_refresh_failures_total 0") ||
		strings.Contains(body, "shrinkscope_rollup_buckets_refreshed_total 0\n") || !strings.Contains(body, "shrinkscope_rollup_buckets_refreshed_total") {
		t.Errorf("rollup metrics missing from /metrics")
	}
	// Without a token: refused on the main address, served on --metrics-addr.
	if res, err := http.Get("http://" + addr + "/metrics"); err != nil || res.StatusCode != 401 {
		t.Errorf("/metrics on the main address without a token: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if res, err := http.Get("http://" + metricsAddr + "/metrics"); err != nil || res.StatusCode != 200 {
		t.Errorf("/metrics on --metrics-addr: %v %v", res, err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), "shrinkscope_rollup_buckets_refreshed_total") {
			t.Errorf("--metrics-addr serves other metrics: %.300s", b)
		}
	}
	out, _, err := sh(t, vars, "kpi", "rebuild", "--store", "S1")
	if err != nil || !strings.Contains(out, "rebuilt") {
		t.Fatalf("kpi rebuild: %q %v", out, err)
	}
	if _, body := call("GET", "/api/v1/kpis?from=2026-02-03&to=2026-02-03&by=estate", ""); !strings.Contains(body, want) {
		t.Errorf("after rebuild: %s", body)
	}
	if _, _, err := sh(t, vars, "kpi", "rebuild", "--store", "NOPE"); err == nil {
		t.Errorf("rebuild of an unknown store succeeded")
	}
	// kpi verify: no drift, then drift planted by hand is printed and fails the command.
	out, _, err = sh(t, vars, "kpi", "verify")
	if err != nil || !strings.Contains(out, "verified 1 stores") || !strings.Contains(out, ": 0 figures drift") {
		t.Fatalf("kpi verify: %q %v", out, err)
	}
	if _, err := pool.Exec(context.Background(), `UPDATE kpi_store_daily SET events = events + 2`); err != nil {
		t.Fatal(err)
	}
	out, _, err = sh(t, vars, "kpi", "verify", "--store", "S1", "--from", "2026-02-03", "--to", "2026-02-03")
	if err == nil || !strings.Contains(out, "drift: S1 kpi_store_daily 2026-02-03 events: rollup 5, facts 3") {
		t.Errorf("planted drift: %q %v", out, err)
	}
	if _, _, err := sh(t, vars, "kpi", "verify", "--from", "2026-02-04", "--to", "2026-02-03"); err == nil {
		t.Errorf("verify accepted --to before --from")
	}
}

// --help on every command and subcommand prints its usage, exits 0 and
// touches no database: the URL given cannot be reached and the state folder
// stays empty, so any attempt would fail or leave a trace.
func TestHelpTouchesNoDatabase(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	vars := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", "SHRINKSCOPE_STATE_DIR": state}
	for _, args := range [][]string{
		{"serve"}, {"migrate"}, {"migrate", "up"}, {"migrate", "status"},
		{"token"}, {"token", "create"}, {"token", "list"}, {"token", "revoke"},
		{"kpi"}, {"kpi", "rebuild"}, {"kpi", "refresh"}, {"kpi", "verify"},
		{"jobs"}, {"jobs", "list"}, {"jobs", "run"}, {"demo"}, {"vision"}, {"vision", "check"}, {"frigate"},
	} {
		for _, help := range []string{"--help", "-h"} {
			_, stderr, err := sh(t, vars, append(args, help)...)
			if code := exitCode(err); !errors.Is(err, flag.ErrHelp) || code != 0 {
				t.Errorf("%v %s: %v (exit %d)", args, help, err, code)
			}
			if !strings.Contains(strings.ToLower(stderr), "usage") {
				t.Errorf("%v %s printed no usage: %q", args, help, stderr)
			}
		}
	}
	if left, _ := os.ReadDir(state); len(left) > 0 {
		t.Errorf("--help left %d entries in the state folder", len(left))
	}
	if _, _, err := sh(t, vars, "token", "frobnicate"); exitCode(err) != 2 {
		t.Errorf("a wrong subcommand: %v (exit %d), want 2", err, exitCode(err))
	}
}

// serveAsAdmin runs `serve` with vars until the test ends, waits up to 30 s
// for /healthz (vars' SHRINKSCOPE_ADDR), and returns a call that sends a
// JSON request with an admin token made by `token create`.
func serveAsAdmin(t *testing.T, vars map[string]string) func(method, path, body string) (int, string) {
	t.Helper()
	token, _, err := sh(t, vars, "token", "create", "--role", "admin", "--name", "t")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, envOf(vars), strings.NewReader(""), io.Discard, io.Discard)
	}()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://" + vars["SHRINKSCOPE_ADDR"]
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for code, _ := call("GET", "/healthz", ""); code != 200; code, _ = call("GET", "/healthz", "") {
		if time.Now().After(deadline) {
			t.Fatal("server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return call
}
