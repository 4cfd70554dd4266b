package reports_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/reports"
)

// monday is the weekly reports tick the tests interrupt.
var monday = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// replicas runs a scheduler per node on pool until the test ends; each
// node's jobs come from jobs(node). stop[node] shuts that one down and
// waits for its Run to return.
type replicas struct {
	fired *fires
	stop  map[string]func()
}

func startReplicas(t *testing.T, pool *pgxpool.Pool, cfg reports.Config, jobs func(node string) []reports.Job, nodes ...string) *replicas {
	t.Helper()
	r := &replicas{fired: &fires{t: t}, stop: map[string]func(){}}
	for _, node := range nodes {
		s := scheduler(t, pool, node, cfg, jobs(node)...)
		r.fired.track(s)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		r.stop[node] = func() { cancel(); <-done }
		t.Cleanup(r.stop[node])
	}
	return r
}

// history is the job's runs, newest first, as any replica lists them.
func history(t *testing.T, pool *pgxpool.Pool, job string) []reports.Run {
	t.Helper()
	noop := reports.Job{Name: job, Schedule: "@daily", Run: func(context.Context) (int, error) { return 0, nil }}
	return runs(t, scheduler(t, pool, "reader", reports.Config{}, noop), job)
}

// A tick stopped by shutdown runs again on the replica still up, within a
// minute, as its next attempt; the job runs twice in all, and ends ok.
func TestShutdownTickResumesOnAnotherReplica(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	clk := newClock(t, monday.Add(-30*time.Second))
	var calls atomic.Int64
	ran := make(chan string, 4)
	jobs := func(node string) []reports.Job {
		return []reports.Job{{Name: "reports", Schedule: "0 12 * * 1", Run: func(ctx context.Context) (int, error) {
			first := calls.Add(1) == 1
			ran <- node
			if first { // a long run, stopped by its replica's shutdown
				<-ctx.Done()
				return 0, ctx.Err()
			}
			return 3, nil
		}}}
	}
	r := startReplicas(t, pool, reports.Config{Clock: clk}, jobs, "a", "b")
	clk.Sleepers(2)
	clk.Advance(30 * time.Second) // Monday 12:00: one replica takes the tick
	winner := <-ran
	r.stop[winner]() // SIGTERM while the job runs
	r.fired.Wait()
	clk.Sleepers(1) // the other replica, waiting for next week's tick
	if calls.Load() != 1 {
		t.Fatalf("%d calls before any resume, want 1", calls.Load())
	}
	clk.Advance(time.Minute)
	clk.Sleepers(1)
	r.fired.Wait()
	h := history(t, pool, "reports")
	other := map[string]string{"a": "b", "b": "a"}[winner]
	if calls.Load() != 2 || len(h) != 2 {
		t.Fatalf("%d calls, history %+v; want the tick run twice", calls.Load(), h)
	}
	first, second := h[1], h[0]
	if !first.Scheduled.Equal(monday) || first.Attempt != 1 || first.Status != "failed" || first.Detail != "stopped by shutdown" || first.Node != winner {
		t.Errorf("first attempt %+v, want failed, stopped by shutdown, on %s", first, winner)
	}
	if !second.Scheduled.Equal(monday) || second.Attempt != 2 || second.Status != "ok" || *second.Rows != 3 || second.Node != other ||
		second.Trigger != reports.TriggerSchedule || !second.StartedAt.Equal(monday.Add(time.Minute)) {
		t.Errorf("second attempt %+v, want the same tick ok on %s a minute later", second, other)
	}
}

// A tick left running by a replica killed outright (its lock gone with its
// connection) runs again when replicas start, once across two of them; a
// claim younger than a minute may still be taking its lock and waits.
func TestKilledTickResumesOnStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	now := monday.Add(5 * time.Minute)
	clk := newClock(t, now)
	for _, row := range []struct {
		job     string
		started time.Time
	}{{"reports", monday}, {"plans", now.Add(-10 * time.Second)}} {
		if _, err := pool.Exec(ctx, `INSERT INTO job_runs (job, scheduled, started_at, node, final) VALUES ($1, $2, $3, 'killed', false)`, row.job, monday, row.started); err != nil {
			t.Fatal(err)
		}
	}
	var reportCalls, planCalls atomic.Int64
	jobs := func(string) []reports.Job {
		return []reports.Job{
			{Name: "reports", Schedule: "0 12 * * 1", Run: func(context.Context) (int, error) { reportCalls.Add(1); return 1, nil }},
			{Name: "plans", Schedule: "0 12 * * 1", Run: func(context.Context) (int, error) { planCalls.Add(1); return 1, nil }},
		}
	}
	r := startReplicas(t, pool, reports.Config{Clock: clk}, jobs, "a", "b")
	clk.Sleepers(4)
	r.fired.Wait()
	if reportCalls.Load() != 1 || planCalls.Load() != 0 {
		t.Errorf("on start: reports ran %d times (want 1), plans (claimed 10 s ago) %d (want 0)", reportCalls.Load(), planCalls.Load())
	}
	// A minute on, the plans claim is past its grace with its lock free.
	clk.Advance(time.Minute)
	clk.Sleepers(4)
	r.fired.Wait()
	if reportCalls.Load() != 1 || planCalls.Load() != 1 {
		t.Errorf("a minute on: reports ran %d times, plans %d; want 1 each", reportCalls.Load(), planCalls.Load())
	}
	h := history(t, pool, "reports")
	if len(h) != 2 || h[1].Status != "failed" || h[1].Error != "interrupted: the replica running it stopped before it finished" ||
		h[0].Attempt != 2 || h[0].Status != "ok" || !h[0].Scheduled.Equal(monday) {
		t.Errorf("reports history %+v", h)
	}
	var running int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM job_runs WHERE status = 'running'`).Scan(&running)
	if running != 0 {
		t.Errorf("%d runs still running", running)
	}
}

// A live run holding its lock is not resumed, however long it runs.
func TestLiveRunIsNotResumed(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	clk := newClock(t, monday)
	var calls atomic.Int64
	release := make(chan struct{})
	started := make(chan struct{})
	job := reports.Job{Name: "reports", Schedule: "0 12 * * 1", Run: func(context.Context) (int, error) {
		if calls.Add(1) == 1 {
			close(started)
			<-release
		}
		return 1, nil
	}}
	a := scheduler(t, pool, "a", reports.Config{Clock: clk}, job)
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, _, err := a.Tick(context.Background(), "reports", monday); err != nil {
			t.Error(err)
		}
	})
	<-started
	clk.Advance(2 * time.Minute) // past the claim's grace
	r := startReplicas(t, pool, reports.Config{Clock: clk}, func(string) []reports.Job { return []reports.Job{job} }, "b")
	clk.Sleepers(1)
	r.fired.Wait()
	close(release)
	wg.Wait()
	clk.Advance(time.Minute)
	clk.Sleepers(1)
	r.fired.Wait()
	if h := runs(t, a, "reports"); calls.Load() != 1 || len(h) != 1 || h[0].Status != "ok" {
		t.Errorf("%d calls, history %+v; want one run, ok", calls.Load(), h)
	}
}

// A tick interrupted on its last attempt is abandoned: the attempt becomes
// final, job.failed is sent once, and no replica runs it again.
func TestInterruptedLastAttemptIsAbandoned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	hooks := reports.NewWebhooks(pool, reports.DeliveryConfig{})
	if _, err := hooks.Create(ctx, reports.NewWebhook{URL: "https://hooks.example.com/jobs", Events: []string{reports.EventJobFailed}, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	clk := newClock(t, monday.Add(10*time.Minute))
	// Retries 1: two attempts. The first was stopped by shutdown, the
	// second left running by a killed replica.
	if _, err := pool.Exec(ctx, `INSERT INTO job_runs (job, scheduled, attempt, status, started_at, finished_at, error, detail, node, final) VALUES
    ('reports', $1::timestamptz, 1, 'failed', $1, $1 + interval '1 minute', 'context canceled', 'stopped by shutdown', 'x', false),
    ('reports', $1, 2, 'running', $1 + interval '2 minutes', NULL, '', '', 'y', false)`, monday); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	jobs := func(string) []reports.Job {
		return []reports.Job{{Name: "reports", Schedule: "0 12 * * 1", Run: func(context.Context) (int, error) { calls.Add(1); return 1, nil }}}
	}
	r := startReplicas(t, pool, reports.Config{Clock: clk, Retries: 1}, jobs, "a", "b")
	clk.Sleepers(2)
	r.fired.Wait()
	clk.Advance(time.Minute) // every replica looks again
	clk.Sleepers(2)
	r.fired.Wait()
	h := history(t, pool, "reports")
	if calls.Load() != 0 || len(h) != 2 || h[0].Attempt != 2 || h[0].Status != "failed" || h[0].Detail != "abandoned: interrupted on its last attempt (2 of 2)" {
		t.Errorf("%d calls, history %+v; want attempt 2 failed and abandoned, no call", calls.Load(), h)
	}
	var bodies []string
	rows, err := pool.Query(ctx, `SELECT body FROM report_deliveries WHERE event = 'job.failed'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	if len(bodies) != 1 {
		t.Fatalf("%d job.failed deliveries, want 1", len(bodies))
	}
	var body struct {
		Event string
		Data  reports.Run
	}
	if err := json.Unmarshal([]byte(bodies[0]), &body); err != nil || body.Data.Job != "reports" || body.Data.Attempt != 2 ||
		!body.Data.Scheduled.Equal(monday) || body.Data.Error != "interrupted: the replica running it stopped before it finished" {
		t.Errorf("job.failed body %s: %v", bodies[0], err)
	}
}
