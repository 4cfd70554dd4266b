package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Run is one attempt of one tick of a job, as job_runs records it.
type Run struct {
	ID         int64      `json:"id" db:"id"`
	Job        string     `json:"job" db:"job"`
	Scheduled  time.Time  `json:"scheduled" db:"scheduled"`
	Attempt    int        `json:"attempt" db:"attempt"`
	Trigger    string     `json:"trigger" db:"trigger"` // schedule, catch_up or manual
	Status     string     `json:"status" db:"status"`   // running, ok, failed or skipped
	StartedAt  time.Time  `json:"started_at" db:"started_at"`
	FinishedAt *time.Time `json:"finished_at" db:"finished_at"`
	Rows       *int64     `json:"rows" db:"rows"`
	Error      string     `json:"error" db:"error"`
	Detail     string     `json:"detail" db:"detail"`
	Node       string     `json:"node" db:"node"`
}

// Triggers of a run.
const (
	TriggerSchedule = "schedule"
	TriggerCatchUp  = "catch_up"
	TriggerManual   = "manual"
)

const runColumns = `id, job, scheduled, attempt, trigger, status, started_at, finished_at, rows, error, detail, node`

// The history is stamped with the scheduler's clock ($6 of claimSQL and
// finishSQL, $3 of staleSQL), not the database's now(), so that it agrees
// with the ticks it names and with the waits between retries.

// claimSQL inserts the row of one attempt, not final until it ends; on a
// tick's first attempt the unique key makes exactly one replica's insert
// succeed.
const claimSQL = `INSERT INTO job_runs (job, scheduled, attempt, trigger, node, started_at, final) VALUES ($1, $2, $3, $4, $5, $6, false)
ON CONFLICT (job, scheduled, attempt) DO NOTHING RETURNING id`

const finishSQL = `UPDATE job_runs SET status = $2, finished_at = $6, rows = $3, error = $4, detail = $5, final = $7 WHERE id = $1
RETURNING ` + runColumns

// claimGrace is how long a claimed attempt may be running before its
// replica holds the job's lock: claim and lock are two steps, so a running
// row younger than this may belong to a live replica that holds no lock yet.
const claimGrace = time.Minute

// staleSQL fails the running rows of a job's earlier ticks left by a
// replica that stopped mid-run: a later tick has superseded them, so they
// end final (resume.go runs only a job's latest tick again). It runs while
// holding the job's lock, so no such row is live; the grace spares a claim
// whose replica has not yet taken the lock.
const staleSQL = `UPDATE job_runs SET status = 'failed', finished_at = $3, final = true,
    error = 'interrupted: the replica running it stopped before it finished'
WHERE job = $1 AND status = 'running' AND id <> $2 AND started_at < $3::timestamptz - interval '1 minute'`

func (s *Scheduler) claim(ctx context.Context, job string, scheduled time.Time, attempt int, trigger string) (int64, bool, error) {
	var id int64
	err := s.pool.QueryRow(ctx, claimSQL, job, scheduled, attempt, trigger, s.cfg.Node, s.cfg.Clock.Now()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("reports: claim %s at %s: %w", job, scheduled.Format(time.RFC3339), err)
	}
	return id, true, nil
}

// finish records the end of a run. It outlives ctx's cancellation, so a run
// stopped by shutdown is still recorded as failed. final marks the attempt
// that ends its tick; a final failure (its retries spent) commits the
// job.failed deliveries with the record.
func (s *Scheduler) finish(ctx context.Context, id int64, status string, rows *int64, errText, detail string, final bool) (Run, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return Run{}, fmt.Errorf("reports: finish run %d: %w", id, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	r, err := tx.Query(ctx, finishSQL, id, status, rows, errText, detail, s.cfg.Clock.Now(), final)
	if err != nil {
		return Run{}, fmt.Errorf("reports: finish run %d: %w", id, err)
	}
	run, err := pgx.CollectExactlyOneRow(r, pgx.RowToStructByName[Run])
	if err != nil {
		return Run{}, fmt.Errorf("reports: finish run %d: %w", id, err)
	}
	if final && status == "failed" {
		if err := enqueue(ctx, tx, EventJobFailed, run); err != nil {
			return Run{}, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return Run{}, fmt.Errorf("reports: finish run %d: %w", id, err)
	}
	return run, nil
}

// Runs lists a job's runs, newest tick first, at most limit.
func (s *Scheduler) Runs(ctx context.Context, name string, limit int) ([]Run, error) {
	if _, ok := s.jobs[name]; !ok {
		return nil, ss.Errorf(ss.ENOTFOUND, "name", "no job named %q", name)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+runColumns+` FROM job_runs WHERE job = $1
ORDER BY scheduled DESC, attempt DESC LIMIT $2`, name, limit)
	if err != nil {
		return nil, fmt.Errorf("reports: runs of %s: %w", name, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Run])
	if err != nil {
		return nil, fmt.Errorf("reports: runs of %s: %w", name, err)
	}
	if out == nil {
		out = []Run{}
	}
	return out, nil
}

// lastRuns returns each job's latest run.
func (s *Scheduler) lastRuns(ctx context.Context) (map[string]Run, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (job) `+runColumns+` FROM job_runs
ORDER BY job, scheduled DESC, attempt DESC`)
	if err != nil {
		return nil, fmt.Errorf("reports: last runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Run])
	if err != nil {
		return nil, fmt.Errorf("reports: last runs: %w", err)
	}
	out := map[string]Run{}
	for _, r := range runs {
		out[r.Job] = r
	}
	return out, nil
}

// lastScheduled is the latest tick of job that ran from the schedule (or a
// catch-up), zero when there is none.
func (s *Scheduler) lastScheduled(ctx context.Context, job string) (time.Time, error) {
	var t *time.Time
	err := s.pool.QueryRow(ctx, `SELECT max(scheduled) FROM job_runs WHERE job = $1 AND trigger <> 'manual'`, job).Scan(&t)
	if err != nil || t == nil {
		return time.Time{}, err
	}
	return *t, nil
}
