package alerts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// clock is a fixed clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// world is a database with stores S1 (soc, Europe/London, zone Z1
// cosmetics 12.50), S2 (soc, Asia/Kolkata, zone Z1 razors 25) and D1
// (detection, zone Z1), and the services on it with a fixed clock at t0.
type world struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	svc   app.Services
	al    *alerts.Service
	clock *clock
	t0    time.Time
}

func setup(t *testing.T) *world {
	t.Helper()
	pool := dbtest.New(t)
	return setupOn(t, pool, true)
}

// setupOn builds the services on pool; stores creates the stores.
func setupOn(t *testing.T, pool *pgxpool.Pool, stores bool) *world {
	t.Helper()
	return setupWith(t, pool, stores, alerts.Config{Poll: 200 * time.Millisecond})
}

// setupWith is setupOn with the alerts configured by cfg (its clock the world's).
func setupWith(t *testing.T, pool *pgxpool.Pool, stores bool, cfg alerts.Config) *world {
	t.Helper()
	t0 := time.Now().UTC().Truncate(time.Second)
	clk := &clock{t: t0}
	cfg.Now = clk.Now
	svc := app.New(pool).WithAlerts(cfg)
	w := &world{t: t, ctx: context.Background(), pool: pool, svc: svc, al: svc.Alerts, clock: clk, t0: t0}
	if stores {
		w.store("S1", "Europe/London", ss.ModelSOC, "cosmetics", 12.5)
		w.store("S2", "Asia/Kolkata", ss.ModelSOC, "razors", 25)
		w.store("D1", "Europe/London", ss.ModelDetection, "spirits", 30)
	}
	return w
}

func (w *world) store(code, tz string, model ss.OperatingModel, category string, value float64) {
	w.t.Helper()
	st := ss.Store{Code: code, Name: code, Region: "north", Timezone: tz, OperatingModel: model, Currency: "GBP",
		OpeningHours: ss.OpeningHours{"mon": {{"00:00", "24:00"}}},
		Profile:      ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}}
	if _, err := w.svc.Layout.PutStore(w.ctx, &st); err != nil {
		w.t.Fatal(err)
	}
	z := ss.Zone{Code: "Z1", Name: "Z1", Kind: ss.KindAisle, Category: category, UnitValue: value, Polygon: ss.Rect(0, 0, 1, 1)}
	if _, err := w.svc.Layout.PutZones(w.ctx, code, []ss.Zone{z}, time.Time{}); err != nil {
		w.t.Fatal(err)
	}
}

// event ingests one event of store at (an ingest token's batch) and returns its id.
func (w *world) event(store string, at time.Time) string {
	w.t.Helper()
	return w.events(ss.EventInput{Store: store, OccurredAt: at.Format(time.RFC3339Nano)})[0]
}

func (w *world) events(in ...ss.EventInput) []string {
	w.t.Helper()
	score := 0.9
	ids := make([]string, len(in))
	for i := range in {
		if in[i].ID == "" {
			in[i].ID = uuid.Must(uuid.NewV7()).String()
		}
		in[i].Zone, in[i].Score, in[i].Method = "Z1", &score, ss.MethodPocket
		ids[i] = in[i].ID
	}
	if _, err := w.svc.Ingest.Events(w.ctx, &ss.Principal{Role: ss.RoleIngest}, in); err != nil {
		w.t.Fatal(err)
	}
	return ids
}

// alertOf returns the alert of event id.
func (w *world) alertOf(event string) alerts.Alert {
	w.t.Helper()
	var id int64
	if err := w.pool.QueryRow(w.ctx, `SELECT id FROM alerts WHERE event_id = $1`, event).Scan(&id); err != nil {
		w.t.Fatalf("alert of event %s: %v", event, err)
	}
	a, err := w.al.Get(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func operator(id int64, name string, stores ...string) *ss.Principal {
	return &ss.Principal{TokenID: id, Name: name, Role: ss.RoleSOC, Stores: stores}
}

func (w *world) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.pool.QueryRow(w.ctx, query, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}
