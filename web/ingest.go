package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

func (s *Server) answerIngest(c echo.Context, kind string, res kpi.Result, err error) error {
	if err != nil {
		return err
	}
	s.metrics.ingestRows.WithLabelValues(kind, "accepted").Add(float64(res.Accepted))
	s.metrics.ingestRows.WithLabelValues(kind, "duplicate").Add(float64(res.Duplicates))
	return c.JSON(http.StatusOK, res)
}

func (s *Server) postEvents(c echo.Context) error {
	var req struct {
		Events []ss.EventInput `json:"events"`
	}
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.checkBatch("events", len(req.Events)); err != nil {
		return err
	}
	res, err := s.ingest.Events(c.Request().Context(), principal(c), req.Events)
	return s.answerIngest(c, "events", res, err)
}

func (s *Server) postOutcomes(c echo.Context) error {
	var req struct {
		Outcomes []ss.OutcomeInput `json:"outcomes"`
	}
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.checkBatch("outcomes", len(req.Outcomes)); err != nil {
		return err
	}
	res, err := s.ingest.Outcomes(c.Request().Context(), principal(c), req.Outcomes)
	return s.answerIngest(c, "outcomes", res, err)
}

func (s *Server) postFootfall(c echo.Context) error {
	var req struct {
		Footfall []ss.FootfallInput `json:"footfall"`
	}
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.checkBatch("footfall", len(req.Footfall)); err != nil {
		return err
	}
	res, err := s.ingest.Footfall(c.Request().Context(), principal(c), req.Footfall)
	return s.answerIngest(c, "footfall", res, err)
}

func (s *Server) postSales(c echo.Context) error {
	var req struct {
		Sales []ss.SaleInput `json:"sales"`
	}
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.checkBatch("sales", len(req.Sales)); err != nil {
		return err
	}
	res, err := s.ingest.Sales(c.Request().Context(), principal(c), req.Sales)
	return s.answerIngest(c, "sales", res, err)
}
