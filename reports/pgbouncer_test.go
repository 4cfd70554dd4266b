package reports_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/reports"
)

// bouncerPools returns a direct pool on a fresh database and n pools on the
// same database through PgBouncer in transaction mode, one per replica.
func bouncerPools(t *testing.T, n int) (*pgxpool.Pool, []*pgxpool.Pool) {
	t.Helper()
	direct, url := dbtest.NewWithURL(t)
	bouncer := dbtest.PgBouncerURL(t, url, "cache_describe")
	var pools []*pgxpool.Pool
	for range n {
		p, err := pgxpool.New(context.Background(), bouncer+" pool_max_conns=4")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		pools = append(pools, p)
	}
	return direct, pools
}

// Three replicas behind one PgBouncer, ticking every second under cron
// while the clock moves 5.5 s: each of the 5 ticks runs once.
func TestReplicasBehindPgBouncerRunEachTickOnce(t *testing.T) {
	t.Parallel()
	direct, pools := bouncerPools(t, 3)
	var calls atomic.Int64
	job := reports.Job{Name: "sec", Schedule: "* * * * * *", Run: func(context.Context) (int, error) { calls.Add(1); return 1, nil }}
	clk := newClock(t, time.Date(2026, 1, 1, 0, 0, 0, 200e6, time.UTC))
	fired := &fires{t: t}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, node := range []string{"a", "b", "c"} {
		s := scheduler(t, pools[i], node, reports.Config{Seconds: true, Clock: clk}, job)
		fired.track(s)
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(ctx) }()
	}
	for range 11 {
		clk.Sleepers(3)
		fired.Wait()
		clk.Advance(500 * time.Millisecond)
	}
	clk.Sleepers(3)
	fired.Wait()
	cancel()
	wg.Wait()
	var rows, ok, distinct int64
	if err := direct.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE status = 'ok'), count(DISTINCT scheduled) FROM job_runs WHERE job = 'sec'`).Scan(&rows, &ok, &distinct); err != nil {
		t.Fatal(err)
	}
	// Ticks at 1, 2, 3, 4 and 5 s.
	if calls.Load() != 5 || rows != 5 || ok != 5 || distinct != 5 {
		t.Errorf("5 ticks on three replicas: %d calls, %d runs (%d ok) of %d distinct ticks", calls.Load(), rows, ok, distinct)
	}
}

// The job's lock through PgBouncer: while a run holds it, the next ticks
// are skipped on every other replica and a run now is refused; once it
// ends, the lock is free on every replica, tick after tick. (A session
// lock taken in one transaction stays behind on a server connection that
// the pooler hands to others: it would be granted twice, and stick.)
func TestJobLockBehindPgBouncer(t *testing.T) {
	t.Parallel()
	_, pools := bouncerPools(t, 3)
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	slow := reports.Job{Name: "slow", Schedule: "@hourly", Run: func(context.Context) (int, error) {
		if calls.Add(1) == 1 {
			close(started)
			<-release
		}
		return 1, nil
	}}
	var reps []*reports.Scheduler
	for i, node := range []string{"a", "b", "c"} {
		reps = append(reps, scheduler(t, pools[i], node, reports.Config{}, slow))
	}
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	done := make(chan reports.Run)
	go func() { r, _, _ := reps[0].Tick(ctx, "slow", t0); done <- r }()
	<-started
	for h := 1; h <= 6; h++ {
		// Both other replicas try each tick at once; one claims it and skips it.
		var skipped, taken atomic.Int64
		var wg sync.WaitGroup
		for _, s := range reps[1:] {
			wg.Go(func() {
				r, did, err := s.Tick(ctx, "slow", t0.Add(time.Duration(h)*time.Hour))
				switch {
				case err != nil:
					t.Error(err)
				case !did:
					taken.Add(1)
				case r.Status == "skipped" && r.Detail == "the previous run was still running":
					skipped.Add(1)
				default:
					t.Errorf("tick %d h while running: %+v", h, r)
				}
			})
		}
		wg.Wait()
		if skipped.Load() != 1 || taken.Load() != 1 {
			t.Errorf("tick %d h while running: %d skipped, %d left to the other replica", h, skipped.Load(), taken.Load())
		}
		if _, err := reps[1+h%2].RunNow(ctx, "slow"); ss.ErrorCode(err) != ss.ECONFLICT {
			t.Errorf("run now while running: %v, want conflict", err)
		}
	}
	close(release)
	if r := <-done; r.Status != "ok" || calls.Load() != 1 {
		t.Errorf("first run %+v, %d calls", r, calls.Load())
	}
	for h := 7; h <= 15; h++ {
		r, did, err := reps[h%3].Tick(ctx, "slow", t0.Add(time.Duration(h)*time.Hour))
		if err != nil || !did || r.Status != "ok" {
			t.Errorf("tick %d h after the run, on replica %d: %+v %v %v", h, h%3, r, did, err)
		}
	}
	if calls.Load() != 10 {
		t.Errorf("%d calls, want 1 + 9 ticks after", calls.Load())
	}
}
