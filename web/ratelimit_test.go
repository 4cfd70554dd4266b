package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/web"
)

// A token past its limit gets 429 with Retry-After and nothing of its
// request is done; other tokens, of its role or another, are unaffected.
func TestRateLimitPerToken(t *testing.T) {
	t.Parallel()
	limits, err := web.ParseRateLimits("ingest=5/m,ops=2/m")
	if err != nil {
		t.Fatal(err)
	}
	f := setupWith(t, dbtest.New(t), web.Options{RateLimits: limits})
	at := time.Now().Add(-time.Hour)
	for range 5 {
		f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(event("S1", "Z1", at)))
	}
	before := f.count("events")
	r := f.do("POST", "/api/v1/events", f.ingest, batch(event("S1", "Z1", at)))
	// 5 a minute refill one every 12 s; the burst took well under a second.
	retry, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != http.StatusTooManyRequests || r.errCode() != "rate_limited" || retry < 11 || retry > 12 {
		t.Errorf("6th batch in a minute: status %d, Retry-After %q: %s; want 429 rate_limited, retry in 12 s", r.Status, r.Header.Get("Retry-After"), r.Raw)
	}
	if !strings.Contains(string(r.Raw), "5/m") {
		t.Errorf("429 does not name the limit: %s", r.Raw)
	}
	if got := f.count("events"); got != before {
		t.Errorf("a limited batch stored %d events", got-before)
	}
	// Another ingest token has a bucket of its own; admin has no limit.
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.token(ss.RoleIngest), batch(event("S1", "Z1", at)))
	for range 10 {
		f.mustStatus(http.StatusOK, "GET", "/api/v1/stores", f.admin, nil)
	}
	ops, other := f.token(ss.RoleOps), f.token(ss.RoleOps)
	f.mustStatus(http.StatusOK, "GET", "/api/v1/stores", ops, nil)
	f.mustStatus(http.StatusOK, "GET", "/api/v1/stores", ops, nil)
	if r := f.do("GET", "/api/v1/stores", ops, nil); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Errorf("3rd ops read in a minute: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	f.mustStatus(http.StatusOK, "GET", "/api/v1/stores", other, nil)
}

func TestParseRateLimits(t *testing.T) {
	t.Parallel()
	got, err := web.ParseRateLimits(web.DefaultRateLimits)
	if err != nil || got[ss.RoleIngest] != (web.Rate{N: 50, Per: time.Second}) || got[ss.RoleSOC] != (web.Rate{N: 20, Per: time.Second}) ||
		got[ss.RoleCheckout] != (web.Rate{N: 200, Per: time.Second}) || len(got) != 7 {
		t.Errorf("defaults: %v %v", got, err)
	}
	if s := web.FormatRateLimits(got); s != web.DefaultRateLimits {
		t.Errorf("defaults written back as %q", s)
	}
	if got, err := web.ParseRateLimits("admin=600/m"); err != nil || got[ss.RoleAdmin] != (web.Rate{N: 600, Per: time.Minute}) || len(got) != 1 {
		t.Errorf("admin=600/m: %v %v", got, err)
	}
	for _, bad := range []struct{ in, names string }{
		{"boss=5/s", "boss"}, {"ingest=0/s", "ingest"}, {"ingest=5/h", "ingest"}, {"ops=lots", "ops"},
		{"ops=5/s,ops=6/s", "ops"}, {"ingest", "ingest"},
	} {
		if _, err := web.ParseRateLimits(bad.in); err == nil || !strings.Contains(err.Error(), bad.names) {
			t.Errorf("%q: %v, want an error naming %s", bad.in, err, bad.names)
		}
	}
}
