package segments_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/segments"
)

// Returns are in the store's currency: its own segment costs first, then
// its currency's configured ones, then the base (reporting-currency) ones
// converted at the latest rate; the risk index compares loss per visitor
// in the reporting currency; a store without a rate is not decided.
func TestSegmentsPerCurrency(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	lay := layout.New(pool)
	kpis := kpi.NewKPIs(pool)
	w := &world{t: t, ctx: context.Background(), lay: lay, ing: kpi.NewIngester(pool, lay.Directory()),
		roll: kpi.NewRollups(pool), seg: segments.New(pool, kpis, lay)}
	put := func(code string, cur ss.Currency, value float64, own map[string]float64) {
		st := ss.Store{Code: code, Name: code, Region: "r", Timezone: "UTC", OperatingModel: ss.ModelDetection, Currency: cur,
			OpeningHours: ss.OpeningHours{"mon": {{"00:00", "24:00"}}}, SegmentCosts: own,
			Profile: ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}}
		if _, err := lay.PutStore(w.ctx, &st); err != nil {
			t.Fatal(err)
		}
		if _, err := lay.PutZones(w.ctx, code, []ss.Zone{zone("Z1", "food", value, 0)}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	put("S1", "GBP", 10, nil)
	put("S2", "JPY", 2000, map[string]float64{"detection": 900000})
	put("S3", "USD", 10, nil)
	start := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC) // Mondays
	for d := 0; d < 5; d++ {
		at := start.AddDate(0, 0, 7*d)
		for _, code := range []string{"S1", "S2", "S3"} {
			w.footfall(code, "", at.Truncate(time.Hour), 500)
			w.event(code, "Z1", at, 0) // the zone's unit value: 10 GBP, 2000 JPY, 10 USD
		}
	}
	w.refresh()
	// A rate before the window's end counts; one after it does not.
	if _, err := kpis.PutRates(w.ctx, []kpi.Rate{{Day: "2025-08-01", Currency: "JPY", Rate: 0.005}, {Day: "2025-09-15", Currency: "USD", Rate: 0.8}}); err != nil {
		t.Fatal(err)
	}
	cfg := segments.Config{MinEvents: 5, CurrencyCosts: map[ss.Currency]map[string]float64{"JPY": {"soc": 1_800_000}}}
	segs, err := w.seg.Segments(w.ctx, day("2025-06-01"), day("2025-08-29"), nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]segments.Segment{}
	for _, s := range segs {
		by[s.Store] = s
	}
	s1, s2, s3 := by["S1"], by["S2"], by["S3"]
	if s1.Status != segments.StatusOK || s2.Status != segments.StatusOK || s1.Currency != "GBP" || s2.Currency != "JPY" {
		t.Fatalf("S1 %s %s, S2 %s %s: %s", s1.Status, s1.Currency, s2.Status, s2.Currency, s2.Rationale)
	}
	tech := func(s segments.Segment, m ss.OperatingModel) float64 { return s.Returns[m].TechnologyCost }
	// S2: its own detection cost, JPY's configured SOC cost, and checkout's 25,000 GBP over 0.005.
	if tech(s2, ss.ModelDetection) != 900_000 || tech(s2, ss.ModelSOC) != 1_800_000 || tech(s2, ss.ModelCheckout) != 5_000_000 {
		t.Errorf("S2 technology costs detection %v soc %v checkout %v", tech(s2, ss.ModelDetection), tech(s2, ss.ModelSOC), tech(s2, ss.ModelCheckout))
	}
	if tech(s1, ss.ModelCheckout) != 25_000 || tech(s1, ss.ModelDetection) != 6_000 {
		t.Errorf("S1 technology costs checkout %v detection %v", tech(s1, ss.ModelCheckout), tech(s1, ss.ModelDetection))
	}
	// 5 × 2000 JPY × 0.005 = 50 GBP, as S1's 5 × 10 GBP: the same loss per visitor.
	if a, b := s1.Factors[segments.FactorLoss], s2.Factors[segments.FactorLoss]; a != b {
		t.Errorf("loss per visitor z-scores %v (GBP) and %v (JPY at 0.005), want equal", a, b)
	}
	if s3.Status != segments.StatusInsufficient || !strings.Contains(s3.Rationale, "no exchange rate to GBP for USD") || s3.Returns != nil {
		t.Errorf("S3 without a rate by 29 August: %s %q", s3.Status, s3.Rationale)
	}
}
