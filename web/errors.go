package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/db"
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
	ss.EUNAVAILABLE:  http.StatusServiceUnavailable,
	ss.ETOOMANY:      http.StatusTooManyRequests,
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

// StatusClientClosed is recorded (in logs and metrics, never seen by
// anyone) for a request whose client went away before it was answered; the
// number is nginx's.
const StatusClientClosed = 499

// retryAfter is what a 503 tells senders to wait before retrying.
const retryAfter = 5 * time.Second

// maxItemErrors caps the per-item list so a bad 10,000-item batch gets a readable answer.
const maxItemErrors = 100

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := s.renderError(err, c)
	switch status {
	case StatusClientClosed:
		c.Response().WriteHeader(status)
		return
	case http.StatusServiceUnavailable:
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	}
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
	// An echo.HTTPError is an answer (a 408 for a body cut for its rate
	// among them, whose failed read cancelled the request's context).
	domain := errors.As(err, &be) || errors.As(err, &de) || errors.As(err, &he)
	switch {
	case !domain && c.Request().Context().Err() != nil:
		// The client closed the connection: nobody hears the answer and the
		// server did nothing wrong.
		s.log.Info("client closed request", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return StatusClientClosed, errorBody{errorDetail{Code: "client_closed", Message: "client closed request"}}
	case be != nil:
		items := be.Items
		if len(items) > maxItemErrors {
			items = items[:maxItemErrors]
		}
		code := be.Code
		if code == "" {
			code = ss.EINVALID
		}
		msg := "the batch was rejected whole, nothing was stored: " + be.Error()
		return statusOf[code], errorBody{errorDetail{Code: code, Message: msg, Items: items}}
	case de != nil && de.Code != ss.EINTERNAL:
		return statusOf[de.Code], errorBody{errorDetail{Code: de.Code, Message: de.Message, Field: de.Field}}
	case he != nil:
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
		case http.StatusRequestTimeout:
			code = "timeout"
		}
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			msg = m
		}
		return he.Code, errorBody{errorDetail{Code: code, Message: msg}}
	case s.unreachable(c, err):
		s.log.Warn("database unavailable", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return http.StatusServiceUnavailable, errorBody{errorDetail{Code: ss.EUNAVAILABLE,
			Message: "the database is unavailable; nothing was stored, retry later"}}
	default:
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return http.StatusInternalServerError, errorBody{errorDetail{Code: ss.EINTERNAL, Message: "internal error"}}
	}
}

// unreachable reports whether err comes from not reaching the database: by
// its kind, or, for an error of no known kind, by the database not
// answering a ping now (a server stopped mid-statement fails in many ways).
func (s *Server) unreachable(c echo.Context, err error) bool {
	if db.Unavailable(err) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), time.Second)
	defer cancel()
	return db.Ping(ctx, s.pool) != nil
}
