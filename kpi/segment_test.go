package kpi

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

const segTol = 1e-9

func segNear(a, b float64) bool { return math.Abs(a-b) <= segTol*math.Max(1, math.Abs(b)) }

// segEstate is a 4-store estate, every figure over 100 days and 10,000
// visitors (so footfall is 100 a day everywhere).
//
// Raw factors and their z-scores, by hand (population sd):
//
//	rate_per_1k  A 9   B 3   C 3   D 1    mean 4,   deviations  5,−1,−1,−3   sd √(36/4)=3   z  5/3, −1/3, −1/3, −1
//	loss/visitor A 0.6 B 0.6 C 0.2 D 0.2  mean 0.4, deviations ±0.2          sd 0.2         z  1, 1, −1, −1
//	theft        A 1.3 B 1.1 C 1.1 D 0.5  mean 1.0, deviations .3,.1,.1,−.5  sd √(.36/4)=.3 z  1, 1/3, 1/3, −5/3
//	urban        A 1.2 B 0.8 C 1.2 D 0.8  mean 1.0, deviations ±0.2          sd 0.2         z  1, −1, 1, −1
//	footfall     100 everywhere                                              sd 0           z  0
//	staffing     A 0.7 B 0.9 C 0.9 D 1.5  mean 1.0, deviations −.3,−.1,−.1,.5 sd .3         z  −1, −1/3, −1/3, 5/3
//
// Risk index = .35·rate + .25·loss + .15·theft + .10·urban + .10·footfall − .05·staffing:
//
//	A  .35·5/3 + .25 + .15 + .10 + .05             = 7/12 + .55   = 17/15 ≈  1.1333
//	B −.35/3 + .25 + .15/3 − .10 + .05/3            = −.05 + .15   =  0.10
//	C −.35/3 − .25 + .15/3 + .10 + .05/3            = −.05 − .15   = −0.20
//	D −.35 − .25 − .15·5/3 − .10 − .05·5/3          = −.95 − 1/12  = −31/30 ≈ −1.0333
//
// Mid-rank percentiles (k − ½)/4 by ascending rank k: D .125, C .375, B .625,
// A .875 → A high (≥ .75), B medium, C and D low (< .40).
//
// Recovery: soc is run by A (30 recovered, 10 lost: 40 resolved ≥ 20, so A
// uses its own 0.75) and C (4, 6: 10 resolved, so C uses the pool); pooled soc
// = 34/50 = 0.68. checkout is run by B only (10, 5): pooled 10/15 = 2/3, and B
// has 15 < 20 resolved so it uses the pool. D runs detection and has 21
// recovered of 25, which must not matter: detection recovers 0.
//
// Annual concealed value = concealed · 365/100: A 146,000, B 109,500,
// C 36,500, D 18,250.
func segEstate() []SegmentInput {
	base := func(store string, m ss.OperatingModel, urban, theft, staff, events, loss, concealed, rec, lost float64) SegmentInput {
		return SegmentInput{
			Store: store, Current: m,
			Profile: ss.Profile{UrbanDensity: urban, TheftIndex: theft, StaffingCapacity: staff},
			Days:    100, Visitors: 10_000, Events: events, EstLoss: loss, ConcealedValue: concealed,
			Recovered: rec, Lost: lost,
		}
	}
	return []SegmentInput{
		base("A", ss.ModelSOC, 1.2, 1.3, 0.7, 90, 6000, 40_000, 30, 10),
		base("B", ss.ModelCheckout, 0.8, 1.1, 0.9, 30, 6000, 30_000, 10, 5),
		base("C", ss.ModelSOC, 1.2, 1.1, 0.9, 30, 2000, 10_000, 4, 6),
		base("D", ss.ModelDetection, 0.8, 0.5, 1.5, 10, 2000, 5_000, 21, 4),
	}
}

func TestSegmentHandComputedEstate(t *testing.T) {
	t.Parallel()
	got := SegmentStores(segEstate(), SegmentConfig{})
	if len(got) != 4 {
		t.Fatalf("got %d segments, want 4", len(got))
	}
	type ret struct{ rate, prevented, cost, net float64 }
	want := []struct {
		store       string
		index, pct  float64
		tier        string
		recommended ss.OperatingModel
		mismatch    bool
		z           map[string]float64
		returns     map[ss.OperatingModel]ret
		rationale   string // "" = checked elsewhere
	}{
		{"A", 17.0 / 15, 0.875, TierHigh, ss.ModelCheckout, true,
			map[string]float64{FactorRate: 5.0 / 3, FactorLoss: 1, FactorTheft: 1, FactorUrban: 1, FactorFootfall: 0, FactorStaffing: -1},
			map[ss.OperatingModel]ret{
				ss.ModelSOC:       {0.75, 109_500, 60_000, 49_500},
				ss.ModelCheckout:  {2.0 / 3, 97_333.333333333333, 25_000, 72_333.333333333333},
				ss.ModelDetection: {0, 0, 6_000, -6_000},
			},
			// Top |w·z|: rate .35·5/3 ≈ .583, loss .25. Medians: rate (3+3)/2, loss (.2+.6)/2.
			"High risk (index 1.13, 88th percentile of 4 stores): 9.0 concealments per 1,000 visitors and 0.60 of loss per visitor against estate medians of 3.0 and 0.40; staffing capacity 0.70 is short (below 0.90), so checkout validation rather than a SOC (the store runs a SOC today)."},
		{"B", 0.10, 0.625, TierMedium, ss.ModelCheckout, false,
			map[string]float64{FactorRate: -1.0 / 3, FactorLoss: 1, FactorTheft: 1.0 / 3, FactorUrban: -1, FactorFootfall: 0, FactorStaffing: -1.0 / 3},
			map[ss.OperatingModel]ret{
				ss.ModelSOC:       {0.68, 74_460, 60_000, 14_460},
				ss.ModelCheckout:  {2.0 / 3, 73_000, 25_000, 48_000},
				ss.ModelDetection: {0, 0, 6_000, -6_000},
			},
			// Top |w·z|: loss .25, rate .35/3 ≈ .117 (urban .10 next). Medium: checkout's 48,000 beats soc's 14,460.
			"Medium risk (index 0.10, 63rd percentile of 4 stores): 0.60 of loss per visitor and 3.0 concealments per 1,000 visitors against estate medians of 0.40 and 3.0; checkout validation gives the best net return of 48,000 per year."},
		{"C", -0.20, 0.375, TierLow, ss.ModelDetection, true,
			map[string]float64{FactorRate: -1.0 / 3, FactorLoss: -1, FactorTheft: 1.0 / 3, FactorUrban: 1, FactorFootfall: 0, FactorStaffing: -1.0 / 3},
			map[ss.OperatingModel]ret{
				ss.ModelSOC:       {0.68, 24_820, 60_000, -35_180},
				ss.ModelCheckout:  {2.0 / 3, 24_333.333333333333, 25_000, -666.666666666667},
				ss.ModelDetection: {0, 0, 6_000, -6_000},
			},
			"Low risk (index -0.20, 38th percentile of 4 stores): 0.20 of loss per visitor and 3.0 concealments per 1,000 visitors against estate medians of 0.40 and 3.0; low risk does not pay for intervention, so detection-led analytics (the store runs a SOC today)."},
		{"D", -31.0 / 30, 0.125, TierLow, ss.ModelDetection, false,
			map[string]float64{FactorRate: -1, FactorLoss: -1, FactorTheft: -5.0 / 3, FactorUrban: -1, FactorFootfall: 0, FactorStaffing: 5.0 / 3},
			map[ss.OperatingModel]ret{
				ss.ModelSOC:       {0.68, 12_410, 60_000, -47_590},
				ss.ModelCheckout:  {2.0 / 3, 12_166.666666666667, 25_000, -12_833.333333333333},
				ss.ModelDetection: {0, 0, 6_000, -6_000},
			},
			// theft and loss tie at |w·z| = .25 up to rounding; only the start is pinned.
			""},
	}
	for i, w := range want {
		g := got[i]
		if g.Store != w.store {
			t.Fatalf("segment %d is store %q, want %q (order must follow the input)", i, g.Store, w.store)
		}
		if !segNear(g.RiskIndex, w.index) || !segNear(g.Percentile, w.pct) || g.Tier != w.tier {
			t.Errorf("%s: index %v pct %v tier %s, want %v %v %s", w.store, g.RiskIndex, g.Percentile, g.Tier, w.index, w.pct, w.tier)
		}
		if g.Recommended != w.recommended || g.Mismatch != w.mismatch || g.Current != segEstate()[i].Current {
			t.Errorf("%s: current %s recommended %s mismatch %v, want recommended %s mismatch %v",
				w.store, g.Current, g.Recommended, g.Mismatch, w.recommended, w.mismatch)
		}
		if len(g.Factors) != len(w.z) {
			t.Errorf("%s: %d factors, want %d", w.store, len(g.Factors), len(w.z))
		}
		for k, z := range w.z {
			if !segNear(g.Factors[k], z) {
				t.Errorf("%s: z[%s] = %v, want %v", w.store, k, g.Factors[k], z)
			}
		}
		if len(g.Returns) != 3 {
			t.Errorf("%s: %d returns, want 3", w.store, len(g.Returns))
		}
		for m, r := range w.returns {
			gr := g.Returns[m]
			if !segNear(gr.RecoveryRate, r.rate) || !segNear(gr.PreventedLoss, r.prevented) || !segNear(gr.Cost, r.cost) || !segNear(gr.Net, r.net) {
				t.Errorf("%s/%s: return %+v, want %+v", w.store, m, gr, r)
			}
		}
		if w.rationale != "" && g.Rationale != w.rationale {
			t.Errorf("%s rationale:\n got %q\nwant %q", w.store, g.Rationale, w.rationale)
		}
	}
	if d := got[3].Rationale; !strings.HasPrefix(d, "Low risk (index -1.03, 13th percentile of 4 stores): ") ||
		!strings.Contains(d, "1.0 concealments per 1,000 visitors") || !strings.Contains(d, "detection-led analytics.") {
		t.Errorf("D rationale %q", d)
	}
}

// Two stores: the busier one (rate 5 vs 1 per 1,000) has z +1 on rate and
// is the estate's top half: percentile 3/4 ≥ .75 → high; the other 1/4 → low.
// Staffing z is ±1 (or 0 when equal), moving the index by only ±.05.
func TestSegmentHighRiskStaffing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		staff   float64
		short   float64 // cfg.StaffingShort, 0 = default 0.9
		want    ss.OperatingModel
		mention string
	}{
		{"ample staff", 1.3, 0, ss.ModelSOC, "staffing capacity 1.3 allows a SOC"},
		{"typical staff", 1.0, 0, ss.ModelSOC, "staffing capacity 1.0 allows a SOC"},
		{"exactly the threshold", 0.9, 0, ss.ModelSOC, "staffing capacity 0.90 allows a SOC"},
		{"just short", 0.89, 0, ss.ModelCheckout, "staffing capacity 0.89 is short (below 0.90), so checkout validation rather than a SOC"},
		{"short by a stricter config", 1.3, 1.5, ss.ModelCheckout, "staffing capacity 1.3 is short (below 1.5)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prof := func(s float64) ss.Profile { return ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: s} }
			in := []SegmentInput{
				{Store: "hot", Current: ss.ModelSOC, Profile: prof(tc.staff), Days: 7, Visitors: 1000, Events: 5},
				{Store: "calm", Current: ss.ModelSOC, Profile: prof(1.0), Days: 7, Visitors: 1000, Events: 1},
			}
			got := SegmentStores(in, SegmentConfig{StaffingShort: tc.short})
			hot, calm := got[0], got[1]
			if hot.Tier != TierHigh || calm.Tier != TierLow {
				t.Fatalf("tiers %s/%s, want high/low", hot.Tier, calm.Tier)
			}
			if hot.Recommended != tc.want || calm.Recommended != ss.ModelDetection {
				t.Errorf("recommended %s/%s, want %s/detection", hot.Recommended, calm.Recommended, tc.want)
			}
			if hot.Mismatch != (tc.want != ss.ModelSOC) || !calm.Mismatch {
				t.Errorf("mismatch %v/%v", hot.Mismatch, calm.Mismatch)
			}
			if !strings.Contains(hot.Rationale, tc.mention) {
				t.Errorf("rationale %q lacks %q", hot.Rationale, tc.mention)
			}
			// Rate z is +1: 5 vs mean 3, sd 2.
			if !segNear(hot.Factors[FactorRate], 1) || !strings.Contains(hot.Rationale, "5.0 concealments per 1,000 visitors") {
				t.Errorf("rate z %v, rationale %q", hot.Factors[FactorRate], hot.Rationale)
			}
		})
	}
}

// A one-store estate is medium (nothing to rank against) with every z 0, so
// the model is the one with the best Net. Days 365 makes the annual value the
// concealed value itself.
func TestSegmentMediumPicksBestNet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		concealed float64
		recovery  map[ss.OperatingModel]float64
		want      ss.OperatingModel
		net       float64
	}{
		// soc .55·400,000 − 60,000 = 160,000; checkout .45·400,000 − 25,000 = 155,000.
		{"soc pays most", 400_000, nil, ss.ModelSOC, 160_000},
		// soc 55,000 − 60,000 = −5,000; checkout 45,000 − 25,000 = 20,000.
		{"checkout pays most", 100_000, nil, ss.ModelCheckout, 20_000},
		// Nothing at risk: −6,000 (detection) beats −25,000 and −60,000.
		{"nothing at risk", 0, nil, ss.ModelDetection, -6_000},
		// soc .75·140,000 − 60,000 = 45,000 = checkout .5·140,000 − 25,000: tie → cheaper checkout.
		{"tie goes to the cheaper", 140_000, map[ss.OperatingModel]float64{ss.ModelSOC: 0.75, ss.ModelCheckout: 0.5}, ss.ModelCheckout, 45_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := []SegmentInput{{Store: "solo", Current: ss.ModelDetection, Profile: ss.Profile{UrbanDensity: 2, TheftIndex: 3, StaffingCapacity: 0.1},
				Days: 365, Visitors: 50_000, Events: 400, EstLoss: 9_000, ConcealedValue: tc.concealed}}
			got := SegmentStores(in, SegmentConfig{DefaultRecovery: tc.recovery})[0]
			if got.Tier != TierMedium || got.RiskIndex != 0 || !segNear(got.Percentile, 0.5) {
				t.Errorf("tier %s index %v pct %v, want medium 0 0.5", got.Tier, got.RiskIndex, got.Percentile)
			}
			for k, z := range got.Factors {
				if z != 0 {
					t.Errorf("z[%s] = %v, want 0 in a one-store estate", k, z)
				}
			}
			if got.Recommended != tc.want || !segNear(got.Returns[tc.want].Net, tc.net) {
				t.Errorf("recommended %s (net %v), want %s (net %v); returns %+v", got.Recommended, got.Returns[tc.want].Net, tc.want, tc.net, got.Returns)
			}
			if got.Mismatch != (tc.want != ss.ModelDetection) {
				t.Errorf("mismatch %v", got.Mismatch)
			}
			if !strings.HasPrefix(got.Rationale, "Medium risk (index 0.00, 50th percentile of 1 store): no factor stands out from the estate; ") ||
				!strings.Contains(got.Rationale, "gives the best net return of "+segMoney(tc.net)+" per year") {
				t.Errorf("rationale %q", got.Rationale)
			}
		})
	}
}

// The recovery rate of a model: the store's own when it runs the model with
// ≥ 20 resolved events; else the pool of the stores running it; else the
// configured default. Detection is always 0.
func TestSegmentRecoveryRates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		own          [2]float64 // recovered, lost of the store under test (runs soc)
		wantSOC      float64
		wantCheckout float64
	}{
		// 20 resolved: own 15/20. checkout: run by "idle" with 0 resolved → no pool → default .45.
		{"20 resolved uses own", [2]float64{15, 5}, 0.75, 0.45},
		// 19 resolved: pool of soc stores (14 + 1)/(19 + 10) = 15/29.
		{"19 resolved uses pool", [2]float64{14, 5}, 15.0 / 29, 0.45},
		// No resolved events of its own: pool is the other soc store alone, 1/10.
		{"none resolved uses pool", [2]float64{0, 0}, 0.1, 0.45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := []SegmentInput{
				{Store: "me", Current: ss.ModelSOC, Days: 365, Visitors: 1000, ConcealedValue: 1000, Recovered: tc.own[0], Lost: tc.own[1]},
				{Store: "peer", Current: ss.ModelSOC, Days: 365, Visitors: 1000, Recovered: 1, Lost: 9},
				{Store: "idle", Current: ss.ModelCheckout, Days: 365, Visitors: 1000},
			}
			// A configured detection default must still give 0.
			got := SegmentStores(in, SegmentConfig{DefaultRecovery: map[ss.OperatingModel]float64{ss.ModelDetection: 0.3}})
			me := got[0].Returns
			if !segNear(me[ss.ModelSOC].RecoveryRate, tc.wantSOC) || !segNear(me[ss.ModelSOC].PreventedLoss, 1000*tc.wantSOC) {
				t.Errorf("soc %+v, want rate %v", me[ss.ModelSOC], tc.wantSOC)
			}
			if !segNear(me[ss.ModelCheckout].RecoveryRate, tc.wantCheckout) || !segNear(got[2].Returns[ss.ModelCheckout].RecoveryRate, tc.wantCheckout) {
				t.Errorf("checkout %+v / %+v, want rate %v", me[ss.ModelCheckout], got[2].Returns[ss.ModelCheckout], tc.wantCheckout)
			}
			if me[ss.ModelDetection].RecoveryRate != 0 || me[ss.ModelDetection].Net != -6_000 {
				t.Errorf("detection %+v, want rate 0 net -6000", me[ss.ModelDetection])
			}
			// peer has 10 resolved (< 20), so it always gets the pool too.
			pool := (tc.own[0] + 1) / (tc.own[0] + tc.own[1] + 10)
			if !segNear(got[1].Returns[ss.ModelSOC].RecoveryRate, pool) {
				t.Errorf("peer soc rate %v, want pool %v", got[1].Returns[ss.ModelSOC].RecoveryRate, pool)
			}
		})
	}
}

func TestSegmentDefaultRecoveryWhenNoStoreRunsModel(t *testing.T) {
	t.Parallel()
	in := []SegmentInput{
		{Store: "x", Current: ss.ModelDetection, Days: 73, Visitors: 1000, ConcealedValue: 2000, Lost: 30},
		{Store: "y", Current: ss.ModelDetection, Days: 73, Visitors: 1000, ConcealedValue: 1000, Lost: 30},
	}
	// Annual value of x: 2000 · 365/73 = 10,000.
	r := SegmentStores(in, SegmentConfig{})[0].Returns
	if !segNear(r[ss.ModelSOC].RecoveryRate, 0.55) || !segNear(r[ss.ModelSOC].PreventedLoss, 5_500) || !segNear(r[ss.ModelSOC].Net, -54_500) {
		t.Errorf("soc %+v, want default .55 → 5,500, net −54,500", r[ss.ModelSOC])
	}
	if !segNear(r[ss.ModelCheckout].RecoveryRate, 0.45) || !segNear(r[ss.ModelCheckout].PreventedLoss, 4_500) {
		t.Errorf("checkout %+v, want default .45 → 4,500", r[ss.ModelCheckout])
	}
	// A configured default replaces only its own key; custom costs apply.
	r = SegmentStores(in, SegmentConfig{DefaultRecovery: map[ss.OperatingModel]float64{ss.ModelCheckout: 0.2}, Costs: ModelCosts{Checkout: 1_000}})[0].Returns
	if !segNear(r[ss.ModelCheckout].RecoveryRate, 0.2) || !segNear(r[ss.ModelCheckout].Net, 1_000) || !segNear(r[ss.ModelSOC].RecoveryRate, 0.55) || r[ss.ModelSOC].Cost != 60_000 {
		t.Errorf("returns %+v", r)
	}
}

// X and Y have rates 1 and 3 per 1,000 (z −1, +1: mean 2, sd 1) and loss per
// visitor 0.1 and 0.3 (z −1, +1); Z counted no visitors, so it is left out of
// those means and gets z 0. Footfall is 100 a day for X and Y (sd 0). Index:
// X −.35 − .25 = −.6, Y +.6, Z 0; percentiles 1/6 (low), 5/6 (high), 1/2 (medium).
func TestSegmentNoVisitors(t *testing.T) {
	t.Parallel()
	prof := ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: 1}
	in := []SegmentInput{
		{Store: "X", Current: ss.ModelDetection, Profile: prof, Days: 10, Visitors: 1000, Events: 1, EstLoss: 100},
		{Store: "Y", Current: ss.ModelSOC, Profile: prof, Days: 10, Visitors: 1000, Events: 3, EstLoss: 300},
		{Store: "Z", Current: ss.ModelDetection, Profile: prof, Days: 10, Visitors: 0, Events: 500, EstLoss: 50_000},
	}
	got := SegmentStores(in, SegmentConfig{})
	for i, w := range []struct {
		index, rateZ float64
		tier         string
	}{{-0.6, -1, TierLow}, {0.6, 1, TierHigh}, {0, 0, TierMedium}} {
		g := got[i]
		if !segNear(g.RiskIndex, w.index) || !segNear(g.Factors[FactorRate], w.rateZ) || !segNear(g.Factors[FactorLoss], w.rateZ) || g.Factors[FactorFootfall] != 0 || g.Tier != w.tier {
			t.Errorf("%s: index %v z %v tier %s, want %v %v %s", g.Store, g.RiskIndex, g.Factors, g.Tier, w.index, w.rateZ, w.tier)
		}
	}
	z := got[2].Rationale
	if !strings.Contains(z, "no visitors were counted") || strings.Contains(z, "NaN") || strings.Contains(z, "Inf") {
		t.Errorf("Z rationale %q", z)
	}
	// Medians are over the stores with visitors: rate (1+3)/2, loss (.1+.3)/2.
	wantY := "High risk (index 0.60, 83rd percentile of 3 stores): 3.0 concealments per 1,000 visitors and 0.30 of loss per visitor against estate medians of 2.0 and 0.20; staffing capacity 1.0 allows a SOC."
	if got[1].Rationale != wantY {
		t.Errorf("Y rationale:\n got %q\nwant %q", got[1].Rationale, wantY)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("segments do not marshal: %v", err)
	}
}

func TestSegmentPercentilesTies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		xs, want []float64
	}{
		{[]float64{7}, []float64{0.5}},
		{[]float64{3, 1, 2, 4}, []float64{0.625, 0.125, 0.375, 0.875}},
		// The two 2s: 1 below, 2 equal → (1 + 1)/4.
		{[]float64{2, 1, 2, 3}, []float64{0.5, 0.125, 0.5, 0.875}},
		{[]float64{5, 5, 5}, []float64{0.5, 0.5, 0.5}},
		// Equal up to rounding counts as a tie.
		{[]float64{0.1 + 0.2, 0.3}, []float64{0.5, 0.5}},
	} {
		got := segPercentiles(tc.xs)
		for i := range tc.want {
			if !segNear(got[i], tc.want[i]) {
				t.Errorf("segPercentiles(%v) = %v, want %v", tc.xs, got, tc.want)
				break
			}
		}
	}
}

// Identical stores tie on every factor: all z 0, all percentiles ½, all medium.
func TestSegmentIdenticalStoresAreMedium(t *testing.T) {
	t.Parallel()
	s := SegmentInput{Current: ss.ModelCheckout, Profile: ss.Profile{UrbanDensity: 0.1, TheftIndex: 0.3, StaffingCapacity: 0.7}, Days: 30, Visitors: 3000, Events: 9, EstLoss: 0.3}
	in := []SegmentInput{s, s, s}
	for _, g := range SegmentStores(in, SegmentConfig{}) {
		if g.Tier != TierMedium || g.RiskIndex != 0 {
			t.Errorf("tier %s index %v, want medium 0", g.Tier, g.RiskIndex)
		}
	}
}

func TestSegmentEmptyAndConfigDefaults(t *testing.T) {
	t.Parallel()
	if got := SegmentStores(nil, SegmentConfig{}); got == nil || len(got) != 0 {
		t.Errorf("empty estate: %v", got)
	}
	d := SegmentConfig{}.withDefaults()
	if d.Weights != (SegmentWeights{Rate: 0.35, LossPerVisitor: 0.25, Theft: 0.15, Urban: 0.10, Footfall: 0.10, Staffing: -0.05}) ||
		d.HighQuantile != 0.75 || d.LowQuantile != 0.40 || d.StaffingShort != 0.9 ||
		d.Costs != (ModelCosts{SOC: 60_000, Checkout: 25_000, Detection: 6_000}) ||
		d.DefaultRecovery[ss.ModelSOC] != 0.55 || d.DefaultRecovery[ss.ModelCheckout] != 0.45 || d.DefaultRecovery[ss.ModelDetection] != 0 {
		t.Errorf("defaults %+v", d)
	}
	mine := map[ss.OperatingModel]float64{ss.ModelSOC: 0.9}
	c := SegmentConfig{Weights: SegmentWeights{Rate: 1}, DefaultRecovery: mine}.withDefaults()
	if c.Weights != (SegmentWeights{Rate: 1}) {
		t.Errorf("weights set by the caller must be kept as given, got %+v", c.Weights)
	}
	if len(mine) != 1 || c.DefaultRecovery[ss.ModelSOC] != 0.9 || c.DefaultRecovery[ss.ModelCheckout] != 0.45 {
		t.Errorf("default recovery %v (caller's map %v)", c.DefaultRecovery, mine)
	}
}

func TestSegmentJSON(t *testing.T) {
	t.Parallel()
	got := SegmentStores(segEstate()[:1], SegmentConfig{})
	b, err := json.Marshal(got[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"store":"A"`, `"risk_index":0`, `"tier":"medium"`, `"current_model":"soc"`, `"recommended_model":`,
		`"mismatch":`, `"rationale":`, `"factors":{`, `"rate_per_1k":0`, `"returns":{`, `"soc":{"recovery_rate":0.75`, `"prevented_loss":`, `"cost":60000`, `"net":`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON %s lacks %s", b, key)
		}
	}
}

func TestSegmentNumberFormatting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		x    float64
		want string
	}{{3.14159, "3.1"}, {0.4123, "0.41"}, {1, "1.0"}, {0.0123, "0.012"}, {12.34, "12.3"}, {1240.4, "1,240"}, {0, "0"}, {math.NaN(), "n/a"}} {
		if got := segNum(tc.x); got != tc.want {
			t.Errorf("segNum(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
	for _, tc := range []struct {
		x    float64
		want string
	}{{-6000, "-6,000"}, {1234567.6, "1,234,568"}, {999, "999"}, {-0.4, "0"}} {
		if got := segMoney(tc.x); got != tc.want {
			t.Errorf("segMoney(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
	for k, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 63: "63rd", 100: "100th"} {
		if got := segOrdinal(k); got != want {
			t.Errorf("segOrdinal(%d) = %q, want %q", k, got, want)
		}
	}
	if got := segIndex(-0.001); got != "0.00" {
		t.Errorf("segIndex(-0.001) = %q", got)
	}
}
