package web_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// A soc token of S1 sees and acts on S1's alerts only: S2's are missing
// from its list and read as not found by id; it sees nothing of finance,
// staffing or layout.
func TestAlertScope(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-time.Minute)
	e1, e2 := event("S1", "Z1", at), event("S2", "Z1", at)
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e1, e2))
	a2 := strconv.FormatInt(alertIDOf(t, f.pool, e2["id"].(string)), 10)
	soc1 := f.token(ss.RoleSOC, "S1")
	r := f.mustStatus(200, "GET", "/api/v1/alerts", soc1, nil)
	list := r.Body["alerts"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["store"] != "S1" {
		t.Errorf("S1's soc list: %s", r.Raw)
	}
	if r := f.do("GET", "/api/v1/alerts?store=S2", soc1, nil); r.Status != 404 {
		t.Errorf("S1's soc naming S2: %d", r.Status)
	}
	for _, act := range []string{"claim", "release", "close"} {
		if r := f.do("POST", "/api/v1/alerts/"+a2+"/"+act, soc1, map[string]any{"outcome": "walked_out"}); r.Status != 404 {
			t.Errorf("S1's soc %s of S2's alert: %d %s", act, r.Status, r.Raw)
		}
	}
	if n := f.count("alerts WHERE status <> 'open'"); n != 0 {
		t.Errorf("%d alerts changed by refused requests", n)
	}
	for _, path := range []string{"/api/v1/kpis", "/api/v1/stores", "/api/v1/stores/S1/staffing-policy", "/api/v1/stores/S1/recommendations", "/api/v1/reports"} {
		if r := f.do("GET", path, soc1, nil); r.Status != 403 {
			t.Errorf("soc GET %s: %d", path, r.Status)
		}
	}
	all := f.mustStatus(200, "GET", "/api/v1/alerts?status=open", f.admin, nil)
	if n := len(all.Body["alerts"].([]any)); n != 2 {
		t.Errorf("admin's open list: %d alerts", n)
	}
}

// Many operators claim one alert over HTTP at once: one 200, every other
// 409 naming the holder; then the close is the event's outcome, which the
// outcomes path refuses to take twice.
func TestAlertClaimRaceHTTP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	e := event("S1", "Z1", time.Now().Add(-time.Minute))
	f.mustStatus(200, "POST", "/api/v1/events", f.ingest, batch(e))
	id := strconv.FormatInt(alertIDOf(t, f.pool, e["id"].(string)), 10)
	const n = 12
	toks := make([]string, n)
	for i := range toks {
		secret, _, err := f.tokens.Create(t.Context(), fmt.Sprintf("op%02d", i), ss.RoleSOC, []string{"S1"})
		if err != nil {
			t.Fatal(err)
		}
		toks[i] = secret
	}
	var wg sync.WaitGroup
	answers := make([]response, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = f.do("POST", "/api/v1/alerts/"+id+"/claim", toks[i], nil) }()
	}
	wg.Wait()
	winner := -1
	for i, r := range answers {
		if r.Status == 200 {
			if winner >= 0 {
				t.Fatalf("two winners: %d and %d", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no winner: %+v", answers[0])
	}
	for i, r := range answers {
		if i != winner && (r.Status != 409 || r.errCode() != "conflict" || !strings.Contains(string(r.Raw), fmt.Sprintf("held by op%02d", winner))) {
			t.Errorf("claimer %d: %d %s", i, r.Status, r.Raw)
		}
	}
	loser := toks[(winner+1)%n]
	if r := f.do("POST", "/api/v1/alerts/"+id+"/close", loser, map[string]any{"outcome": "walked_out"}); r.Status != 409 {
		t.Errorf("a non-holder's close: %d %s", r.Status, r.Raw)
	}
	for _, bad := range []struct {
		body  any
		field string
	}{
		{map[string]any{}, "outcome"},
		{map[string]any{"outcome": "caught"}, "outcome"},
		{map[string]any{"outcome": "walked_out", "value_recovered": 4}, "value_recovered"},
		{map[string]any{"outcome": "walked_out", "by": "me"}, "by"},
	} {
		if r := f.do("POST", "/api/v1/alerts/"+id+"/close", toks[winner], bad.body); r.Status != 422 || !strings.Contains(r.errField(), bad.field) {
			t.Errorf("close %v: %d %s, want 422 naming %s", bad.body, r.Status, r.Raw, bad.field)
		}
	}
	if n := f.count("outcomes"); n != 0 {
		t.Errorf("%d outcomes after refused closes", n)
	}
	r := f.mustStatus(200, "POST", "/api/v1/alerts/"+id+"/close", toks[winner], map[string]any{"outcome": "intervened_recovered", "value_recovered": 12.5})
	if r.Body["status"] != "closed" || r.Body["outcome"] != "intervened_recovered" {
		t.Errorf("closed: %s", r.Raw)
	}
	if n := f.count("outcomes WHERE outcome = 'intervened_recovered' AND responded_at IS NOT NULL"); n != 1 {
		t.Errorf("%d outcomes written by the close", n)
	}
}

// Escalation settings: defaults, a change by ops, and bad values naming
// their field; a soc token may read but not change them.
func TestAlertSettingsAPI(t *testing.T) {
	t.Parallel()
	f := setup(t)
	soc := f.token(ss.RoleSOC, "S1")
	r := f.mustStatus(200, "GET", "/api/v1/stores/S1/alert-settings", soc, nil)
	if r.Body["claim_seconds"] != 60.0 || r.Body["expire_minutes"] != 30.0 {
		t.Errorf("defaults: %s", r.Raw)
	}
	if r := f.do("PUT", "/api/v1/stores/S1/alert-settings", soc, map[string]any{"claim_seconds": 30, "expire_minutes": 10}); r.Status != http.StatusForbidden {
		t.Errorf("soc changing settings: %d", r.Status)
	}
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"claim_seconds": 2, "expire_minutes": 10}, "claim_seconds"},
		{map[string]any{"claim_seconds": 30, "expire_minutes": 0}, "expire_minutes"},
		{map[string]any{"claim_seconds": 30}, "expire_minutes"},
		{map[string]any{"claim_seconds": 30, "expire_minutes": 5, "sound": true}, "sound"},
	} {
		if r := f.do("PUT", "/api/v1/stores/S1/alert-settings", f.admin, bad.body); r.Status != 422 || !strings.Contains(r.errField(), bad.field) {
			t.Errorf("settings %v: %d %s, want 422 naming %s", bad.body, r.Status, r.Raw, bad.field)
		}
	}
	f.mustStatus(200, "PUT", "/api/v1/stores/S1/alert-settings", f.admin, map[string]any{"claim_seconds": 30, "expire_minutes": 10})
	if r := f.mustStatus(200, "GET", "/api/v1/stores/S1/alert-settings", soc, nil); r.Body["claim_seconds"] != 30.0 || r.Body["expire_minutes"] != 10.0 {
		t.Errorf("after the change: %s", r.Raw)
	}
}
