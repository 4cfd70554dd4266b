package kpi_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
)

// world is a database with the ingest, rollup and KPI services on it.
type world struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	lay  *layout.Service
	ing  *kpi.Ingester
	roll *kpi.Rollups
	kpis *kpi.KPIs
}

func newWorld(t *testing.T) *world {
	pool := dbtest.New(t)
	lay := layout.New(pool)
	return &world{t: t, ctx: context.Background(), pool: pool, lay: lay,
		ing: kpi.NewIngester(pool, lay.Directory()), roll: kpi.NewRollups(pool), kpis: kpi.NewKPIs(pool)}
}

func (w *world) store(code, tz string, model ss.OperatingModel, zones ...ss.Zone) {
	w.t.Helper()
	st := ss.Store{Code: code, Name: code, Region: "r-" + tz, Timezone: tz, OperatingModel: model, Currency: "GBP",
		OpeningHours: ss.OpeningHours{"mon": {{"00:00", "24:00"}}},
		Profile:      ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}}
	if _, err := w.lay.PutStore(w.ctx, &st); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.lay.PutZones(w.ctx, code, zones, time.Time{}); err != nil {
		w.t.Fatal(err)
	}
}

func zone(code, category string, value float64, x float64) ss.Zone {
	return ss.Zone{Code: code, Name: code, Kind: ss.KindAisle, Category: category, UnitValue: value, Polygon: ss.Rect(x, 0, x+1, 1)}
}

// event stores one event and returns its id.
func (w *world) event(store, zone string, at time.Time, estValue float64) string {
	w.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	score := 0.9
	in := ss.EventInput{ID: id, Store: store, Zone: zone, OccurredAt: at.UTC().Format(time.RFC3339), Score: &score}
	if estValue > 0 {
		in.EstValue = &estValue
	}
	if _, err := w.ing.Events(w.ctx, nil, []ss.EventInput{in}); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// outcome stores an outcome of the event at eventAt, decided at `at`; a
// positive respond sets responded_at to eventAt+respond.
func (w *world) outcome(id string, kind ss.OutcomeKind, eventAt, at time.Time, respond time.Duration, value float64) {
	w.t.Helper()
	in := ss.OutcomeInput{Event: id, Outcome: kind, At: at.UTC().Format(time.RFC3339)}
	if respond > 0 {
		in.RespondedAt = eventAt.Add(respond).UTC().Format(time.RFC3339)
	}
	if value > 0 {
		in.ValueRecovered = &value
	}
	if _, err := w.ing.Outcomes(w.ctx, nil, []ss.OutcomeInput{in}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) footfall(store, zone string, hour time.Time, visitors int64) {
	w.t.Helper()
	in := ss.FootfallInput{Store: store, Zone: zone, Hour: hour.UTC().Format(time.RFC3339), Visitors: &visitors}
	if _, err := w.ing.Footfall(w.ctx, nil, []ss.FootfallInput{in}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) refresh() {
	w.t.Helper()
	if _, err := w.roll.Refresh(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) get(q kpi.Query) []kpi.Row {
	w.t.Helper()
	rows, err := w.kpis.Get(w.ctx, q)
	if err != nil {
		w.t.Fatal(err)
	}
	return rows
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func near(got *float64, want float64, tol float64) bool {
	return got != nil && math.Abs(*got-want) <= tol
}

func show(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
