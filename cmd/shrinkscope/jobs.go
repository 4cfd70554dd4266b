package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"time"

	ss "github.com/shrinkscope/shrinkscope"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/segments"
)

// jobFlags are the settings of the scheduler.
var jobFlags = []string{"schedule-rollups", "schedule-reports", "schedule-segments", "schedule-retention",
	"schedule-staffing-plans", "schedule-recommendations", "schedule-evaluations", "schedule-findings", "findings-fdr", "findings-fdr-scope", "layout-quiet-days", "retention-months", "job-retries", "job-backoff", "min-reviews"}

// jobTable is every scheduled job, each calling the package that does the work.
func jobTable(svc app.Services, c *Config, rollups *kpi.Rollups) []reports.Job {
	lay, rep, staff := svc.Layout, svc.Reports, svc.Workforce
	svc.Findings.SetConfig(findings.Config{FDR: c.FindingsFDR, Scope: c.FindingsFDRScope})
	svc.KPIs.SetMinReviews(c.MinReviews) // the segments and reports jobs read est_loss too
	// The flag is checked to 1–365 when parsed, within what Validate allows.
	if err := lay.SetConfig(layout.Config{QuietDays: c.LayoutQuietDays}); err != nil {
		panic("layout config passed its flag's check but not Validate: " + err.Error())
	}
	jobs := []reports.Job{
		{Name: "rollups", Schedule: c.Schedules["rollups"], Run: rollups.Refresh},
		{Name: "segments", Schedule: c.Schedules["segments"], Run: func(ctx context.Context) (int, error) {
			// The estate's days to yesterday in UTC: each store reads its dates in its own zone.
			w := ss.LastDays(time.Now(), nil, segments.Window.DefaultDays)
			return svc.Segments.Record(ctx, w.From, w.To, c.Segments)
		}},
		{Name: "retention", Schedule: c.Schedules["retention"], Run: func(ctx context.Context) (int, error) {
			st, err := rollups.Purge(ctx, time.Now().AddDate(0, -c.RetentionMonths, 0))
			return int(st.Rows()), err
		}},
		{Name: "reports", Schedule: c.Schedules["reports"], Run: func(ctx context.Context) (int, error) {
			return rep.WriteWeek(ctx, reports.LastWeek(time.Now()))
		}},
		{Name: "staffing-plans", Schedule: c.Schedules["staffing-plans"], Run: func(ctx context.Context) (int, error) {
			// Planners roster ahead: the plans are for next week.
			return staff.PlanWeek(ctx, time.Now().AddDate(0, 0, 7))
		}},
		{Name: "recommendations", Schedule: c.Schedules["recommendations"], Run: lay.RefreshRecommendations},
		{Name: "evaluations", Schedule: c.Schedules["evaluations"], Run: lay.EvaluateDue},
		{Name: "findings", Schedule: c.Schedules["findings"], Run: func(ctx context.Context) (int, error) {
			return svc.Findings.RunWeek(ctx, reports.LastWeek(time.Now()), reports.FindingsCreated)
		}},
	}
	return jobs
}

func newScheduler(svc app.Services, c *Config, log *slog.Logger, rollups *kpi.Rollups) (*reports.Scheduler, error) {
	jobs := jobTable(svc, c, rollups)
	if c.onJob != nil {
		for i, j := range jobs {
			jobs[i].Run = func(ctx context.Context) (int, error) { c.onJob(j.Name); return j.Run(ctx) }
		}
	}
	s, err := reports.New(svc.Pool, jobs, reports.Config{Retries: c.JobRetries, Backoff: c.JobBackoff, Log: log, Clock: c.jobClock, Seconds: c.jobSeconds})
	if err != nil {
		return nil, fmt.Errorf("--schedule-*: %w", err)
	}
	return s, nil
}

// cmdJobs is `jobs list` and `jobs run NAME`: a run now, recorded in the history like any other.
func cmdJobs(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "run" && args[0] != "list" || args[0] == "run" && len(args) < 2 {
		fmt.Fprintln(e.stderr, "usage: shrinkscope jobs list | run NAME")
		return usageError(args)
	}
	rest := args[1:]
	if args[0] == "run" && usageError(args[1:]) != flag.ErrHelp {
		rest = args[2:]
	}
	c, err := parseConfig(flag.NewFlagSet("jobs "+args[0], flag.ContinueOnError), e, rest, append(append([]string{"segment-weights", "segment-costs", "segment-currency-costs", "staffing-hourly-cost"}, jobFlags...), dbFlags...)...)
	if err != nil {
		return err
	}
	d, log, err := openMigrated(ctx, c, e)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := newServices(d.Pool, c)
	svc.Workforce.SOC = c.SOC()
	s, err := newScheduler(svc, c, log, kpi.NewRollups(d.Pool))
	if err != nil {
		return err
	}
	var out any
	if args[0] == "list" {
		out, err = s.Jobs(ctx)
	} else {
		out, err = s.RunNow(ctx, args[1])
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
