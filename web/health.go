package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shrinkscope/shrinkscope/migrations"
)

// healthz answers while the process runs.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database is reachable and its schema is the
// binary's, else 503 naming what is wrong, with Retry-After as every 503.
func (s *Server) readyz(c echo.Context) error {
	notReady := func(body map[string]any) error {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		return c.JSON(http.StatusServiceUnavailable, body)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return notReady(map[string]any{"status": "unavailable", "reason": "database unreachable"})
	}
	cur, err := migrations.Current(ctx, s.pool)
	if err != nil {
		return notReady(map[string]any{"status": "unavailable", "reason": "cannot read schema version"})
	}
	if want := migrations.Latest(); cur != want {
		return notReady(map[string]any{"status": "unavailable", "reason": "schema not current: run `shrinkscope migrate up`", "schema": cur, "want": want})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "schema": cur})
}
