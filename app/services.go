// Package app is the service graph: each package's service built once on the
// database and handed to those that use it, and the loading of a synthetic
// estate into it. It is the top of the library: it imports the domain
// packages, and only web, programs under cmd/ and tests import it.
package app

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
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

// Services are the services the HTTP face and the jobs answer with.
type Services struct {
	Pool      *pgxpool.Pool // health checks and pool metrics
	Layout    *layout.Service
	Ingest    *kpi.Ingester
	KPIs      *kpi.KPIs
	Segments  *segments.Service
	Findings  *findings.Service
	Tokens    *tokens.Service
	Workforce *workforce.Service
	Reports   *reports.Reports
	Webhooks  *reports.Webhooks // nil: the webhook endpoints answer 404
	Alerts    *alerts.Service   // live alerts of soc stores; nil: the alert endpoints answer 404
	Checkout  *checkout.Service // the aisle-to-checkout hand-off; nil: the checkout endpoints answer 404
	// Reads chooses, read by read, whether the replica (Replica's pool) or
	// the primary answers dashboard, KPI, hotspot, segment, staffing,
	// findings and report reads; nil: the primary answers them all.
	Reads *db.Reader
	// Replica is the services built on a streaming replica's pool, used
	// for those reads only (it refuses writes); nil: no replica.
	Replica *Services
}

// New builds every service on pool: layout's directory resolves the codes
// kpi's ingest meets; layout, segments and workforce read KPIs through kpi;
// reports reads all of them.
func New(pool *pgxpool.Pool) Services {
	lay := layout.New(pool)
	kpis := kpi.NewKPIs(pool)
	staff := workforce.New(pool, lay, kpis)
	rep := reports.NewReports(pool, kpis, lay)
	rep.SetWorkforce(staff)
	ingest := kpi.NewIngester(pool, lay.Directory())
	hooks := reports.NewWebhooks(pool, reports.DeliveryConfig{})
	// Events of soc stores open alerts in the ingest transaction; closes
	// come back as outcomes through the same ingester.
	al := alerts.New(pool, ingest, alerts.Config{Notifier: hooks})
	// Events of checkout stores that carry a floor track are that track's
	// open concealments, recorded in the same transaction; the point of
	// sale's outcomes come back through the same ingester.
	co := checkout.New(pool, ingest, checkout.Config{})
	ingest.SetEventHook(al, co)
	seg := segments.New(pool, kpis, lay)
	seg.SetSOC(socWorkloads{staff})
	fnd := findings.NewService(pool, kpis, lay)
	rep.SetFindings(fnd)
	return Services{
		Pool:      pool,
		Layout:    lay,
		Ingest:    ingest,
		KPIs:      kpis,
		Segments:  seg,
		Findings:  fnd,
		Tokens:    tokens.New(pool),
		Workforce: staff,
		Reports:   rep,
		Webhooks:  hooks,
		Alerts:    al,
		Checkout:  co,
	}
}

// hooks are the event hooks of the services there are, in order.
func (s Services) hooks() []kpi.EventHook {
	var out []kpi.EventHook
	if s.Alerts != nil {
		out = append(out, s.Alerts)
	}
	if s.Checkout != nil {
		out = append(out, s.Checkout)
	}
	return out
}

// WithCheckout replaces the checkout service with one configured by cfg
// (its clock, poll and staleness); the one it replaces is closed.
func (s Services) WithCheckout(cfg checkout.Config) Services {
	if s.Checkout != nil {
		s.Checkout.Close()
	}
	s.Checkout = checkout.New(s.Pool, s.Ingest, cfg)
	s.Ingest.SetEventHook(s.hooks()...)
	return s
}

// WithAlerts replaces the alert service with one configured by cfg (its
// clock, stream and escalation settings); a nil Notifier takes the
// services' webhooks.
func (s Services) WithAlerts(cfg alerts.Config) Services {
	if cfg.Notifier == nil && s.Webhooks != nil {
		cfg.Notifier = s.Webhooks
	}
	s.Alerts = alerts.New(s.Pool, s.Ingest, cfg)
	s.Ingest.SetEventHook(s.hooks()...)
	return s
}

// WithIngestPool has ingest, the store directory it resolves codes with,
// and token lookups use pool, a pool of their own, so that however many
// reads hold the main pool's connections, a batch from a store and the
// check of its token find one at once.
func (s Services) WithIngestPool(pool *pgxpool.Pool) Services {
	s.Layout.Directory().SetPool(pool)
	s.Ingest = kpi.NewIngester(pool, s.Layout.Directory())
	s.Ingest.SetEventHook(s.hooks()...)
	s.Tokens = tokens.New(pool)
	return s
}

// socWorkloads hands segments each store's SOC workload as workforce
// defines it, so the segments' SOC return, the store's staffing plan and
// /soc-staffing count the same operator hours.
type socWorkloads struct{ w *workforce.Service }

func (a socWorkloads) SOCWorkload(ctx context.Context, st *ss.Store, week time.Time) (segments.SOCWorkload, error) {
	l, err := a.w.SOCLoad(ctx, st, week)
	if err != nil {
		return segments.SOCWorkload{}, err
	}
	return segments.SOCWorkload{Week: l.Week, OperatorHours: float64(l.OperatorHours), OperatorHourly: l.Params.OperatorHourly}, nil
}
