package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/segments"
	"github.com/shrinkscope/shrinkscope/workforce"
)

// Dashboard pages and the KPI, hotspot, segment, staffing, findings and
// report reads may be answered by a streaming replica (app.Services.Reads
// chooses, read by read); everything else — ingest, writes, claims, sign-in
// and token checks, and any read that must see its own writes — stays on
// the primary. Each such read says how fresh its data is: the Data-As-Of
// header, an as_of field in JSON objects and column in the KPI CSV, and
// "data as of …" on pages once the replica lags past the stale bound.

// readSet is the services a replica read answers with, all on one pool.
type readSet struct {
	kpis      *kpi.KPIs
	layout    *layout.Service
	segments  *segments.Service
	findings  *findings.Service
	workforce *workforce.Service
	reports   *reports.Reports
}

func readSetOf(svc app.Services) readSet {
	return readSet{kpis: svc.KPIs, layout: svc.Layout, segments: svc.Segments, findings: svc.Findings,
		workforce: svc.Workforce, reports: svc.Reports}
}

// readKey holds a request's readChoice in the echo context.
const readKey = "shrinkscope.read"

// readChoice is where one request reads and how fresh that is.
type readChoice struct {
	set  *readSet
	read db.Read
}

// replicaRead reports whether a route's reads may come from the replica.
func replicaRead(r route) bool {
	if r.Method != http.MethodGet {
		return false
	}
	switch r.Path {
	case "/api/v1/kpis", "/api/v1/stores/:code/hotspots", "/api/v1/segments", "/api/v1/segments/history",
		"/api/v1/findings", "/api/v1/stores/:code/staffing-plans/:week", "/api/v1/staffing-plans/:week",
		"/api/v1/soc-staffing", "/api/v1/stores/:code/reports", "/api/v1/reports", "/api/v1/reports/:id",
		"/", "/stores/:code", "/segments", "/staffing", "/reports":
		return true
	}
	return false
}

// fromReplica chooses the request's reads (replica or primary), says their
// freshness in the Data-As-Of header and, when the replica turns out to be
// unreachable before anything was written, answers again from the primary.
func (s *Server) fromReplica(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		rd := s.replica.Read()
		set := &s.primaryReads
		if rd.Replica {
			set = &s.replicaReads
		}
		s.choose(c, set, rd)
		err := next(c)
		if !rd.Replica || err == nil || c.Response().Committed {
			return err
		}
		reason := ""
		switch {
		case s.replica.Failed(err):
			reason = db.FallbackUnreachable
		case db.RecoveryConflict(err):
			reason = db.FallbackConflict
		default:
			return err
		}
		s.log.Warn("read replica failed a read: reading from the primary", "path", c.Request().URL.Path, "reason", reason, "err", err)
		s.metrics.readFallbacks.WithLabelValues(reason).Inc()
		s.choose(c, &s.primaryReads, db.Read{Pool: s.replica.Primary(), AsOf: time.Now()})
		return next(c)
	}
}

func (s *Server) choose(c echo.Context, set *readSet, rd db.Read) {
	if rd.Fallback != "" {
		s.metrics.readFallbacks.WithLabelValues(rd.Fallback).Inc()
	}
	c.Set(readKey, readChoice{set: set, read: rd})
	c.Response().Header().Set("Data-As-Of", rd.AsOf.UTC().Format(time.RFC3339Nano))
}

// on returns the services the request reads with: the replica's for a
// replica read that found it fit, else the primary's.
func (s *Server) on(c echo.Context) *readSet {
	if ch, ok := c.Get(readKey).(readChoice); ok {
		return ch.set
	}
	return &s.primaryReads
}

// asOf returns the instant up to which the request's reads hold every
// commit: now, unless the replica answers.
func asOf(c echo.Context) time.Time {
	if ch, ok := c.Get(readKey).(readChoice); ok && !ch.read.AsOf.IsZero() {
		return ch.read.AsOf
	}
	return time.Now()
}

// staleNote is the "data as of …" a page shows when its replica lags past
// the stale bound; empty otherwise.
func staleNote(c echo.Context) string {
	ch, ok := c.Get(readKey).(readChoice)
	if !ok || !ch.read.Stale {
		return ""
	}
	return fmt.Sprintf("data as of %s (%s behind)", ch.read.AsOf.UTC().Format("2006-01-02 15:04:05 MST"), ch.read.Lag.Round(time.Second))
}

// readJSON answers v as JSON with "as_of" (RFC 3339, UTC) added to it
// first when v is an object; other values go as they are (the Data-As-Of
// header still says it).
func readJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return readJSONBytes(c, status, b)
}

// readJSONRows is readJSON of the object head with the KPI rows added as
// its last member, "rows", written by kpi.AppendRowsJSON rather than
// through encoding/json (which compacts each row's bytes once more).
func readJSONRows(c echo.Context, status int, head map[string]any, rows []kpi.Row) error {
	b, err := json.Marshal(head)
	if err != nil {
		return err
	}
	if len(b) > 2 {
		b = append(b[:len(b)-1], ',')
	} else {
		b = b[:len(b)-1]
	}
	b = append(b, `"rows":`...)
	if b, err = kpi.AppendRowsJSON(b, rows); err != nil {
		return err
	}
	return readJSONBytes(c, status, append(b, '}'))
}

// readJSONBytes answers the JSON b, with as_of first where b is an object.
func readJSONBytes(c echo.Context, status int, b []byte) error {
	if len(b) > 1 && b[0] == '{' {
		stamp, _ := json.Marshal(asOf(c).UTC().Format(time.RFC3339Nano))
		var out bytes.Buffer
		out.Grow(len(b) + 48)
		out.WriteString(`{"as_of":`)
		out.Write(stamp)
		if b[1] != '}' {
			out.WriteByte(',')
		}
		out.Write(b[1:])
		b = out.Bytes()
	}
	return c.JSONBlob(status, b)
}

// replicaMetrics are the read replica's: reads sent to the primary instead,
// by reason, and the replica's lag at scrape time.
func (s *Server) replicaMetrics(reg *prometheus.Registry) *prometheus.CounterVec {
	fallbacks := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shrinkscope_read_replica_fallbacks_total",
		Help: "Reads meant for the read replica that the primary answered, by reason: unreachable (a probe or the read itself could not reach it), lagging (further behind than --read-fallback-after) or conflict (the replica cancelled the read for the WAL it replays).",
	}, []string{"reason"})
	for _, r := range []string{db.FallbackUnreachable, db.FallbackLagging, db.FallbackConflict} {
		fallbacks.WithLabelValues(r)
	}
	reg.MustRegister(fallbacks, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "shrinkscope_read_replica_lag_seconds",
		Help: "How far the read replica's data is behind the primary, from the last probe (-1: no replica, or unreachable).",
	}, func() float64 {
		if lag, ok := s.replica.Lag(); ok {
			return lag.Seconds()
		}
		return -1
	}))
	return fallbacks
}
