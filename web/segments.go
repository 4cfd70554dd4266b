package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shrinkscope/shrinkscope/segments"
)

func (s *Server) getSegments(c echo.Context) error {
	rs := s.on(c)
	per, err := queryPeriod(c, segments.Window)
	if err != nil {
		return err
	}
	from, to := per.From, per.To
	segs, err := rs.segments.Segments(c.Request().Context(), from, to, visible(c), s.opt.Segments)
	if err != nil {
		return err
	}
	return readJSON(c, http.StatusOK, segmentsAnswer{
		From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		Days: per.Days(), Stores: segs,
	})
}

// segmentsAnswer is the body of GET /api/v1/segments (openapi.json documents
// it, and a test checks the two agree).
type segmentsAnswer struct {
	From   string             `json:"from"`
	To     string             `json:"to"`
	Days   int                `json:"days"`
	Stores []segments.Segment `json:"stores"`
}

// getSegmentHistory answers GET /api/v1/segments/history: the segments the
// daily segments job recorded on the days from..to (default the last 90 to
// yesterday), for the caller's stores or one store.
func (s *Server) getSegmentHistory(c echo.Context) error {
	rs := s.on(c)
	per, err := queryPeriod(c, segments.HistoryWindow)
	if err != nil {
		return err
	}
	from, to := per.From, per.To
	snaps, err := rs.segments.History(c.Request().Context(), from, to, visible(c), c.QueryParam("store"))
	if err != nil {
		return err
	}
	return readJSON(c, http.StatusOK, segmentHistoryAnswer{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Snapshots: snaps})
}

// segmentHistoryAnswer is the body of GET /api/v1/segments/history.
type segmentHistoryAnswer struct {
	From      string              `json:"from"`
	To        string              `json:"to"`
	Snapshots []segments.Snapshot `json:"snapshots"`
}
