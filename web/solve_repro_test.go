package web_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/web"
)

// monthWhatIf is the issue's request: 31 days open round the clock, every
// hour needing 900–1,000 staff, shifts of 1 to 24 hours and a budget of
// 50,000 paid hours.
func monthWhatIf() map[string]any {
	rng := rand.New(rand.NewPCG(23, 1))
	open := map[string][]string{}
	var req []map[string]any
	for d := range 31 {
		day := time.Date(2026, 7, 1+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		open[day] = []string{"00:00", "00:00"}
		for h := range 24 {
			req = append(req, map[string]any{"day": day, "hour": h, "required": 900 + rng.IntN(101)})
		}
	}
	return map[string]any{"opening_hours": open, "requirements": req,
		"shift_rules": map[string]int{"min_hours": 1, "max_hours": 24}, "budget_hours": 50_000}
}

// The issue's reproduction, sent by a store-scoped reader: it ran 341 s and
// went on after its client left. It is within the bounds, so it is
// answered, in seconds, with a plan inside the budget whose shifts add up
// to its paid hours; and when its client leaves mid-solve, the request
// ends promptly as a client close.
func TestSolveOfTheIssueIsAnsweredInSeconds(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ops := f.token(ss.RoleOps, "S1")
	start := time.Now()
	r := f.mustStatus(200, "POST", "/api/v1/staffing/solve", ops, monthWhatIf())
	took := time.Since(start)
	if took > 60*time.Second { // about half a second of one core; the race detector and a shared machine slow it
		t.Errorf("the issue's solve took %s", took)
	}
	paid := int(r.Body["paid_hours"].(float64))
	sum := 0
	for _, s := range r.Body["shifts"].([]any) {
		sh := s.(map[string]any)
		a, b := hourOf(t, sh["start"].(string)), hourOf(t, sh["end"].(string))
		if b <= a {
			b += 24
		}
		sum += (b - a) * int(sh["headcount"].(float64))
	}
	if paid > 50_000 || paid < 49_000 || sum != paid {
		t.Errorf("paid_hours %d (shifts add up to %d), want at most the budget of 50,000 and near it", paid, sum)
	}
	t.Logf("answered in %s: %d paid hours in %d shifts", took, paid, len(r.Body["shifts"].([]any)))

	// The client leaves once the body is sent: the answer is a client close,
	// long before the solve would have ended.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/staffing/solve", nil)
	req.Body = io.NopCloser(&cancelOnEOF{strings.NewReader(jsonNum(monthWhatIf())), cancel})
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ops)
	rec := httptest.NewRecorder()
	start = time.Now()
	f.server.ServeHTTP(rec, req)
	if rec.Code != web.StatusClientClosed || time.Since(start) > took/2+time.Second {
		t.Errorf("client gone: status %d after %s (a whole solve took %s)", rec.Code, time.Since(start), took)
	}
}

// hourOf reads the hour of "HH:00".
func hourOf(t *testing.T, clock string) int {
	t.Helper()
	if len(clock) != 5 || clock[2:] != ":00" {
		t.Fatalf("clock %q", clock)
	}
	return int(clock[0]-'0')*10 + int(clock[1]-'0')
}
