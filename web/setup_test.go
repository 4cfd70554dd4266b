package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/web"
)

// fixture is a running server on a fresh database with two stores, S1
// (Europe/London, zones Z1 cosmetics 12.50 and Z2 spirits 30) and S2
// (Asia/Kolkata, zone Z1), and tokens for each role.
type fixture struct {
	t      testing.TB
	url    string
	pool   *pgxpool.Pool
	tokens *tokens.Service
	admin  string
	ingest string
	logs   *syncBuffer // the server's log
	server http.Handler
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func setup(t testing.TB) *fixture {
	t.Helper()
	return setupOn(t, dbtest.New(t))
}

// setupOn is setup on a database of the caller's (migrated, empty).
func setupOn(t testing.TB, pool *pgxpool.Pool) *fixture {
	t.Helper()
	return setupWith(t, pool, web.Options{})
}

// setupWith is setupOn with server options (body and batch limits are setup's).
func setupWith(t testing.TB, pool *pgxpool.Pool, opt web.Options) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(testLogWriter(), logs), nil))
	if opt.MaxBodyBytes == 0 {
		opt.MaxBodyBytes = 1 << 20
	}
	opt.MaxBatch = 1000
	srv := web.New(app.New(pool), log, opt, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	f := &fixture{t: t, url: hs.URL, pool: pool, tokens: tokens.New(pool), logs: logs, server: srv.Handler()}
	f.admin = f.token(ss.RoleAdmin)
	f.ingest = f.token(ss.RoleIngest)
	f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/S1", f.admin, storeJSON("Europe/London"))
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/S1/zones", f.admin, zonesJSON(
		zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4), zone("Z2", "spirits", 30, 5, 0, 10, 4)))
	f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/S2", f.admin, storeJSON("Asia/Kolkata"))
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/S2/zones", f.admin, zonesJSON(zone("Z1", "razors", 25, 0, 0, 3, 3)))
	return f
}

func (f *fixture) token(role ss.Role, stores ...string) string {
	f.t.Helper()
	secret, _, err := f.tokens.Create(context.Background(), string(role)+"-test", role, stores)
	if err != nil {
		f.t.Fatal(err)
	}
	return secret
}

// response is a decoded answer.
type response struct {
	Status int
	Body   map[string]any
	Raw    []byte
	Header http.Header
}

func (r response) errField() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}

func (r response) errCode() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// itemFields lists "index:field" of each per-item error.
func (r response) itemFields() []string {
	e, _ := r.Body["error"].(map[string]any)
	items, _ := e["items"].([]any)
	var out []string
	for _, it := range items {
		m := it.(map[string]any)
		out = append(out, jsonNum(m["index"])+":"+m["field"].(string))
	}
	return out
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (f *fixture) do(method, path, token string, body any) response {
	f.t.Helper()
	return f.doType(method, path, token, "application/json", body)
}

func (f *fixture) doType(method, path, token, ctype string, body any) response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Raw: raw, Header: res.Header}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

func (f *fixture) mustStatus(want int, method, path, token string, body any) response {
	f.t.Helper()
	r := f.do(method, path, token, body)
	if r.Status != want {
		f.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	return r
}

// count returns the number of rows of a table (a fixed name from the test).
func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func storeJSON(tz string) map[string]any {
	return map[string]any{
		"name": "Test store", "region": "north", "timezone": tz,
		"opening_hours":   map[string]any{"mon": [][]string{{"08:00", "22:00"}}, "sun": [][]string{{"10:00", "16:00"}}},
		"profile":         map[string]any{"urban_density": 1.2, "theft_index": 1.5, "staffing_capacity": 0.8},
		"operating_model": "soc", "currency": "GBP",
	}
}

func zone(id, category string, value, x0, y0, x1, y1 float64) map[string]any {
	return map[string]any{
		"type": "Feature",
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{
			{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}},
		"properties": map[string]any{"id": id, "name": "Zone " + id, "kind": "aisle", "category": category, "unit_value": value},
	}
}

func zonesJSON(features ...map[string]any) map[string]any {
	return map[string]any{"type": "FeatureCollection", "features": features}
}

// testLogWriter shows the server's log when SHRINKSCOPE_TEST_LOG is set.
func testLogWriter() io.Writer {
	if os.Getenv("SHRINKSCOPE_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}
