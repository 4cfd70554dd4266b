package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// getFindings is GET /api/v1/findings?week=&store=: the findings of one
// judged week (the latest when week is left out), in the caller's scope.
func (s *Server) getFindings(c echo.Context) error {
	rs := s.on(c)
	var week time.Time
	if v := c.QueryParam("week"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return ss.Errorf(ss.EINVALID, "week", "week must be a date (YYYY-MM-DD, any day of the week), got %q", v)
		}
		if d.Before(ss.Earliest) || d.Year() >= 2100 {
			return ss.Errorf(ss.EINVALID, "week", "week %s is outside %s … 2099-12-31", v, ss.Earliest.Format(time.DateOnly))
		}
		week = d
	}
	res, err := rs.findings.List(c.Request().Context(), week, visible(c), c.QueryParam("store"))
	if err != nil {
		return err
	}
	return readJSON(c, http.StatusOK, res)
}
