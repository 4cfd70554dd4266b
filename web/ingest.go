package web

import (
	"context"
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

func (s *Server) postEvents(c echo.Context) error {
	return postBatchWith(s, c, "events", decodeEventsFast, s.ingest.Events)
}

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
	return postBatchWith(s, c, kind, nil, store)
}

// postBatchWith is postBatch with a fast decoder for the batch's common
// shape, tried first; where it declines, encoding/json decodes the body.
func postBatchWith[T any](s *Server, c echo.Context, kind string, fast func([]byte) ([]T, bool),
	store func(context.Context, *ss.Principal, []T) (kpi.Result, error)) error {
	buf, err := s.readJSON(c)
	defer putBody(buf)
	if err != nil {
		return err
	}
	var items []T
	ok := false
	if fast != nil {
		items, ok = fast(buf.Bytes())
	}
	if !ok {
		if items, err = decodeItems[T](buf.Bytes(), kind, s.opt.MaxBodyBytes); err != nil {
			return err
		}
	}
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

// decodeItems decodes {"<kind>": [items]} with encoding/json into
// struct{ Items []T `json:"<kind>"` }, so that unknown fields are refused
// and errors name their path ("events.score") as for any other body.
func decodeItems[T any](body []byte, kind string, limit int64) ([]T, error) {
	req := reflect.New(reflect.StructOf([]reflect.StructField{{
		Name: "Items", Type: reflect.TypeFor[[]T](), Tag: reflect.StructTag(`json:"` + kind + `"`)}}))
	if err := decodeBody(body, req.Interface(), limit); err != nil {
		return nil, err
	}
	return req.Elem().Field(0).Interface().([]T), nil
}
