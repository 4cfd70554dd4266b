package alerts_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/reports"
)

// bouncer returns a world on a fresh database (its pool direct) and a pool
// on the same database through PgBouncer in transaction mode.
func bouncer(t *testing.T) (*world, string, func() *pgxpool.Pool) {
	t.Helper()
	pool, url := dbtest.NewWithURL(t)
	via := dbtest.PgBouncerURL(t, url, "cache_describe")
	w := setupOn(t, pool, true)
	return w, url, func() *pgxpool.Pool {
		p, err := pgxpool.New(context.Background(), via+" pool_max_conns=4")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
}

// Three replicas behind one PgBouncer, ticking at once: each alert is
// escalated once, with one alert.unclaimed delivery, and expired once.
func TestEscalationOnceBehindPgBouncer(t *testing.T) {
	t.Parallel()
	w, _, newPool := bouncer(t)
	if _, err := w.svc.Webhooks.Create(w.ctx, reports.NewWebhook{URL: "https://hooks.example.com/soc", Events: []string{reports.EventAlertUnclaimed},
		Secret: strings.Repeat("s", 20)}); err != nil {
		t.Fatal(err)
	}
	var reps []*world
	for range 3 {
		reps = append(reps, setupWith(t, newPool(), false, alerts.Config{}))
	}
	for i := range 10 {
		reps[i%3].event(fmt.Sprintf("S%d", 1+i%2), w.t0.Add(-time.Second))
	}
	for _, c := range []struct {
		at   time.Duration
		what func(alerts.Escalation) int
	}{{61 * time.Second, func(e alerts.Escalation) int { return e.Unclaimed }}, {31 * time.Minute, func(e alerts.Escalation) int { return e.Expired }}} {
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for _, r := range reps {
			r.clock.Set(w.t0.Add(c.at))
			wg.Go(func() {
				for range 3 {
					e, err := r.al.Tick(w.ctx)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					total += c.what(e)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if total != 10 {
			t.Errorf("at t0+%s: %d changes across replicas, want 10", c.at, total)
		}
	}
	if n := w.count(`SELECT count(*) FROM alert_changes WHERE change IN ('escalated', 'expired')`); n != 20 {
		t.Errorf("%d escalated and expired messages, want 20", n)
	}
	if n := w.count(`SELECT count(*) FROM report_deliveries WHERE event = $1`, reports.EventAlertUnclaimed); n != 10 {
		t.Errorf("%d alert.unclaimed deliveries, want 10", n)
	}
}

// A replica whose pool goes through PgBouncer hears of a new alert: by
// NOTIFY on a listen connection straight to PostgreSQL, or, told not to
// LISTEN or unable to, by polling the outbox. Poll is a minute, so only
// the way under test can bring the message within the wait.
func TestFeedBehindPgBouncer(t *testing.T) {
	t.Parallel()
	w, url, newPool := bouncer(t)
	direct, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	nowhere, err := pgx.ParseConfig("host=127.0.0.1 port=1 user=postgres dbname=nowhere sslmode=disable connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  alerts.Config
	}{
		{"listen straight to PostgreSQL", alerts.Config{Listen: direct, FallbackPoll: time.Hour}},
		{"no listen: polling", alerts.Config{NoListen: true, FallbackPoll: 100 * time.Millisecond}},
		{"listen connection refused: polling", alerts.Config{Listen: nowhere, FallbackPoll: 100 * time.Millisecond}},
	} {
		tc.cfg.Poll = time.Minute
		r := setupWith(t, newPool(), false, tc.cfg)
		feed, err := r.al.Follow(w.ctx, nil, false, 0)
		if err != nil {
			t.Fatalf("%s: follow: %v", tc.name, err)
		}
		id := r.event("S1", w.t0.Add(-time.Second))
		select {
		case m, ok := <-feed.Live():
			if !ok || m.Change != "opened" || !strings.Contains(string(m.Data), id) {
				t.Errorf("%s: got %+v (open %v), want the alert of event %s opened", tc.name, m, ok, id)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s: no message within 10 s", tc.name)
		}
		feed.Close()
	}
}
