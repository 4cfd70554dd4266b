package reports_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/reports"
)

func scheduler(t *testing.T, pool *pgxpool.Pool, node string, cfg reports.Config, jobs ...reports.Job) *reports.Scheduler {
	t.Helper()
	cfg.Node = node
	s, err := reports.New(pool, jobs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runs(t *testing.T, s *reports.Scheduler, name string) []reports.Run {
	t.Helper()
	r, err := s.Runs(context.Background(), name, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Two replicas on one database, both firing every tick: each tick runs once.
func TestTwoReplicasRunEachTickOnce(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var calls atomic.Int64
	// tried[k] closes when replica k has tried the tick: a run waits for the
	// other replica's try, so the two always meet while one of them runs.
	var tried [2]chan struct{}
	job := func(k int) reports.Job {
		return reports.Job{Name: "count", Schedule: "0 * * * *", Run: func(context.Context) (int, error) {
			calls.Add(1)
			<-tried[1-k]
			return 1, nil
		}}
	}
	a := scheduler(t, pool, "a", reports.Config{}, job(0))
	b := scheduler(t, pool, "b", reports.Config{}, job(1))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ran := make([]atomic.Int64, 2)
	for i := 0; i < 20; i++ {
		// Both replicas fire each tick at once; ticks follow each other.
		var wg sync.WaitGroup
		at := base.Add(time.Duration(i) * time.Hour)
		tried = [2]chan struct{}{make(chan struct{}), make(chan struct{})}
		for k, s := range []*reports.Scheduler{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(tried[k])
				if _, did, err := s.Tick(context.Background(), "count", at); err != nil {
					t.Error(err)
				} else if did {
					ran[k].Add(1)
				}
			}()
		}
		wg.Wait()
	}
	if calls.Load() != 20 || ran[0].Load()+ran[1].Load() != 20 {
		t.Errorf("20 ticks on two replicas: %d calls, %d + %d runs", calls.Load(), ran[0].Load(), ran[1].Load())
	}
	h := runs(t, a, "count")
	if len(h) != 20 || h[0].Status != "ok" || *h[0].Rows != 1 || !h[0].Scheduled.Equal(base.Add(19*time.Hour)) {
		t.Errorf("history has %d runs, newest %+v", len(h), h[0])
	}
}

// The same through the schedule loop itself: two schedulers ticking every
// second while the clock moves 3.5 s, half a second at a time.
func TestTwoReplicasUnderCron(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var calls atomic.Int64
	job := reports.Job{Name: "sec", Schedule: "* * * * * *", Run: func(context.Context) (int, error) { calls.Add(1); return 0, nil }}
	clk := newClock(t, time.Date(2026, 1, 1, 0, 0, 0, 200e6, time.UTC))
	fired := &fires{t: t}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, node := range []string{"a", "b"} {
		s := scheduler(t, pool, node, reports.Config{Seconds: true, Clock: clk}, job)
		fired.track(s)
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(ctx) }()
	}
	for range 7 {
		// Both replicas wait for their next tick, having tried the last one.
		clk.Sleepers(2)
		fired.Wait()
		clk.Advance(500 * time.Millisecond)
	}
	clk.Sleepers(2)
	fired.Wait()
	cancel()
	wg.Wait()
	var ticks, distinct int64
	if err := pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT scheduled) FROM job_runs WHERE job = 'sec' AND status = 'ok'`).Scan(&ticks, &distinct); err != nil {
		t.Fatal(err)
	}
	if calls.Load() < 3 || calls.Load() > 4 || ticks != calls.Load() || distinct != ticks {
		t.Errorf("3.5 s of ticks each second on two replicas: %d calls, %d ok runs, %d distinct ticks", calls.Load(), ticks, distinct)
	}
}

// A wait that oversleeps several ticks runs only the latest, named by its
// scheduled time as every replica names it; the next run is the tick after.
func TestOversleptTicksRunTheLatest(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var calls atomic.Int64
	job := reports.Job{Name: "sec", Schedule: "* * * * * *", Run: func(context.Context) (int, error) { calls.Add(1); return 0, nil }}
	clk := newClock(t, time.Date(2026, 1, 1, 0, 0, 0, 200e6, time.UTC))
	s := scheduler(t, pool, "a", reports.Config{Seconds: true, Clock: clk}, job)
	fired := &fires{t: t}
	fired.track(s)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { s.Run(ctx); close(stopped) }()
	clk.Sleepers(1)
	clk.Advance(3500 * time.Millisecond)
	clk.Sleepers(1)
	fired.Wait()
	cancel()
	<-stopped
	h := runs(t, s, "sec")
	if calls.Load() != 1 || len(h) != 1 || h[0].Trigger != reports.TriggerSchedule || !h[0].Scheduled.Equal(time.Date(2026, 1, 1, 0, 0, 3, 0, time.UTC)) {
		t.Errorf("woke at 3.7 s after sleeping from 0.2 s: %d calls, history %+v", calls.Load(), h)
	}
	jobs, err := s.Jobs(context.Background())
	if err != nil || len(jobs) != 1 || !jobs[0].NextRun.Equal(time.Date(2026, 1, 1, 0, 0, 4, 0, time.UTC)) {
		t.Errorf("jobs %+v %v, want the next run at 4 s", jobs, err)
	}
}

// A failing job is retried with doubling waits; every attempt is in history.
func TestRetryWithBackoff(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var n atomic.Int64
	flaky := reports.Job{Name: "flaky", Schedule: "@daily", Run: func(context.Context) (int, error) {
		if n.Add(1) < 3 {
			return 0, errors.New("database went away")
		}
		return 7, nil
	}}
	broken := reports.Job{Name: "broken", Schedule: "@daily", Run: func(context.Context) (int, error) { panic("bad state") }}
	clk := newClock(t, time.Date(2026, 2, 1, 0, 0, 3, 0, time.UTC))
	s := scheduler(t, pool, "a", reports.Config{Retries: 2, Backoff: 100 * time.Millisecond, Clock: clk}, flaky, broken)
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	// tick runs the tick of job name, moving the clock on through the two
	// waits for its retries once the job sleeps on it.
	tick := func(name string) (reports.Run, error) {
		type result struct {
			r   reports.Run
			err error
		}
		done := make(chan result, 1)
		go func() { r, _, err := s.Tick(context.Background(), name, at); done <- result{r, err} }()
		for _, wait := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond} {
			clk.Sleepers(1)
			clk.Advance(wait)
		}
		res := <-done
		return res.r, res.err
	}
	r, err := tick("flaky")
	if err != nil || r.Status != "ok" || r.Attempt != 3 || *r.Rows != 7 {
		t.Fatalf("flaky: %+v %v", r, err)
	}
	h := runs(t, s, "flaky")
	if len(h) != 3 || h[2].Status != "failed" || h[2].Error != "database went away" || h[1].Status != "failed" || h[0].Status != "ok" {
		t.Fatalf("flaky history %+v", h)
	}
	// Waits: 100 ms after the first failure, 200 ms after the second.
	if d := h[1].StartedAt.Sub(*h[2].FinishedAt); d < 100*time.Millisecond || d > 900*time.Millisecond {
		t.Errorf("first wait %s, want 100 ms", d)
	}
	if d := h[0].StartedAt.Sub(*h[1].FinishedAt); d < 200*time.Millisecond || d > 1000*time.Millisecond {
		t.Errorf("second wait %s, want 200 ms", d)
	}
	r, err = tick("broken")
	if err != nil || r.Status != "failed" || r.Attempt != 3 {
		t.Fatalf("broken: %+v %v", r, err)
	}
	jobs, err := s.Jobs(context.Background())
	if err != nil || len(jobs) != 2 || jobs[0].Name != "broken" || jobs[0].LastRun.Status != "failed" || jobs[0].LastRun.Error[:16] != "panic: bad state" {
		t.Errorf("jobs %+v %v", jobs, err)
	}
}

// A job still running at its next tick is not started again.
func TestNoOverlap(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	slow := reports.Job{Name: "slow", Schedule: "@hourly", Run: func(context.Context) (int, error) {
		if calls.Add(1) == 1 {
			close(started)
			<-release
		}
		return 1, nil
	}}
	a := scheduler(t, pool, "a", reports.Config{}, slow)
	b := scheduler(t, pool, "b", reports.Config{}, slow)
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	done := make(chan reports.Run)
	go func() { r, _, _ := a.Tick(context.Background(), "slow", t0); done <- r }()
	<-started
	r, did, err := b.Tick(context.Background(), "slow", t0.Add(time.Hour))
	if err != nil || !did || r.Status != "skipped" || r.Detail != "the previous run was still running" {
		t.Errorf("next tick while running: %+v %v %v", r, did, err)
	}
	if _, err := b.RunNow(context.Background(), "slow"); ss.ErrorCode(err) != ss.ECONFLICT {
		t.Errorf("run now while running: %v, want conflict", err)
	}
	close(release)
	if r := <-done; r.Status != "ok" || calls.Load() != 1 {
		t.Errorf("first run %+v, %d calls", r, calls.Load())
	}
	if r, err := b.RunNow(context.Background(), "slow"); err != nil || r.Status != "ok" || r.Trigger != "manual" {
		t.Errorf("run now after: %+v %v", r, err)
	}
}

// After downtime the latest missed tick runs once, on whichever replica
// starts first; a job that never ran is not caught up.
func TestCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	clk := newClock(t, time.Date(2026, 3, 18, 12, 34, 56, 0, time.UTC))
	now := clk.Now()
	today4 := time.Date(now.Year(), now.Month(), now.Day(), 4, 0, 0, 0, time.UTC)
	want := today4
	if now.Before(today4) {
		want = today4.AddDate(0, 0, -1)
	}
	// The last run was three days before the missed tick.
	if _, err := pool.Exec(ctx, `INSERT INTO job_runs (job, scheduled, status, finished_at) VALUES ('daily', $1, 'ok', $1)`, want.AddDate(0, 0, -3)); err != nil {
		t.Fatal(err)
	}
	var daily, fresh atomic.Int64
	jobs := []reports.Job{
		{Name: "daily", Schedule: "0 4 * * *", Run: func(context.Context) (int, error) { daily.Add(1); return 0, nil }},
		{Name: "fresh", Schedule: "0 4 * * *", Run: func(context.Context) (int, error) { fresh.Add(1); return 0, nil }},
	}
	rctx, cancel := context.WithCancel(ctx)
	fired := &fires{t: t}
	var wg sync.WaitGroup
	for _, node := range []string{"a", "b"} {
		s := scheduler(t, pool, node, reports.Config{Clock: clk}, jobs...)
		fired.track(s)
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(rctx) }()
	}
	// Both replicas have caught up, each trying daily's missed tick unless
	// the other's try was already in the history, and wait for tomorrow's
	// ticks of both jobs.
	clk.Sleepers(4)
	fired.Wait()
	cancel()
	wg.Wait()
	var n int
	var at time.Time
	if err := pool.QueryRow(ctx, `SELECT count(*), max(scheduled) FROM job_runs WHERE job = 'daily' AND trigger = 'catch_up' AND status = 'ok'`).Scan(&n, &at); err != nil {
		t.Fatal(err)
	}
	if daily.Load() != 1 || n != 1 || !at.Equal(want) || fresh.Load() != 0 {
		t.Errorf("catch-up: %d calls, %d runs at %s (want one at %s); never-run job called %d times", daily.Load(), n, at, want, fresh.Load())
	}
}

// Shutdown cancels a running job, which leaves nothing written, and the
// run is recorded as failed.
func TestShutdownStopsJobs(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE scratch (n int)`); err != nil {
		t.Fatal(err)
	}
	inside := make(chan struct{}, 1)
	job := reports.Job{Name: "long", Schedule: "* * * * * *", Run: func(ctx context.Context) (int, error) {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return 0, err
		}
		defer tx.Rollback(context.Background())
		if _, err := tx.Exec(ctx, `INSERT INTO scratch VALUES (1)`); err != nil {
			return 0, err
		}
		select {
		case inside <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return 0, ctx.Err()
	}}
	clk := newClock(t, time.Date(2026, 1, 1, 0, 0, 0, 500e6, time.UTC))
	s := scheduler(t, pool, "a", reports.Config{Seconds: true, Clock: clk}, job)
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { s.Run(rctx); close(stopped) }()
	clk.Sleepers(1)
	clk.Advance(time.Second)
	select {
	case <-inside:
	case <-time.After(5 * time.Second):
		t.Fatal("job never started")
	}
	cancel()
	<-stopped
	var rows int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM scratch`).Scan(&rows)
	h := runs(t, s, "long")
	if rows != 0 || len(h) == 0 || h[len(h)-1].Status != "failed" || h[len(h)-1].Detail != "stopped by shutdown" {
		t.Errorf("after shutdown: %d rows written, history %+v", rows, h)
	}
	for _, r := range h {
		if r.Status == "running" {
			t.Errorf("run %d still running after shutdown", r.ID)
		}
	}
}

func TestBadSchedulesNameTheJob(t *testing.T) {
	t.Parallel()
	f := func(context.Context) (int, error) { return 0, nil }
	for _, c := range []struct{ sched, field string }{{"@every 1h", "segments"}, {"61 * * * *", "segments"}, {"", "segments"}} {
		_, err := reports.New(nil, []reports.Job{{Name: "segments", Schedule: c.sched, Run: f}}, reports.Config{})
		var e *ss.Error
		if !errors.As(err, &e) || e.Code != ss.EINVALID || e.Field != c.field {
			t.Errorf("%q: %v", c.sched, err)
		}
	}
}
