package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// statusOf maps domain error codes to HTTP status: the one place it happens.
var statusOf = map[string]int{
	ss.EINVALID:      http.StatusUnprocessableEntity,
	ss.ENOTFOUND:     http.StatusNotFound,
	ss.ECONFLICT:     http.StatusConflict,
	ss.EUNAUTHORIZED: http.StatusUnauthorized,
	ss.EFORBIDDEN:    http.StatusForbidden,
	ss.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	ss.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	ss.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Field   string         `json:"field,omitempty"`
	Items   []ss.ItemError `json:"items,omitempty"`
}

// maxItemErrors caps the per-item list so a bad 10,000-item batch gets a readable answer.
const maxItemErrors = 100

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := s.renderError(err, c)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if strings.Contains(c.Request().Header.Get("Accept"), "text/html") {
		_ = s.errorPage(c, status, body.Error.Message)
		return
	}
	_ = c.JSON(status, body)
}

func (s *Server) renderError(err error, c echo.Context) (int, errorBody) {
	var (
		de *ss.Error
		be *ss.BatchError
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &be):
		items := be.Items
		if len(items) > maxItemErrors {
			items = items[:maxItemErrors]
		}
		msg := "the batch was rejected whole, nothing was stored: " + be.Error()
		return http.StatusUnprocessableEntity, errorBody{errorDetail{Code: ss.EINVALID, Message: msg, Items: items}}
	case errors.As(err, &de) && de.Code != ss.EINTERNAL:
		return statusOf[de.Code], errorBody{errorDetail{Code: de.Code, Message: de.Message, Field: de.Field}}
	case errors.As(err, &he):
		code := ss.EINVALID
		switch he.Code {
		case http.StatusNotFound:
			code = ss.ENOTFOUND
		case http.StatusMethodNotAllowed:
			code = "method_not_allowed"
		case http.StatusUnauthorized:
			code = ss.EUNAUTHORIZED
		case http.StatusRequestEntityTooLarge:
			code = ss.ETOOLARGE
		}
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			msg = m
		}
		return he.Code, errorBody{errorDetail{Code: code, Message: msg}}
	default:
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return http.StatusInternalServerError, errorBody{errorDetail{Code: ss.EINTERNAL, Message: "internal error"}}
	}
}
