package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// decodeJSON reads the request body as one JSON document into v, strictly:
// the content type must be JSON, unknown fields are errors, and the body may
// not exceed MaxBodyBytes.
func (s *Server) decodeJSON(c echo.Context, v any) error {
	r := c.Request()
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && mt != "application/geo+json") {
		return ss.Errorf(ss.EUNSUPPORTED, "Content-Type", "Content-Type must be application/json, got %q", ct)
	}
	body := http.MaxBytesReader(c.Response(), r.Body, s.opt.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, s.opt.MaxBodyBytes)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err, s.opt.MaxBodyBytes)
		}
		return ss.Errorf(ss.EINVALID, "body", "the body must hold exactly one JSON document")
	}
	return nil
}

func jsonError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	var de *ss.Error
	if errors.As(err, &de) { // from a type's own UnmarshalJSON
		return de
	}
	if errors.As(err, &mbe) {
		return ss.Errorf(ss.ETOOLARGE, "body", "request body exceeds %d bytes; send smaller batches", limit)
	}
	return ss.Errorf(ss.EINVALID, ss.JSONErrorField(err), "%s", ss.JSONErrorMessage(err))
}

// checkBatch rejects an empty batch or one over MaxBatch items.
func (s *Server) checkBatch(field string, n int) error {
	if n == 0 {
		return ss.Errorf(ss.EINVALID, field, "%s must hold at least one item", field)
	}
	if n > s.opt.MaxBatch {
		return ss.Errorf(ss.ETOOLARGE, field, "%s holds %d items; at most %d per batch", field, n, s.opt.MaxBatch)
	}
	return nil
}

// rejectNUL refuses a NUL character in any query or path parameter, naming
// it: PostgreSQL text cannot hold one, so it would otherwise fail as a 500.
func rejectNUL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for name, values := range c.QueryParams() {
			for _, v := range values {
				if err := ss.CheckText(name, v, len(v)); err != nil {
					return err
				}
			}
		}
		for i, name := range c.ParamNames() {
			if v := c.ParamValues()[i]; strings.IndexByte(v, 0) >= 0 {
				return ss.CheckText(name, v, len(v))
			}
		}
		return next(c)
	}
}
