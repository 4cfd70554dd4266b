package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/checkout"
	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/segments"
	"github.com/shrinkscope/shrinkscope/workforce"
)

// Options configure the HTTP server; zero values take the documented defaults.
type Options struct {
	// MaxBodyBytes caps a request body; larger bodies get 413. Default 32 MiB.
	MaxBodyBytes int64
	// MaxBatch caps the items of one ingest batch; more get 413. Default 10,000.
	MaxBatch int
	// ShutdownTimeout bounds how long in-flight requests may finish on shutdown. Default 30 s.
	ShutdownTimeout time.Duration
	// Segments configures store risk segmentation; zero values take the defaults of segments.
	Segments segments.Config
	// Jobs is the scheduler whose jobs the jobs API shows and runs; nil: none.
	Jobs *reports.Scheduler
	// MaxSolves caps the staffing solves (what-ifs and plan builds) running
	// at once; one more gets 503 with Retry-After. Each takes a core for up
	// to about a second, so the default is one per core (GOMAXPROCS): more
	// at once would only slow every request, solves and others alike.
	MaxSolves int
	// SessionTTL is how long a browser session lasts from sign-in, however
	// busy. Default 12 h.
	SessionTTL time.Duration
	// SessionIdle ends a browser session unused for this long. Default 2 h;
	// negative: no idle limit.
	SessionIdle time.Duration
	// RateLimits are the request limits per token by role (ratelimit.go),
	// kept in this process. nil: no limits (serve applies
	// DefaultRateLimits unless told otherwise).
	RateLimits map[ss.Role]Rate
	// ReadConcurrency is how many reads (GETs that need a token) run at
	// once (readgate.go). 0: no gate (serve's --read-concurrency gates at
	// half the pool's connections unless told otherwise).
	ReadConcurrency int
	// ReadWait is how long a read waits for its turn before it is shed
	// with 503 and Retry-After. Default 2 s.
	ReadWait time.Duration
	// AlertHeartbeat is how often a quiet alert stream sends a comment
	// line, so proxies keep it open. Default 15 s.
	AlertHeartbeat time.Duration
	// EvidenceMaxBytes caps one evidence clip; larger gets 413. Default 8 MiB
	// (8 s of 720p H.264 at about 4 Mbit/s, twice over).
	EvidenceMaxBytes int64
	// BodyGrace is how long a request body may take before MinBodyRate
	// applies (bodylimits.go). Default 10 s.
	BodyGrace time.Duration
	// MinBodyRate is the average rate, in bytes a second, a request body
	// must keep after BodyGrace, or it is cut with 408. Default 1,024: a
	// body trickled to hold a connection open is cut, a batch on the
	// slowest store uplink (tens of kilobytes a second) is not.
	MinBodyRate int64
	// TokenHint is the exact command that makes a token this server
	// accepts, shown on the sign-in page (the demo sets it); empty: the
	// page's general hint.
	TokenHint string
}

func (o *Options) defaults() {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 32 << 20
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 10_000
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	if o.MaxSolves <= 0 {
		o.MaxSolves = runtime.GOMAXPROCS(0)
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.ReadWait <= 0 {
		o.ReadWait = 2 * time.Second
	}
	if o.EvidenceMaxBytes <= 0 {
		o.EvidenceMaxBytes = 8 << 20
	}
	if o.AlertHeartbeat <= 0 {
		o.AlertHeartbeat = 15 * time.Second
	}
	if o.BodyGrace <= 0 {
		o.BodyGrace = 10 * time.Second
	}
	if o.MinBodyRate <= 0 {
		o.MinBodyRate = 1024
	}
	switch {
	case o.SessionIdle == 0:
		o.SessionIdle = 2 * time.Hour
	case o.SessionIdle < 0:
		o.SessionIdle = 0 // tokens.Service.Session: no idle limit
	}
}

// Server serves the API and pages.
type Server struct {
	opt       Options
	log       *slog.Logger
	pool      *pgxpool.Pool
	layout    *layout.Service
	ingest    *kpi.Ingester
	kpis      *kpi.KPIs
	segments  *segments.Service
	findings  *findings.Service
	reports   *reports.Reports
	webhooks  *reports.Webhooks
	tokens    *tokens.Service
	workforce *workforce.Service
	alerts    *alerts.Service   // nil: the alert routes answer 404
	checkout  *checkout.Service // nil: the checkout routes answer 404
	metrics   *metrics
	limits    *limiter      // nil: no rate limits
	reads     chan struct{} // the read gate's slots; nil: no gate
	echo      *echo.Echo
	solves    chan struct{} // a slot per solve running, MaxSolves in all
	stopping  chan struct{} // closed when Serve begins to shut down: streams end
	stopOnce  sync.Once

	// replica chooses replica or primary for replica reads (replica.go);
	// nil: the primary. primaryReads and replicaReads are the services
	// those reads answer with on each pool; without a replica both are the
	// primary's.
	replica                    *db.Reader
	primaryReads, replicaReads readSet
}

// New builds a server on svc. reg receives the Prometheus metrics; nil
// means a fresh registry of the server's own.
func New(svc app.Services, log *slog.Logger, opt Options, reg *prometheus.Registry) *Server {
	opt.defaults()
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	pool := svc.Pool
	s := &Server{
		opt:       opt,
		log:       log,
		pool:      pool,
		layout:    svc.Layout,
		ingest:    svc.Ingest,
		tokens:    svc.Tokens,
		kpis:      svc.KPIs,
		segments:  svc.Segments,
		findings:  svc.Findings,
		workforce: svc.Workforce,
		reports:   svc.Reports,
		webhooks:  svc.Webhooks,
		alerts:    svc.Alerts,
		checkout:  svc.Checkout,
		solves:    make(chan struct{}, opt.MaxSolves),
		stopping:  make(chan struct{}),
	}
	s.metrics = newMetrics(reg, pool)
	s.replica, s.primaryReads = svc.Reads, readSetOf(svc)
	s.replicaReads = s.primaryReads
	if svc.Replica != nil {
		s.replicaReads = readSetOf(*svc.Replica)
	}
	s.metrics.readFallbacks = s.replicaMetrics(reg)
	if opt.RateLimits != nil {
		s.limits = newLimiter(opt.RateLimits, time.Now)
	}
	if opt.ReadConcurrency > 0 {
		s.reads = make(chan struct{}, opt.ReadConcurrency)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.observe, secureHeaders, s.bodyDeadline, rejectBadText)
	s.register(e)
	s.echo = e
	return s
}

// Handler returns the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Serve answers on ln until ctx ends, then stops taking connections and lets
// in-flight requests finish (up to ShutdownTimeout).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Shutdown waits for in-flight requests; alert streams never finish by
	// themselves, so they are told to end.
	srv.RegisterOnShutdown(func() { s.stopOnce.Do(func() { close(s.stopping) }) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing in-flight requests", "timeout", s.opt.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.opt.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-errc; err == nil && !errors.Is(e, http.ErrServerClosed) {
		err = e
	}
	return err
}
