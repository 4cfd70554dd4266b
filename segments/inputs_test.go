package segments_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/segments"
)

// world is a database with the ingest, rollup and segment services on it.
type world struct {
	t    *testing.T
	ctx  context.Context
	lay  *layout.Service
	ing  *kpi.Ingester
	roll *kpi.Rollups
	seg  *segments.Service
}

func newWorld(t *testing.T) *world {
	pool := dbtest.New(t)
	lay := layout.New(pool)
	return &world{t: t, ctx: context.Background(), lay: lay, ing: kpi.NewIngester(pool, lay.Directory()),
		roll: kpi.NewRollups(pool), seg: segments.New(pool, kpi.NewKPIs(pool), lay)}
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

func (w *world) event(store, zone string, at time.Time, estValue float64) {
	w.t.Helper()
	score := 0.9
	in := ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: store, Zone: zone, OccurredAt: at.UTC().Format(time.RFC3339), Score: &score}
	if estValue > 0 {
		in.EstValue = &estValue
	}
	if _, err := w.ing.Events(w.ctx, nil, []ss.EventInput{in}); err != nil {
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

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// A three-store estate whose data ends before the window: no store is
// recommended anything; each is marked with what the window held. The window
// that does hold the data counts its span from the first to the last day.
func TestSegmentsReadTheWindow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	models := []ss.OperatingModel{ss.ModelSOC, ss.ModelCheckout, ss.ModelDetection}
	for i, code := range []string{"S1", "S2", "S3"} {
		w.store(code, "UTC", models[i], zone("Z1", "food", 10, 0))
	}
	start := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC) // a Monday: the test stores open Mondays only
	for d := 0; d < 5; d++ {
		at := start.AddDate(0, 0, 7*d)
		w.footfall("S1", "", at.Truncate(time.Hour), 500)
		w.event("S1", "Z1", at, 0)
	}
	w.refresh()
	segs, err := w.seg.Segments(w.ctx, day("2025-09-01"), day("2025-11-29"), nil, segments.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 3 {
		t.Fatalf("%d segments", len(segs))
	}
	for _, s := range segs {
		if s.Status != segments.StatusInsufficient || s.Recommended != "" || s.Returns != nil || s.Data.Days != 0 || s.Data.NeededDays != 28 {
			t.Errorf("%s: %+v", s.Store, s)
		}
	}
	// 2 June to 30 June is 29 days with data at both ends; 5 concealments < 20.
	segs, err = w.seg.Segments(w.ctx, day("2025-06-01"), day("2025-08-29"), []string{"S1"}, segments.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 1 || segs[0].Store != "S1" || segs[0].Data.Days != 29 || segs[0].Data.Events != 5 || segs[0].Status != segments.StatusInsufficient {
		t.Errorf("S1 %+v", segs)
	}
	// With the bar at 5 concealments the store is decided. Read for the
	// whole estate, it shows its returns; limited to S1, the same decision
	// without them (they draw on the other stores).
	segs, err = w.seg.Segments(w.ctx, day("2025-06-01"), day("2025-08-29"), nil, segments.Config{MinEvents: 5})
	if err != nil || segs[0].Store != "S1" || segs[0].Status != segments.StatusOK ||
		(segs[0].Recommended == "") != segs[0].NoModelPays || len(segs[0].Returns) != 3 {
		t.Errorf("S1 with MinEvents 5: %+v (%v)", segs, err)
	}
	one, err := w.seg.Segments(w.ctx, day("2025-06-01"), day("2025-08-29"), []string{"S1"}, segments.Config{MinEvents: 5})
	if err != nil || len(one) != 1 || one[0].Recommended != segs[0].Recommended || one[0].Tier != segs[0].Tier ||
		one[0].Returns != nil || one[0].RiskIndex != nil || !one[0].EstateWithheld {
		t.Errorf("S1 limited to its scope: %+v (%v)", one, err)
	}
	for _, c := range []struct {
		from, to, field string
	}{{"2025-06-10", "2025-06-01", "to"}, {"2025-06-01", "2025-06-03", "days"}, {"2020-01-01", "2025-06-03", "days"}} {
		_, err := w.seg.Segments(w.ctx, day(c.from), day(c.to), nil, segments.Config{})
		if e, ok := err.(*ss.Error); !ok || e.Field != c.field {
			t.Errorf("%s..%s: %v, want field %s", c.from, c.to, err, c.field)
		}
	}
}
