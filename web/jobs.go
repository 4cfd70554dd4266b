package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/reports"
)

func (s *Server) scheduler() (*reports.Scheduler, error) {
	if s.opt.Jobs == nil {
		return nil, ss.Errorf(ss.ENOTFOUND, "name", "this server runs no jobs")
	}
	return s.opt.Jobs, nil
}

func (s *Server) listJobs(c echo.Context) error {
	sch, err := s.scheduler()
	if err != nil {
		return c.JSON(http.StatusOK, map[string]any{"jobs": []any{}})
	}
	jobs, err := sch.Jobs(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"jobs": jobs})
}

func (s *Server) jobRuns(c echo.Context) error {
	sch, err := s.scheduler()
	if err != nil {
		return err
	}
	limit := 100
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return ss.Errorf(ss.EINVALID, "limit", "limit must be a whole number from 1 to 1000, got %q", v)
		}
	}
	runs, err := sch.Runs(c.Request().Context(), c.Param("name"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"job": c.Param("name"), "runs": runs})
}

// runJob runs a job now and answers when it has finished, with its run.
func (s *Server) runJob(c echo.Context) error {
	sch, err := s.scheduler()
	if err != nil {
		return err
	}
	run, err := sch.RunNow(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, run)
}
