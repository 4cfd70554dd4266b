package reports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/robfig/cron/v3"

	ss "github.com/shrinkscope/shrinkscope"
)

// Job is one scheduled piece of the loop.
type Job struct {
	// Name is the job's name in history, the API and the CLI.
	Name string
	// Schedule is a standard five-field cron expression or a descriptor
	// (@daily, @weekly, …), in Config.Location. @every is refused: its ticks
	// depend on when each replica started, so replicas would not agree on them.
	Schedule string
	// Run does the work and returns the rows it touched. It must stop when
	// ctx ends and write its results in transactions, so that a stopped run
	// leaves nothing half-written.
	Run func(ctx context.Context) (rows int, err error)
}

// Config configures a Scheduler; zero values take the documented defaults.
type Config struct {
	// Retries is how many times a failed run is tried again. Default 3; -1: none.
	Retries int
	// Backoff is the wait before the first retry, doubling for each next one. Default 30 s.
	Backoff time.Duration
	// Node names this replica in the history. Default: host name and process id.
	Node string
	// Location is the time zone of the schedules. Default UTC.
	Location *time.Location
	// Seconds makes schedules six-field, seconds first (tests tick every second).
	Seconds bool
	// Log receives job failures. Default: discarded.
	Log *slog.Logger
	// Clock tells the time that names ticks and stamps the history, and
	// waits for the next tick and between retries. Default: the system
	// clock; tests pass one they move forward themselves.
	Clock Clock
	// ResumeEvery is how often each job's loop looks for its latest tick
	// interrupted (resume.go) between ticks; it also looks on start.
	// Default 1 min.
	ResumeEvery time.Duration
}

func (c *Config) defaults() {
	switch {
	case c.Retries == 0:
		c.Retries = 3
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.Node == "" {
		h, _ := os.Hostname()
		c.Node = fmt.Sprintf("%s/%d", h, os.Getpid())
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.ResumeEvery <= 0 {
		c.ResumeEvery = time.Minute
	}
}

type job struct {
	Job
	sched cron.Schedule
}

// Scheduler runs jobs on their schedules. Several replicas may run one on
// the same database: a tick's first attempt is claimed by one insert into
// job_runs that only one replica wins, and a run holds the job's advisory
// lock, so a job still running at its next tick is not started again.
type Scheduler struct {
	pool *pgxpool.Pool
	cfg  Config
	jobs map[string]*job
	wg   sync.WaitGroup // runs started by Run

	// onFire, for tests, is called as Run starts a run (for a tick or a
	// catch-up), and the func it returns once that run has ended.
	onFire func() (ended func())
}

// New checks the jobs' names and schedules; a bad schedule fails naming the job.
func New(pool *pgxpool.Pool, jobs []Job, cfg Config) (*Scheduler, error) {
	cfg.defaults()
	fields := cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor
	if cfg.Seconds {
		fields |= cron.Second
	}
	parser := cron.NewParser(fields)
	s := &Scheduler{pool: pool, cfg: cfg, jobs: map[string]*job{}}
	for _, j := range jobs {
		if j.Name == "" || j.Run == nil {
			return nil, ss.Errorf(ss.EINVALID, "name", "a job needs a name and a function")
		}
		if _, dup := s.jobs[j.Name]; dup {
			return nil, ss.Errorf(ss.EINVALID, "name", "job %q is registered twice", j.Name)
		}
		if strings.HasPrefix(strings.TrimSpace(j.Schedule), "@every") {
			return nil, ss.Errorf(ss.EINVALID, j.Name, "schedule of job %s: @every is not allowed (replicas would tick at different times); use a cron expression", j.Name)
		}
		sched, err := parser.Parse(j.Schedule)
		if err != nil {
			return nil, ss.Errorf(ss.EINVALID, j.Name, "schedule of job %s: %q is not a cron expression: %v", j.Name, j.Schedule, err)
		}
		s.jobs[j.Name] = &job{Job: j, sched: sched}
	}
	return s, nil
}

// Names lists the jobs, sorted.
func (s *Scheduler) Names() []string {
	out := make([]string, 0, len(s.jobs))
	for n := range s.jobs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Run catches up missed ticks, then runs every job on its schedule until ctx
// ends; it returns when the runs in progress, which see ctx end, have
// stopped and been recorded.
func (s *Scheduler) Run(ctx context.Context) {
	// One instant divides the ticks: those up to it are caught up, those
	// after it are waited for.
	now := s.now()
	s.catchUp(ctx, now)
	var loops sync.WaitGroup
	for _, name := range s.Names() {
		j := s.jobs[name]
		loops.Go(func() { s.loop(ctx, j, now) })
	}
	loops.Wait()
	s.wg.Wait()
}

// loop waits on the clock for each tick of j after last and starts its run,
// without waiting for the run: a run still going at the next tick makes that
// tick skipped, as the job's lock decides. A tick is named by its scheduled
// time, so every replica names it alike; if the wait overslept several
// ticks, only the latest runs. Between ticks it wakes every ResumeEvery to
// run an interrupted tick again (resume.go).
func (s *Scheduler) loop(ctx context.Context, j *job, last time.Time) {
	for {
		next := j.sched.Next(last)
		if next.IsZero() { // the schedule has no more ticks
			return
		}
		if err := s.cfg.Clock.Sleep(ctx, min(next.Sub(s.now()), s.cfg.ResumeEvery)); err != nil {
			return
		}
		at, due := missed(j.sched, last, s.now())
		if !due { // woke before the tick: look for an interrupted one, wait for the rest
			s.startResume(ctx, j)
			continue
		}
		s.start(ctx, j, at, TriggerSchedule)
		last = at
	}
}

// now is the clock's time in the schedules' time zone.
func (s *Scheduler) now() time.Time {
	return s.cfg.Clock.Now().In(s.cfg.Location)
}

// start fires the tick on a goroutine of its own, which Run waits for.
func (s *Scheduler) start(ctx context.Context, j *job, at time.Time, trigger string) {
	ended := func() {}
	if s.onFire != nil {
		ended = s.onFire()
	}
	s.wg.Go(func() {
		defer ended()
		s.fire(ctx, j, at, trigger)
	})
}

func (s *Scheduler) fire(ctx context.Context, j *job, at time.Time, trigger string) {
	if ctx.Err() != nil {
		return
	}
	if _, err := s.tick(ctx, j, at, trigger); err != nil && !errors.Is(err, errTaken) && ctx.Err() == nil {
		s.cfg.Log.Error("job tick failed", "job", j.Name, "scheduled", at, "err", err)
	}
}

// catchUp runs, once, the latest tick of each job missed while no replica
// was running: one after the job's last scheduled run, at or before now;
// without one, the last scheduled tick if it was interrupted (resume.go). A
// job that has never run has nothing to catch up.
func (s *Scheduler) catchUp(ctx context.Context, now time.Time) {
	for _, name := range s.Names() {
		j := s.jobs[name]
		last, err := s.lastScheduled(ctx, name)
		if err != nil {
			s.cfg.Log.Error("job catch-up: reading history failed", "job", name, "err", err)
			continue
		}
		if due, ok := missed(j.sched, last, now); ok {
			s.start(ctx, j, due, TriggerCatchUp)
		} else if !last.IsZero() {
			s.startResume(ctx, j)
		}
	}
}

// missed is the latest tick of sched after last and at or before now.
func missed(sched cron.Schedule, last, now time.Time) (time.Time, bool) {
	if last.IsZero() {
		return time.Time{}, false
	}
	due, found := last, false
	for n := sched.Next(last); !n.IsZero() && !n.After(now); n = sched.Next(n) {
		due, found = n, true
	}
	return due, found
}

// JobInfo is a job as GET /api/v1/jobs shows it.
type JobInfo struct {
	Name     string    `json:"name"`
	Schedule string    `json:"schedule"`
	LastRun  *Run      `json:"last_run"`
	NextRun  time.Time `json:"next_run"`
}

// Jobs lists every job with its last run and next tick.
func (s *Scheduler) Jobs(ctx context.Context) ([]JobInfo, error) {
	last, err := s.lastRuns(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []JobInfo{}
	for _, name := range s.Names() {
		j := s.jobs[name]
		info := JobInfo{Name: name, Schedule: j.Schedule, NextRun: j.sched.Next(now)}
		if r, ok := last[name]; ok {
			info.LastRun = &r
		}
		out = append(out, info)
	}
	return out, nil
}
