package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/shrinkscope/shrinkscope/reports"
)

// reportRow is one report snapshot as the reports page lists it.
type reportRow struct {
	reports.Snapshot
	StoreName string // "" for the estate's report
}

// reportsPage lists the weekly report snapshots the caller may read: the
// estate's (for principals who see every store) and each store's.
func (s *Server) reportsPage(c echo.Context) error {
	rs := s.on(c)
	ctx := c.Request().Context()
	vis := visible(c)
	stores, err := rs.layout.Stores(ctx, vis)
	if err != nil {
		return err
	}
	var rows []reportRow
	if vis == nil { // the estate's, for a token that sees every store
		list, err := rs.reports.List(ctx, "")
		if err != nil {
			return err
		}
		for _, r := range list {
			rows = append(rows, reportRow{Snapshot: r})
		}
	}
	for _, st := range stores {
		list, err := rs.reports.List(ctx, st.Code)
		if err != nil {
			return err
		}
		for _, r := range list {
			rows = append(rows, reportRow{Snapshot: r, StoreName: st.Name})
		}
	}
	slices.SortStableFunc(rows, func(a, b reportRow) int { return b.Week.Compare(a.Week) })
	return render(c, http.StatusOK, "reports.html", struct {
		shell
		Reports []reportRow
	}{newShell(c, "reports", "Reports"), rows})
}

// jobRow is one scheduled job with its recent history.
type jobRow struct {
	reports.JobInfo
	Runs []reports.Run
}

// jobsPage shows the job schedule and history: last run, next run, status
// and error, with a "run now" form for admins.
func (s *Server) jobsPage(c echo.Context) error {
	ctx := c.Request().Context()
	var rows []jobRow
	if sch := s.opt.Jobs; sch != nil {
		jobs, err := sch.Jobs(ctx)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			runs, err := sch.Runs(ctx, j.Name, 10)
			if err != nil {
				return err
			}
			rows = append(rows, jobRow{JobInfo: j, Runs: runs})
		}
	}
	return render(c, http.StatusOK, "jobs.html", struct {
		shell
		Jobs   []jobRow
		CanRun bool
	}{newShell(c, "jobs", "Jobs"), rows, slices.Contains(admins, principal(c).Role)})
}

// runJobOnPage is the jobs page's "run now" form: it runs the job to its end
// and goes back to the page, where the run heads the job's history.
func (s *Server) runJobOnPage(c echo.Context) error {
	sch, err := s.scheduler()
	if err != nil {
		return err
	}
	if _, err := sch.RunNow(c.Request().Context(), c.Param("name")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/jobs#job-"+url.PathEscape(c.Param("name")))
}
