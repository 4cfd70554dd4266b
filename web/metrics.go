package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	ingestRows *prometheus.CounterVec
	// readFallbacks counts replica reads the primary answered (replica.go).
	readFallbacks *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, pool *pgxpool.Pool) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shrinkscope_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "shrinkscope_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		ingestRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shrinkscope_ingest_rows_total", Help: "Ingested rows by kind (events, outcomes, footfall, sales) and result (accepted, duplicate).",
		}, []string{"kind", "result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.ingestRows, poolCollector{pool},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// metricsHandler answers /metrics on the main listener, to admins only: the
// figures (routes, request counts, pool sizes) map the service for whoever
// reads them. Prometheus without a token scrapes MetricsHandler on a
// listener of its own (serve's --metrics-addr).
func (s *Server) metricsHandler(c echo.Context) error {
	s.MetricsHandler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// MetricsHandler serves the Prometheus metrics with no token asked, for a
// listener that only the monitoring network reaches.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// observe logs each request and records its count and latency under the
// route template, so ids in paths do not explode the label space.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Inc()
		s.metrics.latency.WithLabelValues(route, c.Request().Method).Observe(d.Seconds())
		s.log.Info("request", "method", c.Request().Method, "route", route, "path", c.Request().URL.Path,
			"status", status, "duration_ms", float64(d.Microseconds())/1000, "bytes", c.Response().Size)
		return nil
	}
}

// poolCollector exports the pgx pool's statistics at scrape time.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolTotal    = prometheus.NewDesc("shrinkscope_db_pool_connections", "Database pool connections by state.", []string{"state"}, nil)
	poolMax      = prometheus.NewDesc("shrinkscope_db_pool_max_connections", "Database pool size limit.", nil, nil)
	poolAcquires = prometheus.NewDesc("shrinkscope_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	poolWait     = prometheus.NewDesc("shrinkscope_db_pool_acquire_wait_seconds_total", "Time spent waiting for a pool connection.", nil, nil)
)

func (p poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolTotal
	ch <- poolMax
	ch <- poolAcquires
	ch <- poolWait
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := p.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(st.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(st.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, st.AcquireDuration().Seconds())
}
