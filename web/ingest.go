package web

import (
	"context"
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

func (s *Server) postEvents(c echo.Context) error { return postBatch(s, c, "events", s.ingest.Events) }

func (s *Server) postOutcomes(c echo.Context) error {
	return postBatch(s, c, "outcomes", s.ingest.Outcomes)
}

func (s *Server) postFootfall(c echo.Context) error {
	return postBatch(s, c, "footfall", s.ingest.Footfall)
}

func (s *Server) postSales(c echo.Context) error { return postBatch(s, c, "sales", s.ingest.Sales) }

// postBatch answers the POST of a batch, {"<kind>": [items]}: decoded,
// its size checked, stored whole or not at all by store, and counted in
// the ingest metrics.
func postBatch[T any](s *Server, c echo.Context, kind string, store func(context.Context, *ss.Principal, []T) (kpi.Result, error)) error {
	// The body is decoded into struct{ Items []T `json:"<kind>"` }, so that
	// unknown fields are refused and errors name their path ("events.score")
	// as for any other body.
	req := reflect.New(reflect.StructOf([]reflect.StructField{{
		Name: "Items", Type: reflect.TypeFor[[]T](), Tag: reflect.StructTag(`json:"` + kind + `"`)}}))
	if err := s.decodeJSON(c, req.Interface()); err != nil {
		return err
	}
	items := req.Elem().Field(0).Interface().([]T)
	if err := s.checkBatch(kind, len(items)); err != nil {
		return err
	}
	res, err := store(c.Request().Context(), principal(c), items)
	if err != nil {
		return err
	}
	s.metrics.ingestRows.WithLabelValues(kind, "accepted").Add(float64(res.Accepted))
	s.metrics.ingestRows.WithLabelValues(kind, "duplicate").Add(float64(res.Duplicates))
	return c.JSON(http.StatusOK, res)
}
