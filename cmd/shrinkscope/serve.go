package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/checkout"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/web"
)

var serveFlags = append([]string{"addr", "metrics-addr", "max-body-bytes", "max-batch", "max-solves", "shutdown-timeout", "migrate",
	"rollup-interval", "segment-weights", "segment-costs", "webhook-allow", "staffing-hourly-cost", "listen-database-url"}, append(append(append(append(append(jobFlags, dbFlags...), segmentFlags...), guardFlags...), alertFlags...), checkoutFlags...)...)

func init() { serveFlags = append(serveFlags, replicaFlags...) }

func cmdServe(ctx context.Context, e *env, args []string) error {
	c, err := parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), e, args, serveFlags...)
	if err != nil {
		return err
	}
	return serve(ctx, e, c, nil)
}

// serve opens the database, migrates when asked, and serves until ctx ends.
// ready, when set, receives the listening address.
func serve(ctx context.Context, e *env, c *Config, ready func(addr string)) error {
	log := newLogger(c, e.stderr)
	d, err := openDB(ctx, c, log)
	if err != nil {
		return err
	}
	defer d.Close()
	if c.Migrate {
		if err := migrateUp(ctx, d.Pool, log, c); err != nil {
			return err
		}
	}
	var acfg alerts.Config
	if err := listenConfig(ctx, c, d, log, &acfg); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set --addr or SHRINKSCOPE_ADDR): %w", c.Addr, err)
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", d.Source)
	if ready != nil {
		ready(ln.Addr().String())
	}
	return serveOn(ctx, d.Pool, log, c, ln, acfg)
}

// serveOn serves the API on ln, keeps the KPI rollups current, runs the jobs and sends
// webhook deliveries until ctx ends.
// acfg holds where the alert stream listens (listenConfig).
func serveOn(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, c *Config, ln net.Listener, acfg alerts.Config) error {
	reg := prometheus.NewRegistry()
	rollups := kpi.NewRollups(pool)
	rollups.SetLogger(log)
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "shrinkscope_rollup_buckets_refreshed_total", Help: "KPI rollup buckets (store x local hour) recomputed by the refresher.",
		}, func() float64 { return float64(rollups.Stats().Buckets) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "shrinkscope_rollup_refresh_failures_total", Help: "Failed refreshes of one store's rollup buckets (the store waits and retries; others go on).",
		}, func() float64 { return float64(rollups.Stats().Failures) }),
	)
	svc := newServices(pool, c)
	configure := func(svc *app.Services) {
		svc.KPIs.SetMinReviews(c.MinReviews)
		svc.Workforce.SOC = c.SOC()
	}
	configure(&svc)
	svc, releaseReplica, err := withReplica(ctx, svc, c, log, configure)
	if err != nil {
		return err
	}
	defer releaseReplica()
	ipool, releaseIngest, err := ingestPool(ctx, pool, c.DBIngestConns)
	if err != nil {
		return err
	}
	defer releaseIngest()
	svc = svc.WithIngestPool(ipool)
	svc.Tokens.SetCacheTTL(c.TokenCacheTTL)
	svc.Webhooks = reports.NewWebhooks(pool, reports.DeliveryConfig{Allow: c.WebhookAllow, Log: log})
	acfg.OutboxKeep, acfg.EvidenceRetention, acfg.Log = c.AlertOutboxKeep, c.EvidenceRetention, log
	svc = svc.WithAlerts(acfg)
	// The lane state LISTENs where the alert stream does, or polls where it polls.
	svc = svc.WithCheckout(checkout.Config{Listen: acfg.Listen, NoListen: acfg.NoListen, Log: log})
	defer svc.Checkout.Close()
	jobs, err := newScheduler(svc, c, log, rollups)
	if err != nil {
		return err
	}
	opt := web.Options{
		MaxBodyBytes: c.MaxBodyBytes, MaxBatch: c.MaxBatch, MaxSolves: c.MaxSolves, ShutdownTimeout: c.ShutdownTimeout, Segments: c.Segments, Jobs: jobs,
	}
	webGuards(c, &opt)
	opt.AlertHeartbeat, opt.EvidenceMaxBytes = c.AlertHeartbeat, c.EvidenceMaxBytes
	opt.TokenHint = c.tokenHint
	srv := web.New(svc, log, opt, reg)
	if c.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(c.MetricsAddr, srv.MetricsHandler(), log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 5)
	go func() {
		defer func() { done <- struct{}{} }()
		svc.Alerts.Run(rctx, c.AlertEscalateEvery)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		svc.Checkout.Run(rctx, c.CheckoutVisitsEvery)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		rollups.Run(rctx, c.RollupInterval, log)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		jobs.Run(rctx)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		svc.Webhooks.Run(rctx)
	}()
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		svc.Reads.Run(rctx)
	}()
	defer func() { <-probed }()
	err = srv.Serve(ctx, ln)
	// In-flight requests are done; stop refreshing and the jobs only then.
	stop()
	for range cap(done) {
		<-done
	}
	return err
}

// serveMetrics answers GET /metrics on addr, without a token, until stop is
// called: a listener for the monitoring network alone, so Prometheus needs
// no admin token and the main address shows metrics to admins only.
func serveMetrics(addr string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (set --metrics-addr or SHRINKSCOPE_METRICS_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("serving metrics", "addr", ln.Addr().String())
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}
