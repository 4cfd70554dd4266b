package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// decodeJSON reads the request body as one JSON document into v, strictly:
// the content type must be JSON, unknown fields are errors, and the body may
// not exceed MaxBodyBytes.
func (s *Server) decodeJSON(c echo.Context, v any) error {
	buf, err := s.readJSON(c)
	defer putBody(buf)
	if err != nil {
		return err
	}
	return decodeBody(buf.Bytes(), v, s.opt.MaxBodyBytes)
}

// bodyBufs holds request body buffers between requests; putBody returns
// one, unless it grew past maxPooledBody.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBody = 4 << 20

func putBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBody {
		bodyBufs.Put(buf)
	}
}

// readJSON checks that the request body is JSON and reads it whole, up to
// MaxBodyBytes, into a buffer from bodyBufs, which the caller returns with putBody
// (error or not) once done with the bytes.
func (s *Server) readJSON(c echo.Context) (*bytes.Buffer, error) {
	buf := bodyBufs.Get().(*bytes.Buffer)
	buf.Reset()
	r := c.Request()
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && mt != "application/geo+json") {
		return buf, ss.Errorf(ss.EUNSUPPORTED, "Content-Type", "Content-Type must be application/json, got %q", ct)
	}
	if r.ContentLength > 0 && r.ContentLength <= s.opt.MaxBodyBytes {
		// The declared length, up to a megabyte: a client's word is not
		// worth more memory before its bytes arrive.
		buf.Grow(int(min(r.ContentLength, 1<<20)))
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(c.Response(), r.Body, s.opt.MaxBodyBytes)); err != nil {
		return buf, jsonError(err, s.opt.MaxBodyBytes)
	}
	return buf, nil
}

// decodeBody decodes body as one JSON document into v, strictly: unknown
// fields are errors, nothing may follow the document, and every string
// passes checkJSONText.
func decodeBody(body []byte, v any, limit int64) error {
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
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
	if errors.Is(err, errSlowBody) {
		return slowBody()
	}
	return ss.Errorf(ss.EINVALID, jsonErrorField(err), "%s", ss.JSONErrorMessage(err))
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

// rejectBadText holds every query parameter, path parameter and form value
// to the text check of JSON strings (ss.TextProblem), naming it: a NUL
// would otherwise fail in PostgreSQL as a 500, and bytes that are not UTF-8
// would be stored as sent. Forms are read here only when the request sends
// one (URL-encoded or multipart); lengths are each field's own affair.
func rejectBadText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for name, values := range c.QueryParams() {
			if err := ss.CheckText("query parameter name", name, len(name)); err != nil {
				return err
			}
			for _, v := range values {
				if err := ss.CheckText(name, v, len(v)); err != nil {
					return err
				}
			}
		}
		for i, name := range c.ParamNames() {
			if i < len(c.ParamValues()) {
				v := c.ParamValues()[i]
				if err := ss.CheckText(name, v, len(v)); err != nil {
					return err
				}
			}
		}
		// Form values are checked by formBody, once it has read the body
		// under its size limit: parsing it here would read an unlimited one.
		return next(c)
	}
}

// checkForm passes every form field name and value through the text check.
func checkForm(form map[string][]string) error {
	for name, values := range form {
		if err := ss.CheckText("form field", name, len(name)); err != nil {
			return err
		}
		for _, v := range values {
			if err := ss.CheckText(name, v, len(v)); err != nil {
				return err
			}
		}
	}
	return nil
}
