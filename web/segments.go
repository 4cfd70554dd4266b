package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// segmentDays is the default window of the segments answer.
const segmentDays = 90

// parseSegmentWindow reads the segments window as the KPI API reads dates:
// from and to (local dates, both inclusive), or neither for the last
// segmentDays full days. days is a shorthand for from: the days days ending
// to (or yesterday). Instants are not accepted: segments are read from daily
// rollups.
func parseSegmentWindow(c echo.Context, now time.Time) (from, to time.Time, err error) {
	f, t, d := c.QueryParam("from"), c.QueryParam("to"), c.QueryParam("days")
	y := now.UTC().AddDate(0, 0, -1)
	to = time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
	if t != "" {
		if to, err = time.Parse(time.DateOnly, t); err != nil {
			return from, to, ss.Errorf(ss.EINVALID, "to", "to must be a date (YYYY-MM-DD), got %q", t)
		}
	}
	switch {
	case f != "" && d != "":
		return from, to, ss.Errorf(ss.EINVALID, "days", "give from or days, not both")
	case f != "":
		if t == "" {
			return from, to, ss.Errorf(ss.EINVALID, "to", "give both from and to, or neither (the last %d days)", segmentDays)
		}
		if from, err = time.Parse(time.DateOnly, f); err != nil {
			return from, to, ss.Errorf(ss.EINVALID, "from", "from must be a date (YYYY-MM-DD), got %q", f)
		}
		return from, to, nil
	case d != "":
		n, err := strconv.Atoi(d)
		if err != nil {
			return from, to, ss.Errorf(ss.EINVALID, "days", "days must be a whole number, got %q", d)
		}
		if n < 1 {
			return from, to, ss.Errorf(ss.EINVALID, "days", "days must be between 7 and 730, got %d", n)
		}
		return to.AddDate(0, 0, -n+1), to, nil
	}
	return to.AddDate(0, 0, -segmentDays+1), to, nil
}

func (s *Server) getSegments(c echo.Context) error {
	from, to, err := parseSegmentWindow(c, time.Now())
	if err != nil {
		return err
	}
	segs, err := s.kpis.Segments(c.Request().Context(), from, to, visible(c), s.opt.Segments)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, segmentsAnswer{
		From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		Days: int(to.Sub(from).Hours()/24) + 1, Stores: segs,
	})
}

// segmentsAnswer is the body of GET /api/v1/segments (openapi.json documents
// it, and a test checks the two agree).
type segmentsAnswer struct {
	From   string        `json:"from"`
	To     string        `json:"to"`
	Days   int           `json:"days"`
	Stores []kpi.Segment `json:"stores"`
}

// getSegmentHistory answers GET /api/v1/segments/history: the segments the
// daily segments job recorded on the days from..to (default the last 90 to
// yesterday), for the caller's stores or one store.
func (s *Server) getSegmentHistory(c echo.Context) error {
	from, to, err := parseSegmentWindow(c, time.Now())
	if err != nil {
		return err
	}
	if to.Before(from) {
		return ss.Errorf(ss.EINVALID, "to", "to %s is before from %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	if days := int(to.Sub(from).Hours()/24) + 1; days > 730 {
		return ss.Errorf(ss.EINVALID, "from", "the history spans at most 730 days, got %d", days)
	}
	snaps, err := s.kpis.SegmentHistory(c.Request().Context(), from, to, visible(c), c.QueryParam("store"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, segmentHistoryAnswer{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Snapshots: snaps})
}

// segmentHistoryAnswer is the body of GET /api/v1/segments/history.
type segmentHistoryAnswer struct {
	From      string                `json:"from"`
	To        string                `json:"to"`
	Snapshots []kpi.SegmentSnapshot `json:"snapshots"`
}
