package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// Reads are admitted a few at a time. Under a crowd of dashboard and KPI
// reads the database's connections and CPU went to reads, ingest waited
// behind them for seconds (past the vision sender's timeout, so it sent
// again), and reads queued without bound. The gate keeps reads to
// Options.ReadConcurrency at once, below the pool's size, so ingest, token
// lookups and the jobs always find a connection; a read that cannot get in
// within Options.ReadWait is shed with 503 and Retry-After, which tells a
// client to come back rather than wait on.

// gated reports whether a route's requests pass the read gate: the GETs that
// need a token (the public ones — health, static files — and /metrics are
// cheap and must answer when the server is busy).
func gated(r route) bool {
	return r.Method == http.MethodGet && r.Roles != nil && r.Path != "/metrics"
}

// gate admits next once a read slot is free, or answers 503 after ReadWait.
func (s *Server) gate(next echo.HandlerFunc) echo.HandlerFunc {
	if s.reads == nil {
		return next
	}
	return func(c echo.Context) error {
		t := time.NewTimer(s.opt.ReadWait)
		defer t.Stop()
		select {
		case s.reads <- struct{}{}:
		case <-t.C:
			return ss.Errorf(ss.EUNAVAILABLE, "", "the server is busy with other reads; nothing is wrong with the request: retry later")
		case <-c.Request().Context().Done():
			return c.Request().Context().Err()
		}
		defer func() { <-s.reads }()
		return next(c)
	}
}
