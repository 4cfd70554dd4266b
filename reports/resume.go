package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// An interrupted tick runs again. A replica stopped by SIGTERM records its
// run as failed ("stopped by shutdown"); one killed outright leaves it
// running; one that dies while waiting to retry leaves a failed attempt
// whose retry never comes. Before, none of them was ever run again, so a
// rolling deploy on a Monday lost that week's reports for good. Now the
// latest tick of each job whose last attempt is not final, with the job's
// lock free (so no live replica is running or retrying it), is due again:
// every replica looks on start and every Config.ResumeEvery, and the one
// that takes the lock runs the next attempt. Interruptions count as
// attempts, so a tick that keeps killing its replica (say, out of memory)
// is run 1 + Retries times at most; then it is abandoned: its last attempt
// becomes final and job.failed is sent, once, in the same transaction.
//
// Only the latest tick is resumed: a later tick supersedes an earlier one,
// as a catch-up runs only the latest missed tick. Manual runs are not
// resumed: whoever asked for one hears how it ended.

// attemptRow is the last attempt of a job's latest scheduled tick.
type attemptRow struct {
	id        int64
	scheduled time.Time
	attempt   int
	trigger   string
	status    string
	startedAt time.Time
	final     bool
}

const lastAttemptSQL = `SELECT id, scheduled, attempt, trigger, status, started_at, final FROM job_runs
WHERE job = $1 AND trigger <> 'manual' ORDER BY scheduled DESC, attempt DESC LIMIT 1`

// lastAttempt reads job's latest tick's last attempt; ok is false when the
// job has never run from its schedule.
func (s *Scheduler) lastAttempt(ctx context.Context, job string) (a attemptRow, ok bool, err error) {
	err = s.pool.QueryRow(ctx, lastAttemptSQL, job).Scan(&a.id, &a.scheduled, &a.attempt, &a.trigger, &a.status, &a.startedAt, &a.final)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("reports: last attempt of %s: %w", job, err)
	}
	return a, true, nil
}

// interrupted reports whether a, read without the lock, may be an
// interrupted attempt: not final, and not a claim so young that its
// replica may not have taken the lock yet.
func (s *Scheduler) interrupted(a attemptRow) bool {
	return !a.final && (a.status != "running" || s.cfg.Clock.Now().Sub(a.startedAt) >= claimGrace)
}

// interruptSQL ends an attempt left running by a replica that died: the
// lock it held is free. Not final: the tick goes on with the next attempt,
// or is abandoned.
const interruptSQL = `UPDATE job_runs SET status = 'failed', finished_at = $2,
    error = 'interrupted: the replica running it stopped before it finished'
WHERE id = $1 AND status = 'running'`

// abandonSQL makes an interrupted last attempt final.
const abandonSQL = `UPDATE job_runs SET final = true, detail = $2 WHERE id = $1 AND NOT final RETURNING ` + runColumns

// resume runs job j's latest tick again if it was interrupted; it returns
// whether it did anything (resumed or abandoned the tick).
func (s *Scheduler) resume(ctx context.Context, j *job) (bool, error) {
	a, ok, err := s.lastAttempt(ctx, j.Name)
	if err != nil || !ok || !s.interrupted(a) {
		return false, err
	}
	unlock, locked, err := s.lock(ctx, j.Name)
	if err != nil || !locked {
		return false, err // a live replica runs the tick, or waits to retry it
	}
	defer unlock()
	// Read again under the lock: another replica may have resumed the
	// tick, or a new tick begun, since the first look.
	if a, ok, err = s.lastAttempt(ctx, j.Name); err != nil || !ok || !s.interrupted(a) {
		return false, err
	}
	if a.status == "running" {
		if _, err := s.pool.Exec(ctx, interruptSQL, a.id, s.cfg.Clock.Now()); err != nil {
			return false, fmt.Errorf("reports: end interrupted run %d of %s: %w", a.id, j.Name, err)
		}
	}
	if a.attempt > s.cfg.Retries {
		return true, s.abandon(ctx, j, a)
	}
	id, won, err := s.claim(ctx, j.Name, a.scheduled, a.attempt+1, a.trigger)
	if err != nil || !won {
		return false, err
	}
	s.cfg.Log.Warn("job: resuming an interrupted tick", "job", j.Name, "scheduled", a.scheduled, "attempt", a.attempt+1)
	_, err = s.attempts(ctx, j, a.scheduled, a.trigger, a.attempt+1, id)
	return true, err
}

// abandon makes the interrupted last attempt a of j's tick final and sends
// job.failed with it, in one transaction: the tick has had its attempts.
func (s *Scheduler) abandon(ctx context.Context, j *job, a attemptRow) error {
	detail := fmt.Sprintf("abandoned: interrupted on its last attempt (%d of %d)", a.attempt, 1+s.cfg.Retries)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, abandonSQL, a.id, detail)
		if err != nil {
			return err
		}
		run, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Run])
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // made final meanwhile
		}
		if err != nil {
			return err
		}
		return enqueue(ctx, tx, EventJobFailed, run)
	})
	if err != nil {
		return fmt.Errorf("reports: abandon run %d of %s: %w", a.id, j.Name, err)
	}
	s.cfg.Log.Error("job tick abandoned", "job", j.Name, "scheduled", a.scheduled, "attempts", a.attempt)
	return nil
}

// startResume looks for j's interrupted tick on a goroutine of its own,
// which Run waits for, and runs it again if there is one.
func (s *Scheduler) startResume(ctx context.Context, j *job) {
	ended := func() {}
	if s.onFire != nil {
		ended = s.onFire()
	}
	s.wg.Go(func() {
		defer ended()
		if ctx.Err() != nil {
			return
		}
		if _, err := s.resume(ctx, j); err != nil && ctx.Err() == nil {
			s.cfg.Log.Error("job: resuming an interrupted tick failed", "job", j.Name, "err", err)
		}
	})
}
