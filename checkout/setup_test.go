package checkout_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/checkout"
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

// world is a database with store C1 (checkout model, GBP, zones A1
// cosmetics 12.50, A2 spirits 30, tills K2 and K3 (lanes 2 and 3), an
// untilled checkout K9 and entrances E1 and E2), store C2 (checkout, lane 2) and
// store D1 (detection, lane 2), and the services on it with a fixed clock
// at t0.
type world struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	svc   app.Services
	co    *checkout.Service
	clock *clock
	t0    time.Time
}

func setup(t *testing.T) *world {
	t.Helper()
	w := setupOn(t, dbtest.New(t))
	w.store("C1", ss.ModelCheckout)
	w.store("C2", ss.ModelCheckout)
	w.store("D1", ss.ModelDetection)
	return w
}

// setupOn is the services on pool with a fixed clock, and no stores.
func setupOn(t *testing.T, pool *pgxpool.Pool) *world {
	t.Helper()
	t0 := time.Now().UTC().Truncate(time.Second)
	clk := &clock{t: t0}
	svc := app.New(pool).WithCheckout(checkout.Config{Now: clk.Now, Poll: 300 * time.Millisecond})
	t.Cleanup(svc.Checkout.Close)
	return &world{t: t, ctx: context.Background(), pool: pool, svc: svc, co: svc.Checkout, clock: clk, t0: t0}
}

func (w *world) store(code string, model ss.OperatingModel) {
	w.t.Helper()
	st := ss.Store{Code: code, Name: code, Region: "north", Timezone: "Europe/London", OperatingModel: model, Currency: "GBP",
		OpeningHours: ss.OpeningHours{"mon": {{"00:00", "24:00"}}},
		Profile:      ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}}
	if _, err := w.svc.Layout.PutStore(w.ctx, &st); err != nil {
		w.t.Fatal(err)
	}
	zones := []ss.Zone{
		{Code: "A1", Name: "A1", Kind: ss.KindAisle, Category: "cosmetics", UnitValue: 12.5, Polygon: ss.Rect(0, 0, 4, 2)},
		{Code: "A2", Name: "A2", Kind: ss.KindAisle, Category: "spirits", UnitValue: 30, Polygon: ss.Rect(0, 3, 4, 5)},
		{Code: "K2", Name: "Till 2", Kind: ss.KindCheckout, Category: "till", Polygon: ss.Rect(5, 0, 6, 1), Lane: "2"},
		{Code: "K3", Name: "Till 3", Kind: ss.KindCheckout, Category: "till", Polygon: ss.Rect(7, 0, 8, 1), Lane: "3"},
		{Code: "K9", Name: "Self-service", Kind: ss.KindCheckout, Category: "till", Polygon: ss.Rect(9, 0, 10, 1)},
		{Code: "E1", Name: "Door", Kind: ss.KindEntrance, Category: "entrance", Polygon: ss.Rect(5, 5, 7, 6)},
		{Code: "E2", Name: "Side door", Kind: ss.KindEntrance, Category: "entrance", Polygon: ss.Rect(8, 5, 9, 6)},
	}
	if _, err := w.svc.Layout.PutZones(w.ctx, code, zones, w.t0.Add(-24*time.Hour)); err != nil {
		w.t.Fatal(err)
	}
}

// conceal ingests one event of track in store's zone at at, worth value
// (negative: the zone's unit value), and returns its id.
func (w *world) conceal(store, zone, track string, at time.Time, value float64) string {
	w.t.Helper()
	score := 0.9
	in := ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: store, Zone: zone, Camera: "C1", Track: track,
		OccurredAt: at.Format(time.RFC3339Nano), Score: &score, Method: ss.MethodPocket}
	if value >= 0 {
		in.EstValue = &value
	}
	if _, err := w.svc.Ingest.Events(w.ctx, &ss.Principal{Role: ss.RoleIngest}, []ss.EventInput{in}); err != nil {
		w.t.Fatal(err)
	}
	return in.ID
}

// presence posts a batch of presences as an ingest token for every store.
func (w *world) presence(in ...checkout.PresenceInput) {
	w.t.Helper()
	if _, err := w.co.Presence(w.ctx, &ss.Principal{Role: ss.RoleIngest}, in); err != nil {
		w.t.Fatal(err)
	}
}

func at(store, lane, track string, t time.Time) checkout.PresenceInput {
	return checkout.PresenceInput{Store: store, Lane: lane, Track: track, At: t.Format(time.RFC3339Nano)}
}

func left(store, lane, track string, t, l time.Time) checkout.PresenceInput {
	p := at(store, lane, track, t)
	p.LeftAt = l.Format(time.RFC3339Nano)
	return p
}

func exit(store, zone, track string, t time.Time) checkout.PresenceInput {
	return checkout.PresenceInput{Store: store, Zone: zone, Track: track, At: t.Format(time.RFC3339Nano)}
}

// lane waits up to 2 s for store's lane to answer as ok says (the state
// follows a change within a second), and returns the last answer.
func (w *world) lane(co *checkout.Service, store, lane string, ok func(checkout.LaneStatus) bool) checkout.LaneStatus {
	w.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		st, err := co.Lane(w.ctx, store, lane)
		if err != nil {
			w.t.Fatalf("lane %s/%s: %v", store, lane, err)
		}
		if ok(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (w *world) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.pool.QueryRow(w.ctx, query, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}
