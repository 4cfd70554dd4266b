// Package app wires the service graph: each package's service built once on
// the database and handed to those that use it. cmd/shrinkscope serves it;
// the benchmark and screenshot programs and the tests build the same graph.
package app

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/internal/tokens"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
	"github.com/shrinkscope/shrinkscope/web"
	"github.com/shrinkscope/shrinkscope/workforce"
)

// Services builds every service on pool: layout's directory resolves the
// codes kpi's ingest meets, layout and workforce read KPIs through kpi, and
// reports reads all three.
func Services(pool *pgxpool.Pool) web.Services {
	lay := layout.New(pool)
	kpis := kpi.NewKPIs(pool)
	staff := workforce.New(pool, lay, kpis)
	rep := reports.NewReports(pool, kpis, lay)
	rep.SetWorkforce(staff)
	return web.Services{
		Pool:      pool,
		Layout:    lay,
		Ingest:    kpi.NewIngester(pool, lay.Directory()),
		KPIs:      kpis,
		Tokens:    tokens.New(pool),
		Workforce: staff,
		Reports:   rep,
		Webhooks:  reports.NewWebhooks(pool, reports.DeliveryConfig{}),
	}
}
