package reports

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// errTaken: another replica claimed the tick.
var errTaken = errors.New("reports: tick claimed by another replica")

// RunNow runs job name at once and returns its last attempt's record; it
// is refused (ECONFLICT) while the job is running.
func (s *Scheduler) RunNow(ctx context.Context, name string) (Run, error) {
	j, ok := s.jobs[name]
	if !ok {
		return Run{}, ss.Errorf(ss.ENOTFOUND, "name", "no job named %q", name)
	}
	r, err := s.tick(ctx, j, s.cfg.Clock.Now().Truncate(time.Microsecond), TriggerManual)
	if err != nil {
		return r, err
	}
	if r.Status == "skipped" {
		return r, ss.Errorf(ss.ECONFLICT, "name", "job %s is running; try again when it has finished", name)
	}
	return r, nil
}

// Tick runs job name's tick scheduled at, as cron does on every replica:
// only one caller per tick runs it. It is for tests and tools that drive
// ticks themselves.
func (s *Scheduler) Tick(ctx context.Context, name string, at time.Time) (Run, bool, error) {
	j, ok := s.jobs[name]
	if !ok {
		return Run{}, false, ss.Errorf(ss.ENOTFOUND, "name", "no job named %q", name)
	}
	r, err := s.tick(ctx, j, at, TriggerSchedule)
	if errors.Is(err, errTaken) {
		return Run{}, false, nil
	}
	return r, err == nil, err
}

// tick claims the tick, takes the job's lock (or records the tick as
// skipped while an earlier run holds it) and runs the job, retrying failed
// attempts with backoff. It returns the last attempt's record.
func (s *Scheduler) tick(ctx context.Context, j *job, at time.Time, trigger string) (Run, error) {
	id, won, err := s.claim(ctx, j.Name, at, 1, trigger)
	if err != nil {
		return Run{}, err
	}
	if !won {
		return Run{}, errTaken
	}
	unlock, locked, err := s.lock(ctx, j.Name)
	if err != nil {
		// Not final: with the lock free again, the tick is resumed.
		_, _ = s.finish(ctx, id, "failed", nil, "could not take the job's lock: "+err.Error(), "", false)
		return Run{}, err
	}
	if !locked {
		return s.finish(ctx, id, "skipped", nil, "", "the previous run was still running", true)
	}
	defer unlock()
	if _, err := s.pool.Exec(ctx, staleSQL, j.Name, id, s.cfg.Clock.Now()); err != nil {
		s.cfg.Log.Warn("job: failing stale runs", "job", j.Name, "err", err)
	}
	return s.attempts(ctx, j, at, trigger, 1, id)
}

// attempts runs attempt first of the tick (its row claimed as id) and, while
// it fails, the retries left, holding the job's lock throughout. It
// returns the last attempt's record.
func (s *Scheduler) attempts(ctx context.Context, j *job, at time.Time, trigger string, first int, id int64) (Run, error) {
	for attempt := first; ; attempt++ {
		if attempt > first {
			var won bool
			var err error
			if id, won, err = s.claim(ctx, j.Name, at, attempt, trigger); err != nil || !won {
				return Run{}, fmt.Errorf("reports: claim retry %d of %s: %v", attempt, j.Name, err)
			}
		}
		rows, err := s.call(ctx, j)
		if err == nil {
			n := int64(rows)
			return s.finish(ctx, id, "ok", &n, "", "", true)
		}
		detail := ""
		if ctx.Err() != nil {
			detail = "stopped by shutdown"
		} else if attempt <= s.cfg.Retries {
			detail = fmt.Sprintf("retrying in %s", s.backoff(attempt))
		}
		// The tick has failed for good once its retries are spent; one
		// stopped by shutdown has not: it is resumed (resume.go).
		final := ctx.Err() == nil && attempt > s.cfg.Retries
		run, ferr := s.finish(ctx, id, "failed", nil, err.Error(), detail, final)
		if ferr != nil {
			return run, ferr
		}
		s.cfg.Log.Error("job failed", "job", j.Name, "scheduled", at, "attempt", attempt, "err", err)
		if ctx.Err() != nil || attempt > s.cfg.Retries {
			return run, nil
		}
		if s.cfg.Clock.Sleep(ctx, s.backoff(attempt)) != nil {
			return run, nil
		}
	}
}

// backoff is the wait after failed attempt n: Backoff, doubling per attempt.
func (s *Scheduler) backoff(n int) time.Duration {
	return s.cfg.Backoff << min(n-1, 16)
}

// call runs the job, turning a panic into an error.
func (s *Scheduler) call(ctx context.Context, j *job) (rows int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return j.Run(ctx)
}

// lock takes job's advisory lock for the run: a transaction-level lock
// (pg_try_advisory_xact_lock) in a transaction of its own, left open until
// unlock rolls it back. A session lock would not do behind a pooler in
// transaction mode (PgBouncer): the session is a server connection handed
// to other clients between transactions, so the lock would stay with that
// connection after this run, be granted again to whichever client got it
// next, and the unlock would reach another session and release nothing. A
// transaction keeps its server connection until it ends, through any
// pooler; if this replica dies, its connection closes and the transaction
// ends with the lock (PgBouncer closes a server connection whose client
// leaves mid-transaction). The transaction writes nothing and holds no
// snapshot between statements, so it holds back no vacuum; it turns off
// idle_in_transaction_session_timeout for itself, as a run may be quiet on
// this connection for longer than a server's setting.
func (s *Scheduler) lock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := tx.QueryRow(ctx, lockSQL, name).Scan(&ok); err != nil || !ok {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, false, err
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// A failed rollback closes the connection, which ends the
		// transaction and the lock with it.
		_ = tx.Rollback(uctx)
	}, true, nil
}

// lockSQL takes job $1's lock for the transaction, if it is free.
const lockSQL = `SELECT pg_try_advisory_xact_lock(hashtextextended('shrinkscope job ' || $1, 0))
FROM (SELECT set_config('idle_in_transaction_session_timeout', '0', true)) AS off`
