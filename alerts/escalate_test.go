package alerts_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/reports"
)

// The webhook event alerts raise is one a webhook may subscribe to.
func TestUnclaimedIsAWebhookEvent(t *testing.T) {
	t.Parallel()
	if alerts.EventUnclaimed != reports.EventAlertUnclaimed {
		t.Fatalf("alerts raises %q, reports knows %q", alerts.EventUnclaimed, reports.EventAlertUnclaimed)
	}
}

// With a fixed clock: an alert unclaimed past its store's claim_seconds
// raises alert.unclaimed once (a delivery written for the subscribed
// webhook), one claimed in time does not; past expire_minutes one not
// closed is closed unresolved by the system, written as its event's
// outcome with the response time it had.
func TestEscalationAndExpiry(t *testing.T) {
	t.Parallel()
	w := setup(t)
	if _, err := w.al.SetSettings(w.ctx, alerts.Settings{Store: "S1", ClaimSeconds: 30, ExpireMinutes: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.al.SetSettings(w.ctx, alerts.Settings{Store: "S1", ClaimSeconds: 30, ExpireMinutes: 0}); ss.ErrorCode(err) != ss.EINVALID || !strings.Contains(err.Error(), "expire_minutes") {
		t.Errorf("expire_minutes 0: %v", err)
	}
	if _, err := w.svc.Webhooks.Create(w.ctx, reports.NewWebhook{URL: "https://hooks.example.com/soc", Events: []string{reports.EventAlertUnclaimed},
		Secret: strings.Repeat("s", 20)}); err != nil {
		t.Fatal(err)
	}
	occurred := w.t0.Add(-3 * time.Second)
	lonely := w.alertOf(w.event("S1", occurred))    // nobody claims it
	taken := w.alertOf(w.event("S1", occurred))     // claimed at t0+10s
	default60 := w.alertOf(w.event("S2", occurred)) // S2 keeps the defaults: 60 s, 30 min
	w.clock.Set(w.t0.Add(10 * time.Second))
	if _, err := w.al.Claim(w.ctx, operator(1, "ann"), taken.ID); err != nil {
		t.Fatal(err)
	}
	tick := func(at time.Duration, unclaimed, expired int) {
		t.Helper()
		w.clock.Set(w.t0.Add(at))
		e, err := w.al.Tick(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if e.Unclaimed != unclaimed || e.Expired != expired {
			t.Fatalf("tick at t0+%s: %+v, want %d unclaimed and %d expired", at, e, unclaimed, expired)
		}
	}
	tick(29*time.Second, 0, 0)
	tick(30*time.Second, 1, 0) // lonely, 30 s after it opened at t0
	tick(31*time.Second, 0, 0) // once
	tick(59*time.Second, 0, 0)
	tick(60*time.Second, 1, 0) // S2's, on the default 60 s
	if a, _ := w.al.Get(w.ctx, lonely.ID); a.EscalatedAt == nil || !a.EscalatedAt.Equal(w.t0.Add(30*time.Second)) || a.Status != alerts.StatusOpen {
		t.Errorf("the lonely alert after escalation: %+v", a)
	}
	if a, _ := w.al.Get(w.ctx, taken.ID); a.EscalatedAt != nil {
		t.Errorf("the claimed alert was escalated: %+v", a)
	}
	rows, err := w.pool.Query(w.ctx, `SELECT body FROM report_deliveries WHERE event = 'alert.unclaimed' ORDER BY created_at`)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for rows.Next() {
		var b string
		_ = rows.Scan(&b)
		bodies = append(bodies, b)
	}
	rows.Close()
	if len(bodies) != 2 {
		t.Fatalf("%d alert.unclaimed deliveries, want 2", len(bodies))
	}
	var body struct {
		Event string
		Data  alerts.Alert
	}
	if err := json.Unmarshal([]byte(bodies[0]), &body); err != nil || body.Event != "alert.unclaimed" || body.Data.ID != lonely.ID || body.Data.Event.Zone != "Z1" {
		t.Errorf("delivery body %s: %+v %v", bodies[0], body, err)
	}
	tick(119*time.Second, 0, 0)
	tick(120*time.Second, 0, 2) // S1's two: the lonely one and the claimed one
	tick(121*time.Second, 0, 0)
	for _, c := range []struct {
		a         alerts.Alert
		responded *time.Time
	}{{lonely, nil}, {taken, ptrTime(w.t0.Add(10 * time.Second))}} {
		a, _ := w.al.Get(w.ctx, c.a.ID)
		if a.Status != alerts.StatusClosed || a.ClosedBy != alerts.SystemCloser || a.Outcome != "unresolved" || !a.ClosedAt.Equal(w.t0.Add(120*time.Second)) {
			t.Errorf("expired alert: %+v", a)
		}
		var kind string
		var responded *time.Time
		if err := w.pool.QueryRow(w.ctx, `SELECT outcome, responded_at FROM outcomes WHERE event_id = $1`, a.Event.ID).Scan(&kind, &responded); err != nil {
			t.Fatal(err)
		}
		if kind != "unresolved" || (responded == nil) != (c.responded == nil) || responded != nil && !responded.Equal(*c.responded) {
			t.Errorf("outcome of expired alert %d: %s, responded %v, want %v", a.ID, kind, responded, c.responded)
		}
	}
	if a, _ := w.al.Get(w.ctx, default60.ID); a.Status != alerts.StatusOpen {
		t.Errorf("S2's alert expired before its 30 minutes: %+v", a)
	}
	tick(30*time.Minute-time.Second, 0, 0)
	tick(30*time.Minute, 0, 1)
	if n := w.count(`SELECT count(*) FROM alert_changes WHERE change = 'expired'`); n != 3 {
		t.Errorf("%d expired messages, want 3", n)
	}
}

// Two replicas ticking at once escalate and expire each alert once.
func TestEscalationOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := setup(t)
	other := setupOn(t, w.pool, false)
	for i := range 10 {
		w.event(fmt.Sprintf("S%d", 1+i%2), w.t0.Add(-time.Second))
	}
	for _, c := range []struct {
		at   time.Duration
		what func(alerts.Escalation) int
	}{{61 * time.Second, func(e alerts.Escalation) int { return e.Unclaimed }}, {31 * time.Minute, func(e alerts.Escalation) int { return e.Expired }}} {
		w.clock.Set(w.t0.Add(c.at))
		other.clock.Set(w.t0.Add(c.at))
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for _, svc := range []*alerts.Service{w.al, other.al, w.al, other.al} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					e, err := svc.Tick(w.ctx)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					total += c.what(e)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if total != 10 {
			t.Errorf("at t0+%s: %d changes across replicas, want 10", c.at, total)
		}
	}
	if n := w.count(`SELECT count(*) FROM alert_changes WHERE change IN ('escalated', 'expired')`); n != 20 {
		t.Errorf("%d escalated and expired messages, want 20", n)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
