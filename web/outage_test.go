package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/migrations"
)

// privateDB starts a PostgreSQL of the test's own, migrated, so the test may
// stop it; it skips where no local PostgreSQL binaries exist.
func privateDB(t *testing.T) (*db.DB, db.Options, int) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil { // the unprivileged server user passes through
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	o := db.Options{StateDir: filepath.Join(dir, "state"), Database: "outage", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	d, err := db.OpenPrivate(ctx, o, port)
	if err != nil {
		if strings.Contains(err.Error(), "binaries") {
			t.Skipf("no private PostgreSQL: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := migrations.Up(ctx, d.Pool, nil); err != nil {
		t.Fatal(err)
	}
	return d, o, port
}

// TestDatabaseOutageAnswers503 stops the database while a batch's body is
// still arriving, then calls every kind of handler while it is down: each
// answer is 503 with Retry-After, never a 4xx or a 500, and nothing was
// stored.
func TestDatabaseOutageAnswers503(t *testing.T) {
	t.Parallel()
	d, o, port := privateDB(t)
	f := setupOn(t, d.Pool)
	at := time.Now().Add(-time.Hour)

	// A batch whose first half arrives while the database is up (the token
	// is checked then) and whose second half arrives after it stopped.
	body, _ := json.Marshal(batch(event("S1", "Z1", at), event("S1", "Z2", at)))
	split := len(body) / 2
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", f.url+"/api/v1/events", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.ingest)
	type answer struct {
		res *http.Response
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		done <- answer{res, err}
	}()
	if _, err := pw.Write(body[:split]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the server has checked the token and waits for the body
	if err := d.StopServer(); err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write(body[split:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	raw, _ := io.ReadAll(a.res.Body)
	a.res.Body.Close()
	if a.res.StatusCode != http.StatusServiceUnavailable || a.res.Header.Get("Retry-After") == "" {
		t.Errorf("batch during the outage: status %d, Retry-After %q: %s; want 503 with Retry-After",
			a.res.StatusCode, a.res.Header.Get("Retry-After"), raw)
	}

	ev, _ := json.Marshal(batch(event("S1", "Z1", at)))
	calls := []struct{ method, path, token, body string }{
		{"POST", "/api/v1/events", f.ingest, string(ev)},
		{"POST", "/api/v1/outcomes", f.ingest, `{"outcomes":[{"event":"0190b0b0-0000-7000-8000-000000000001","outcome":"paid","at":"` + at.Format(time.RFC3339) + `"}]}`},
		{"POST", "/api/v1/footfall", f.ingest, `{"footfall":[{"store":"S1","hour":"` + at.Truncate(time.Hour).Format(time.RFC3339) + `","visitors":3}]}`},
		{"POST", "/api/v1/sales", f.ingest, `{"sales":[{"store":"S1","day":"` + at.Format(time.DateOnly) + `","amount":10}]}`},
		{"GET", "/api/v1/me", f.admin, ""},
		{"GET", "/api/v1/stores", f.admin, ""},
		{"GET", "/api/v1/stores/S1", f.admin, ""},
		{"GET", "/api/v1/stores/S1/zones", f.admin, ""},
		{"GET", "/api/v1/kpis", f.admin, ""},
		{"GET", "/api/v1/targets", f.admin, ""},
		{"GET", "/api/v1/segments", f.admin, ""},
		{"PUT", "/api/v1/targets", f.admin, `{"kpi":"events","op":"<=","value":3,"period":"week"}`},
	}
	for _, c := range calls {
		var b any
		if c.body != "" {
			b = c.body
		}
		r := f.do(c.method, c.path, c.token, b)
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || r.errCode() != "unavailable" {
			t.Errorf("%s %s during the outage: status %d, Retry-After %q: %s; want 503 unavailable with Retry-After",
				c.method, c.path, r.Status, r.Header.Get("Retry-After"), r.Raw)
		}
	}
	if r := f.do("GET", "/readyz", "", nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("readyz during the outage: %d, want 503", r.Status)
	}

	// Back up on the same data: nothing of the interrupted batches was stored.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d2, err := db.OpenPrivate(ctx, o, port)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	var n int
	if err := d2.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM footfall) + (SELECT count(*) FROM sales)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d fact rows stored by requests answered 503, want 0", n)
	}
}
