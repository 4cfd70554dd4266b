package segments

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

func segNear(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// handCfg makes the hand computation below short: every rate is a round
// share and a year of data means the annual figures are the figures.
var handCfg = Config{
	Costs:          ModelCosts{SOC: 10_000, Checkout: 20_000, Detection: 5_000},
	OperatorHourly: 10, HandlingSeconds: 360, FloorMinutes: 6, FloorHourly: 20, ResponderShare: 0.3,
	TillHourly: 23, TillShare: 0.25, BlockMinutes: 3,
	FalseInterventionCost: 10, BlockCost: 2, InsightReduction: 0.1,
	FalseReach: map[ss.OperatingModel]float64{ss.ModelSOC: 0.5, ss.ModelCheckout: 1},
}

// handEstate: three always-open stores (8,760 hours a year), a year of data
// each, 1,000 alerts each.
//
// Rates. Self-pay is seen at checkout store A only: 300 paid of 900
// concealments = 1/3 (A's own, and the estate's for B and C). Checkout
// recovery: A's 360 interventions of 600 unpaid = 0.6. SOC recovery: B's 560
// of 800 = 0.7. Blocks: A's 120 of 600 = 0.2. False share: A 100/1,000 = 0.1
// and B 200/1,000 = 0.2 are their own; C does not review its alerts, so it
// gets the pool of A and B, 300/2,000 = 0.15.
//
// The shared SOC serves the stores with staffing ≥ 0.9: B and C, 2,000 alerts
// a year = 0.2283 an hour; at 0.1 h each the load is 0.0228 erlangs and one
// operator answers 1 − 0.0228·e^(…) > 90% in time. Each pays half the
// operator's 8,760 hours: 4,380 h = 43,800. A cannot run a SOC (staffing
// 0.8); priced as if it joined, the pool has 3,000 alerts and one operator,
// A's share 8,760/3 = 2,920 h = 29,200.
//
// Someone on the floor through every open hour: a SOC's responder 0.3 ×
// 8,760 = 2,628 h × 20 = 52,560 (more than any store's dispatches, at most
// 95 h); checkout's colleague at the tills 0.25 × 8,760 = 2,190 h × 23 =
// 50,370 (more than 120 blocks × 3 min = 6 h).
//
// At risk = concealed × (1 − 1/3): A 600,000, B 400,000, C 19,800.
// Prevented: detection at risk × 0.1; checkout × (0.1 + 0.9·0.6) = 0.64;
// SOC × (0.1 + 0.9·0.7) = 0.73.
func handEstate() []Input {
	base := func(code string, m ss.OperatingModel, staff float64) Input {
		return Input{Store: code, Current: m, Profile: ss.Profile{UrbanDensity: 1, TheftIndex: 1, StaffingCapacity: staff},
			Days: 365, WeeklyOpenHours: 168, Visitors: 100_000, Detections: 1000}
	}
	a := base("A", ss.ModelCheckout, 0.8)
	a.FalsePositives, a.Events, a.Paid, a.Interventions, a.Blocked, a.Lost, a.ConcealedValue, a.EstLoss = 100, 900, 300, 360, 120, 200, 900_000, 200_000
	a.Reviewed = 1000
	b := base("B", ss.ModelSOC, 1.2)
	b.FalsePositives, b.Events, b.Interventions, b.Lost, b.ConcealedValue, b.EstLoss = 200, 800, 560, 200, 600_000, 150_000
	b.Reviewed = 1000
	c := base("C", ss.ModelDetection, 1.0)
	c.FalsePositives, c.Events, c.ConcealedValue, c.EstLoss = 10, 990, 29_700, 29_700
	return []Input{a, b, c}
}

func TestSegmentDecisionHandComputed(t *testing.T) {
	t.Parallel()
	got := Decide(handEstate(), 365, handCfg)
	type ret struct {
		feasible                                       bool
		prevented, opHours, floorHours, cost, friction float64
		fi, blocks, net                                float64
	}
	want := []struct {
		store   string
		rec     ss.OperatingModel
		returns map[ss.OperatingModel]ret
	}{
		// A. checkout: cost 20,000 + 50,370 = 70,370; friction 100 false × 10 + 120 blocks × 2 = 1,240;
		// net 384,000 − 70,370 − 1,240 = 312,390.
		// SOC, not possible: cost 10,000 + 29,200 + 52,560 = 91,760; friction 1,000 × 0.1 × 0.5 = 50 × 10;
		// net 438,000 − 91,760 − 500 = 345,740.
		{"A", ss.ModelCheckout, map[ss.OperatingModel]ret{
			ss.ModelDetection: {true, 60_000, 0, 0, 5_000, 0, 0, 0, 55_000},
			ss.ModelCheckout:  {true, 384_000, 0, 2_190, 70_370, 1_240, 100, 120, 312_390},
			ss.ModelSOC:       {false, 438_000, 2_920, 2_628, 91_760, 500, 50, 0, 345_740},
		}},
		// B. checkout: friction 200 × 10 + (533.3 unpaid × 0.2 = 106.7 blocks) × 2 = 2,213.4;
		// net 256,000 − 70,370 − 2,213.4 = 183,416.6.
		// SOC: cost 10,000 + 43,800 + 52,560 = 106,360; friction 100 × 10;
		// net 292,000 − 106,360 − 1,000 = 184,640: the SOC wins by 1,223.4.
		{"B", ss.ModelSOC, map[ss.OperatingModel]ret{
			ss.ModelDetection: {true, 40_000, 0, 0, 5_000, 0, 0, 0, 35_000},
			ss.ModelCheckout:  {true, 256_000, 0, 2_190, 70_370, 2_213.4, 200, 106.7, 183_416.6},
			ss.ModelSOC:       {true, 292_000, 4_380, 2_628, 106_360, 1_000, 100, 0, 184_640},
		}},
		// C. detection: 1,980 − 5,000 = −3,020. checkout: friction 150 × 10 + (660 × 0.2 = 132) × 2 = 1,764;
		// net 12,672 − 70,370 − 1,764 = −59,462. SOC: cost 106,360; friction 75 × 10;
		// net 14,454 − 106,360 − 750 = −92,656. Everything loses money: no model pays, none is
		// recommended (not detection, which loses least).
		{"C", "", map[ss.OperatingModel]ret{
			ss.ModelDetection: {true, 1_980, 0, 0, 5_000, 0, 0, 0, -3_020},
			ss.ModelCheckout:  {true, 12_672, 0, 2_190, 70_370, 1_764, 150, 132, -59_462},
			ss.ModelSOC:       {true, 14_454, 4_380, 2_628, 106_360, 750, 75, 0, -92_656},
		}},
	}
	for i, w := range want {
		g := got[i]
		if g.Store != w.store || g.Status != StatusOK || g.Recommended != w.rec {
			t.Errorf("%s: store %s status %s recommended %s, want %s", w.store, g.Store, g.Status, g.Recommended, w.rec)
		}
		if g.Mismatch != (w.rec != "" && w.rec != handEstate()[i].Current) || g.NoModelPays != (w.rec == "") {
			t.Errorf("%s: mismatch %v", w.store, g.Mismatch)
		}
		for m, r := range w.returns {
			gr := g.Returns[m]
			ok := gr.Feasible == r.feasible && segNear(gr.PreventedLoss, r.prevented, 0.01) &&
				segNear(gr.OperatorHours, r.opHours, 0.05) && segNear(gr.FloorHours, r.floorHours, 0.05) &&
				segNear(gr.Cost, r.cost, 0.01) && segNear(gr.FrictionCost, r.friction, 0.01) &&
				segNear(gr.FalseInterventions, r.fi, 0.05) && segNear(gr.Blocks, r.blocks, 0.05) && segNear(gr.Net, r.net, 0.01)
			if !ok {
				t.Errorf("%s/%s: got %+v, want %+v", w.store, m, gr, r)
			}
		}
	}
	a := got[0]
	if !strings.Contains(a.Returns[ss.ModelSOC].Reason, "staffing capacity 0.80 is below the 0.90") {
		t.Errorf("A soc reason %q", a.Returns[ss.ModelSOC].Reason)
	}
	// The SOC would net more at A, but A cannot run one: the sentence says so.
	for _, part := range []string{
		"Checkout validation has the best net return of the models the store can run, 312,390 a year",
		"costs 70,370 (20,000 of technology, 50,370 of staff time: 2,190 hours of a colleague at the tills)",
		"a SOC is not possible (staffing capacity 0.80 is below the 0.90 a SOC needs to act on its alerts; it would net 345,740)",
		"Detection-led analytics would net 55,000",
	} {
		if !strings.Contains(a.Rationale, part) {
			t.Errorf("A rationale %q lacks %q", a.Rationale, part)
		}
	}
	b := got[1]
	if want := "A SOC has the best net return of the models the store can run, 184,640 a year: it prevents 292,000 of loss, costs 106,360 (10,000 of technology, 96,360 of staff time: 4,380 SOC operator hours and 2,628 hours of a responder on the floor) and adds 1,000 of customer friction (100 false interventions). Detection-led analytics would net 35,000; checkout validation would net 183,417."; !strings.HasSuffix(b.Rationale, want) {
		t.Errorf("B rationale:\n got %q\nwant suffix %q", b.Rationale, want)
	}
	c := got[2]
	if want := "No model pays here: no model's net return is positive (detection-led analytics -3,020, checkout validation -59,462, a SOC -92,656 a year), so none is recommended. The store runs detection-led analytics today."; !strings.HasSuffix(c.Rationale, want) {
		t.Errorf("C rationale %q", c.Rationale)
	}
	if bs := b.Basis; bs.SOCPoolOperators != 1 || bs.SelfPaySource != SourceEstate || !segNear(bs.SelfPayShare, 1.0/3, 1e-12) ||
		bs.FalseShareSource != SourceStore || bs.InsightSource != SourcePrior || bs.AtRiskPerYear != 400_000 {
		t.Errorf("B basis %+v", *bs)
	}
	if c.Basis.FalseShareSource != SourceEstate || !segNear(c.Basis.FalseShare, 0.15, 1e-12) {
		t.Errorf("C basis %+v", *c.Basis)
	}
}

// Where dispatches or blocks take more staff time than the share of every
// open hour reserved for them, the store pays for that time instead. With
// the responder at 0.005 × 8,760 = 43.8 h and the till colleague at 0.0005
// × 8,760 = 4.38 h: A's SOC sends staff to 950 alerts × 6 min = 95 h (×
// 20 = 1,900, cost 10,000 + 29,200 + 1,900 = 41,100) and its checkout clears
// 120 blocks × 3 min = 6 h (× 23 = 138, cost 20,138); B's SOC 900 × 6 min =
// 90 h (1,800, cost 10,000 + 43,800 + 1,800 = 55,600).
func TestSegmentStaffTimeAboveReservedShare(t *testing.T) {
	t.Parallel()
	cfg := handCfg
	cfg.ResponderShare, cfg.TillShare = 0.005, 0.0005
	got := Decide(handEstate(), 365, cfg)
	for _, c := range []struct {
		store       int
		m           ss.OperatingModel
		floor, cost float64
	}{{0, ss.ModelSOC, 95, 41_100}, {0, ss.ModelCheckout, 6, 20_138}, {1, ss.ModelSOC, 90, 55_600}} {
		r := got[c.store].Returns[c.m]
		if !segNear(r.FloorHours, c.floor, 0.05) || !segNear(r.Cost, c.cost, 0.01) {
			t.Errorf("%s/%s: floor hours %v cost %v, want %v and %v", got[c.store].Store, c.m, r.FloorHours, r.Cost, c.floor, c.cost)
		}
	}
}

// A store with too few days or concealments is marked, not recommended, and
// left out of the estate: the other store is alone and so medium.
func TestSegmentInsufficientData(t *testing.T) {
	t.Parallel()
	in := handEstate()
	in[0].Days, in[0].Events, in[0].Detections = 0, 0, 0 // no data in the window at all
	in[2].Days = 27                                      // one day short of 28
	got := Decide(in, 90, Config{})
	for _, i := range []int{0, 2} {
		g := got[i]
		if g.Status != StatusInsufficient || g.Recommended != "" || g.Returns != nil || g.Tier != "" || g.RiskIndex != nil || g.Mismatch {
			t.Errorf("%s: %+v, want marked with no recommendation", g.Store, g)
		}
	}
	if r := got[0].Rationale; r != "Too little data to recommend a model: figures on 0 days of the window (needs 28) and 0 concealments (needs 20)." {
		t.Errorf("A rationale %q", r)
	}
	if got[2].Data != (Data{Days: 27, NeededDays: 28, Events: 990, NeededEvts: 20}) {
		t.Errorf("C data %+v", got[2].Data)
	}
	if b := got[1]; b.Status != StatusOK || b.Tier != TierMedium || *b.Percentile != 0.5 || b.Recommended == "" {
		t.Errorf("B %+v", b)
	}
	// A window shorter than MinDataDays asks only for the whole window.
	short := handEstate()[1:2]
	short[0].Days = 14
	if g := Decide(short, 14, Config{})[0]; g.Status != StatusOK || g.Data.NeededDays != 14 {
		t.Errorf("14-day window: %+v", g)
	}
	short[0].Events = 19
	if g := Decide(short, 14, Config{})[0]; g.Status != StatusInsufficient {
		t.Errorf("19 concealments: %+v", g)
	}
	b, err := json.Marshal(got[0])
	if err != nil || strings.Contains(string(b), "returns") || strings.Contains(string(b), "recommended_model") || !strings.Contains(string(b), `"status":"insufficient_data"`) {
		t.Errorf("JSON %s (%v)", b, err)
	}
}

func TestSegmentConfigDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	d := Config{}.withDefaults()
	if d.Weights != (Weights{Rate: 0.35, LossPerVisitor: 0.25, Theft: 0.15, Urban: 0.10, Footfall: 0.10, Staffing: -0.05}) ||
		d.HighQuantile != 0.75 || d.LowQuantile != 0.40 || d.StaffingShort != 0.9 ||
		d.Costs != (ModelCosts{SOC: 12_000, Checkout: 25_000, Detection: 6_000}) ||
		d.OperatorHourly != 20 || d.HandlingSeconds != 90 || d.FloorMinutes != 4 || d.FloorHourly != 18 ||
		d.ResponderShare != 0.8 || d.TillHourly != 14 || d.TillShare != 0.8 || d.BlockMinutes != 2 ||
		d.AnswerSeconds != 30 || d.ServiceLevel != 0.9 || d.FalseInterventionCost != 25 || d.BlockCost != 3 ||
		d.InsightReduction != 0.05 || d.DefaultSelfPay != 0.35 || d.DefaultFalseShare != 0.1 || d.DefaultBlockShare != 0.15 ||
		d.MinOwn != 20 || d.MinDataDays != 28 || d.MinEvents != 20 ||
		d.FalseReach[ss.ModelSOC] != 0.2 || d.FalseReach[ss.ModelCheckout] != 1 ||
		d.DefaultRecovery[ss.ModelSOC] != 0.55 || d.DefaultRecovery[ss.ModelCheckout] != 0.45 {
		t.Errorf("defaults %+v", d)
	}
	mine := map[ss.OperatingModel]float64{ss.ModelSOC: 0.9}
	c := Config{DefaultRecovery: mine}.withDefaults()
	if len(mine) != 1 || c.DefaultRecovery[ss.ModelSOC] != 0.9 || c.DefaultRecovery[ss.ModelCheckout] != 0.45 {
		t.Errorf("default recovery %v (caller's map %v)", c.DefaultRecovery, mine)
	}
	if DefaultConfig().ResponderShare != 0.8 {
		t.Errorf("DefaultConfig %+v", DefaultConfig())
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	for field, cfg := range map[string]Config{
		"segments.service_level":           {ServiceLevel: 1.5},
		"segments.low_quantile":            {HighQuantile: 0.5, LowQuantile: 0.6},
		"segments.costs.checkout":          {Costs: ModelCosts{Checkout: -1}},
		"segments.false_reach.soc":         {FalseReach: map[ss.OperatingModel]float64{ss.ModelSOC: 2}},
		"segments.insight_reduction":       {InsightReduction: math.NaN()},
		"segments.default_recovery.soc":    {DefaultRecovery: map[ss.OperatingModel]float64{ss.ModelSOC: -0.1}},
		"segments.min_data_days":           {MinDataDays: -3},
		"segments.responder_share":         {ResponderShare: 1.5},
		"segments.till_share":              {TillShare: -0.2},
		"segments.block_minutes":           {BlockMinutes: 1000},
		"segments.false_intervention_cost": {FalseInterventionCost: math.Inf(1)},
	} {
		err := cfg.Validate()
		var e *ss.Error
		if !asError(err, &e) || e.Code != ss.EINVALID || e.Field != field {
			t.Errorf("%s: got %v", field, err)
		}
	}
}

func asError(err error, target **ss.Error) bool {
	e, ok := err.(*ss.Error)
	*target = e
	return ok
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
