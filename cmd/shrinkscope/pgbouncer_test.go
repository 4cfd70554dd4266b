package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// Three serve replicas behind one PgBouncer in transaction mode, the exec
// mode left to auto and the alert stream listening straight to PostgreSQL:
// ingest (COPY), a replayed batch, outcomes and KPI reads answer on every
// replica; the rollups job, ticking every second of a clock the test moves,
// runs once per tick across the three; each unclaimed alert escalates once.
func TestServeReplicasBehindPgBouncer(t *testing.T) {
	t.Parallel()
	pool, direct := dbtest.NewWithURL(t)
	bouncer := dbtest.PgBouncerURL(t, direct, "")
	ctx := context.Background()
	clk := newTickClock(time.Date(2026, 6, 1, 0, 0, 0, 200e6, time.UTC))
	var mu sync.Mutex
	calls := map[string]int{}
	never := "0 0 0 1 1 *" // 1 January: not within the test's clock
	vars := map[string]string{"DATABASE_URL": bouncer, "SHRINKSCOPE_LISTEN_DATABASE_URL": direct, "SHRINKSCOPE_DB_MAX_CONNS": "4",
		"SHRINKSCOPE_ROLLUP_INTERVAL": "200ms", "SHRINKSCOPE_ALERT_ESCALATE_EVERY": "200ms", "SHRINKSCOPE_SCHEDULE_ROLLUPS": "* * * * * *"}
	for _, j := range []string{"REPORTS", "FINDINGS", "SEGMENTS", "RETENTION", "STAFFING_PLANS", "RECOMMENDATIONS", "EVALUATIONS"} {
		vars["SHRINKSCOPE_SCHEDULE_"+j] = never
	}
	token, _, err := sh(t, vars, "token", "create", "--role", "admin", "--name", "t")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	var bases []string
	var logs []*syncBuffer
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for range 3 {
		addr := freeAddr(t)
		rv := map[string]string{"SHRINKSCOPE_ADDR": addr}
		for k, v := range vars {
			if k != "SHRINKSCOPE_ADDR" {
				rv[k] = v
			}
		}
		e := &env{getenv: envOf(rv), stdin: strings.NewReader(""), stdout: io.Discard, stderr: &syncBuffer{}}
		c, err := parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), e, nil, serveFlags...)
		if err != nil {
			t.Fatal(err)
		}
		c.jobClock, c.jobSeconds = clk, true
		c.onJob = func(name string) { mu.Lock(); calls[name]++; mu.Unlock() }
		logs = append(logs, e.stderr.(*syncBuffer))
		wg.Go(func() {
			if err := serve(sctx, e, c, nil); err != nil {
				t.Errorf("serve: %v", err)
			}
		})
		bases = append(bases, "http://"+addr)
	}
	call := func(k int, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, bases[k%3]+path, strings.NewReader(body))
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
	for k := range 3 {
		for code, _ := call(k, "GET", "/healthz", ""); code != 200; code, _ = call(k, "GET", "/healthz", "") {
			if time.Now().After(deadline) {
				t.Fatalf("replica %d did not start: %s", k, logs[k].String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if log := logs[0].String(); !strings.Contains(log, "cache_describe") || !strings.Contains(log, "a pooler") {
		t.Errorf("the start does not say it found transaction pooling and took cache_describe: %s", log)
	}

	store := func(k int, code, model string) {
		t.Helper()
		if c, b := call(k, "PUT", "/api/v1/stores/"+code, `{"name":"s","timezone":"UTC","opening_hours":{"mon":[["08:00","20:00"]]},"profile":{"urban_density":1,"theft_index":1,"staffing_capacity":1},"operating_model":"`+model+`","currency":"GBP"}`); c != 200 && c != 201 {
			t.Fatalf("store %s: %d %s", code, c, b)
		}
		if c, b := call(k+1, "PUT", "/api/v1/stores/"+code+"/zones", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]},"properties":{"id":"Z1","name":"z","kind":"aisle","category":"c","unit_value":5}}]}`); c != 200 {
			t.Fatalf("zones of %s: %d %s", code, c, b)
		}
	}
	store(0, "D1", "detection")
	store(1, "S1", "soc")
	batch := func(store string, at time.Time, n int) (string, []string) {
		var evs, ids []string
		for range n {
			id := uuid.Must(uuid.NewV7()).String()
			ids = append(ids, id)
			evs = append(evs, fmt.Sprintf(`{"id":"%s","store":"%s","zone":"Z1","occurred_at":"%s","score":0.8}`, id, store, at.Format(time.RFC3339)))
		}
		return `{"events":[` + strings.Join(evs, ",") + `]}`, ids
	}
	d1, ids := batch("D1", time.Date(2026, 2, 3, 10, 30, 0, 0, time.UTC), 4)
	if c, b := call(0, "POST", "/api/v1/events", d1); c != 200 || !strings.Contains(b, `"accepted":4`) {
		t.Fatalf("events: %d %s", c, b)
	}
	if c, b := call(1, "POST", "/api/v1/events", d1); c != 200 || !strings.Contains(b, `"accepted":0`) || !strings.Contains(b, `"duplicates":4`) {
		t.Errorf("replayed batch on another replica: %d %s", c, b)
	}
	outs := fmt.Sprintf(`{"outcomes":[{"event":"%s","outcome":"paid","at":"2026-02-03T10:35:00Z"},{"event":"%s","outcome":"walked_out","at":"2026-02-03T10:36:00Z"}]}`, ids[0], ids[1])
	if c, b := call(2, "POST", "/api/v1/outcomes", outs); c != 200 || !strings.Contains(b, `"accepted":2`) {
		t.Errorf("outcomes: %d %s", c, b)
	}
	// 4 events, 1 recovered and 1 lost: recovery rate 1 / (1 + 1).
	for k := 0; ; k++ {
		_, b := call(k, "GET", "/api/v1/kpis?from=2026-02-03&to=2026-02-03&by=estate", "")
		if strings.Contains(b, `"events":4`) && strings.Contains(b, `"recovery_rate":0.5`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("KPIs never showed the events and outcomes: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Three fresh events in the soc store open three alerts; S1 escalates after 5 s.
	if c, b := call(2, "PUT", "/api/v1/stores/S1/alert-settings", `{"claim_seconds":5,"expire_minutes":30}`); c != 200 {
		t.Fatalf("alert settings: %d %s", c, b)
	}
	s1, _ := batch("S1", time.Now().Add(-time.Second), 3)
	if c, b := call(0, "POST", "/api/v1/events", s1); c != 200 {
		t.Fatalf("S1 events: %d %s", c, b)
	}

	// Five ticks of the rollups job, one a second of the clock: each
	// replica's eight job loops asleep on it, the clock moves a second, and
	// the tick's run ends before the next (a tick that comes while the
	// job still runs is skipped: that is the lock's promise, not this one).
	var rows, ok, distinct int
	for k := 1; k <= 5; k++ {
		clk.waitSleepers(t, 3*8)
		clk.advance(time.Second)
		for {
			var final int
			if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE final) FROM job_runs WHERE job = 'rollups'`).Scan(&final); err != nil {
				t.Fatal(err)
			}
			if final == k {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("tick %d has not ended", k)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(200 * time.Millisecond) // the losers' claims, if any were late, are in
	if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'ok'), count(DISTINCT scheduled) FROM job_runs WHERE job = 'rollups'`).Scan(&rows, &ok, &distinct); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n := calls["rollups"]
	mu.Unlock()
	// Ticks at 1, 2, 3, 4 and 5 s.
	if n != 5 || rows != 5 || ok != 5 || distinct != 5 || len(calls) != 1 {
		t.Errorf("5 ticks on three replicas: %v calls, %d runs (%d ok) of %d distinct ticks", calls, rows, ok, distinct)
		if r, err := pool.Query(ctx, `SELECT scheduled, attempt, status, error, detail, started_at FROM job_runs ORDER BY id`); err == nil {
			for r.Next() {
				v, _ := r.Values()
				t.Log(v...)
			}
			r.Close()
		}
	}

	// Each of the three alerts escalates once, whichever replica's tick sees it first.
	var escalated, alertsOpen int
	for {
		if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE escalated_at IS NOT NULL), count(*) FROM alerts`).Scan(&escalated, &alertsOpen); err != nil {
			t.Fatal(err)
		}
		if escalated == 3 || time.Now().After(deadline.Add(10*time.Second)) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a second of escalation ticks on every replica
	var changes int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM alert_changes WHERE change = 'escalated'`).Scan(&changes); err != nil {
		t.Fatal(err)
	}
	if alertsOpen != 3 || escalated != 3 || changes != 3 {
		t.Errorf("%d alerts, %d escalated, %d escalated messages; want 3 of each", alertsOpen, escalated, changes)
	}
}

// tickClock is a reports.Clock that stands still until the test moves it.
type tickClock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  map[chan struct{}]time.Time
	changed chan struct{} // closed and replaced when sleeps changes
}

func newTickClock(start time.Time) *tickClock {
	return &tickClock{now: start, sleeps: map[chan struct{}]time.Time{}, changed: make(chan struct{})}
}

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *tickClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	wake := make(chan struct{})
	c.sleeps[wake] = c.now.Add(d)
	c.signal()
	c.mu.Unlock()
	select {
	case <-wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.sleeps, wake)
		c.signal()
		c.mu.Unlock()
		return ctx.Err()
	}
}

// signal tells waitSleepers that the sleeps changed; c.mu is held.
func (c *tickClock) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// advance moves the clock d forward and wakes the sleeps that end by then.
func (c *tickClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for wake, until := range c.sleeps {
		if !until.After(c.now) {
			delete(c.sleeps, wake)
			close(wake)
		}
	}
	c.signal()
}

// waitSleepers waits until n goroutines sleep on the clock, failing the
// test after 20 s of real time, which only a bug takes.
func (c *tickClock) waitSleepers(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		got, changed := len(c.sleeps), c.changed
		c.mu.Unlock()
		if got == n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%d goroutines sleep on the clock, want %d", got, n)
		}
	}
}

// Behind PgBouncer in transaction mode, serve refuses at start what would
// fail later: named prepared statements asked for, and a listen URL that
// goes through the pooler; each refusal names its setting.
func TestServeRefusesWhatPgBouncerBreaks(t *testing.T) {
	t.Parallel()
	_, direct := dbtest.NewWithURL(t)
	bouncer := dbtest.PgBouncerURL(t, direct, "")
	for _, tc := range []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"cache_statement behind the pooler", map[string]string{"DATABASE_URL": bouncer, "SHRINKSCOPE_DATABASE_EXEC_MODE": "cache_statement"},
			[]string{"cache_statement", "--database-exec-mode cache_describe"}},
		{"the listen URL through the pooler", map[string]string{"DATABASE_URL": direct, "SHRINKSCOPE_LISTEN_DATABASE_URL": bouncer},
			[]string{"--listen-database-url", "pooled per transaction"}},
		{"a bad exec mode", map[string]string{"DATABASE_URL": direct, "SHRINKSCOPE_DATABASE_EXEC_MODE": "prepared"},
			[]string{"SHRINKSCOPE_DATABASE_EXEC_MODE", `"prepared"`}},
	} {
		tc.vars["SHRINKSCOPE_ADDR"] = "127.0.0.1:0"
		// A serve that starts after all stops at the deadline, without an error.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := run(ctx, []string{"serve"}, envOf(tc.vars), strings.NewReader(""), io.Discard, io.Discard)
		cancel()
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: serve = %v, want an error naming %s", tc.name, err, w)
			}
		}
	}
}
