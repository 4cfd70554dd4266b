package segments

import (
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

// The risk index and percentile of a five-store estate, by hand, under the
// default weights (rate 0.35, loss per visitor 0.25, theft 0.15, urban 0.10,
// footfall 0.10, staffing −0.05). Every store has 28 days of figures; A–D
// count 100,000 visitors (3,571.4 a day, the same everywhere, so footfall
// carries no information: z = 0), E counts none.
//
//	store  events  est_loss  rate/1k  loss/visitor  theft  urban  staffing
//	A      100     100,000   1        1             1      1      2
//	B      200     100,000   2        1             2      1      1
//	C      300     300,000   3        3             1      1      1
//	D      400     300,000   4        3             2      1      2
//	E      100     —         —        —             1.5    1      1.5
//
// z = (x − mean) / population sd, over the stores where x is defined:
//   - rate over A–D: mean 2.5, sd √1.25 = √5/2, z = ∓3/√5, ∓1/√5 (±1.341641, ±0.447214); E 0.
//   - loss per visitor over A–D: mean 2, sd 1, z = −1, −1, 1, 1; E 0.
//   - theft over all five: mean 1.5, sd √0.2, z = ±0.5/√0.2 = ±√5/2 (±1.118034): A −, B +, C −, D +, E 0.
//   - staffing likewise: A +, B −, C −, D +, E 0. Urban does not vary: 0.
//
// index = 0.35 z_rate + 0.25 z_loss + 0.15 z_theft − 0.05 z_staffing:
//   - A = −0.35·3/√5 − 0.25 − 0.15·√5/2 − 0.05·√5/2 = −0.469574 − 0.25 − 0.223607 = −0.943181
//   - B = −0.35/√5 − 0.25 + 0.15·√5/2 + 0.05·√5/2 = −0.156525 − 0.25 + 0.223607 = −0.182918
//   - C = 0.35/√5 + 0.25 − 0.15·√5/2 + 0.05·√5/2 = 0.156525 + 0.25 − 0.111803 = 0.294721
//   - D = 0.35·3/√5 + 0.25 + 0.15·√5/2 − 0.05·√5/2 = 0.469574 + 0.25 + 0.111803 = 0.831378
//   - E = 0
//
// Order A < B < E < C < D; mid-rank percentiles (rank − ½)/5 = 0.1, 0.3,
// 0.5, 0.7, 0.9; tiers (high ≥ 0.75, low < 0.40): A, B low, E, C medium, D
// high.
func TestSegmentRiskIndexHandComputed(t *testing.T) {
	t.Parallel()
	store := func(code string, events, loss, theft, staff float64) Input {
		return Input{Store: code, Current: ss.ModelDetection, Days: 28, WeeklyOpenHours: 98,
			Profile:  ss.Profile{UrbanDensity: 1, TheftIndex: theft, StaffingCapacity: staff},
			Visitors: 100_000, Detections: events, Events: events, ConcealedValue: loss, EstLoss: loss}
	}
	e := store("E", 100, 50_000, 1.5, 1.5)
	e.Visitors = 0
	in := []Input{
		store("A", 100, 100_000, 1, 2), store("B", 200, 100_000, 2, 1),
		store("C", 300, 300_000, 1, 1), store("D", 400, 300_000, 2, 2), e,
	}
	want := []struct {
		index, pct float64
		tier       string
		z          map[string]float64
	}{
		{-0.943181, 0.1, TierLow, map[string]float64{FactorRate: -1.341641, FactorLoss: -1, FactorTheft: -1.118034, FactorStaffing: 1.118034}},
		{-0.182918, 0.3, TierLow, map[string]float64{FactorRate: -0.447214, FactorLoss: -1, FactorTheft: 1.118034, FactorStaffing: -1.118034}},
		{0.294721, 0.7, TierMedium, map[string]float64{FactorRate: 0.447214, FactorLoss: 1, FactorTheft: -1.118034, FactorStaffing: -1.118034}},
		{0.831378, 0.9, TierHigh, map[string]float64{FactorRate: 1.341641, FactorLoss: 1, FactorTheft: 1.118034, FactorStaffing: 1.118034}},
		{0, 0.5, TierMedium, map[string]float64{}},
	}
	got := Decide(in, 28, Config{})
	for i, w := range want {
		g := got[i]
		if g.Status != StatusOK || !segNear(*g.RiskIndex, w.index, 1e-6) || !segNear(*g.Percentile, w.pct, 1e-12) || g.Tier != w.tier {
			t.Errorf("%s: index %v percentile %v tier %s, want %v %v %s", g.Store, *g.RiskIndex, *g.Percentile, g.Tier, w.index, w.pct, w.tier)
		}
		for _, f := range []string{FactorRate, FactorLoss, FactorTheft, FactorUrban, FactorFootfall, FactorStaffing} {
			if z, ok := g.Factors[f]; !ok || !segNear(z, w.z[f], 1e-6) {
				t.Errorf("%s: z %s = %v, want %v", g.Store, f, z, w.z[f])
			}
		}
	}
	// D's two largest contributions are rate (0.4696) and loss (0.25).
	if want := "High risk (index 0.83, 90th percentile of 5 stores): 4.0 concealments per 1,000 visitors and 3.0 of loss per visitor against estate medians of 2.5 and 2.0."; !strings.HasPrefix(got[3].Rationale, want) {
		t.Errorf("D rationale %q, want prefix %q", got[3].Rationale, want)
	}
	if !strings.HasPrefix(got[4].Rationale, "Medium risk (index 0.00, 50th percentile of 5 stores): no factor stands out from the estate; no visitors were counted") {
		t.Errorf("E rationale %q", got[4].Rationale)
	}
}

// Equal stores share a percentile (mid-rank). X and Y differ from Z only in
// theft, 1, 1, 4: mean 2, sd √2, z = −1/√2, −1/√2, 2/√2; the index is
// 0.15 z = −0.106066, −0.106066, 0.212132. X and Y: (0 below + ½ · 2 equal)
// / 3 = 1/3, low; Z: (2 below + ½) / 3 = 5/6, high.
func TestSegmentPercentileTies(t *testing.T) {
	t.Parallel()
	store := func(code string, theft float64) Input {
		return Input{Store: code, Current: ss.ModelSOC, Days: 28, WeeklyOpenHours: 98,
			Profile:  ss.Profile{UrbanDensity: 1, TheftIndex: theft, StaffingCapacity: 1},
			Visitors: 50_000, Detections: 120, Events: 100, FalsePositives: 20, ConcealedValue: 3_000, EstLoss: 1_000}
	}
	got := Decide([]Input{store("X", 1), store("Y", 1), store("Z", 4)}, 28, Config{})
	for i, w := range []struct {
		index, pct float64
		tier       string
	}{{-0.106066, 1.0 / 3, TierLow}, {-0.106066, 1.0 / 3, TierLow}, {0.212132, 5.0 / 6, TierHigh}} {
		g := got[i]
		if !segNear(*g.RiskIndex, w.index, 1e-6) || !segNear(*g.Percentile, w.pct, 1e-12) || g.Tier != w.tier {
			t.Errorf("%s: index %v percentile %v tier %s, want %v %v %s", g.Store, *g.RiskIndex, *g.Percentile, g.Tier, w.index, w.pct, w.tier)
		}
	}
}
