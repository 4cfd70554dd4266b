package segments

import (
	ss "github.com/shrinkscope/shrinkscope"
)

// Store segmentation (DESIGN.md, "What it is for": stores are grouped by risk
// profile and each group gets the operating model that pays).
//
// Decide is pure: it takes what the KPI rollups measured over one
// window for every store of the estate and returns, per store, its risk
// tier (a description), the yearly economics of each operating model —
// prevented loss, technology, staff time (SOC operators and the
// person on the floor who acts), customer friction — and the
// feasible model with the best net return, with a sentence that names the
// numbers that decided it. No database, clock or I/O.
//
// The files: config.go (settings and defaults), risk.go (risk index and
// tier), rates.go (rates measured or pooled across the estate), returns.go
// (each model's yearly economics and the choice), rationale.go and words.go
// (the sentence), inputs.go (reading the figures through kpi and layout),
// history.go (the daily record).

// Segment statuses.
const (
	StatusOK           = "ok"                // enough data: tiered and recommended
	StatusInsufficient = "insufficient_data" // too little data in the window: no recommendation
)

// Input is one store's measured figures over a window and its profile.
type Input struct {
	Store   string
	Current ss.OperatingModel // the model the store runs today
	Profile ss.Profile        // UrbanDensity, TheftIndex, StaffingCapacity (≈1 typical)
	// Days is the span the figures cover: from the store's first to its last
	// local day with figures inside the window (0 when it has none).
	Days int
	// WeeklyOpenHours is how many hours a week the store is open; 0 is
	// read as always open (168).
	WeeklyOpenHours float64

	Visitors   float64 // entrance visitors
	Detections float64 // every alert, false positives included
	// Events are the concealments: detections whose outcome is not false,
	// less the open ones' expected false share (kpi.StoreTotals).
	Events         float64
	FalsePositives float64 // reviewed alerts that were not concealment
	// Reviewed is the alerts reviewed (recovered, lost, confirmed or
	// false), of which FalsePositives were false: the store's false share,
	// whatever its model, since reviews are a random sample.
	Reviewed float64
	// EstLoss is the expected loss (the KPI est_loss): lost and confirmed
	// value, and open value less its expected false share. Every model's
	// store is measured on this one basis.
	EstLoss float64
	// ConcealedValue is Σ est_value of every concealment (what was at
	// risk), the open events' expected false share taken out.
	ConcealedValue float64
	Paid           float64 // concealments paid for at the till without a prompt
	Interventions  float64 // nudged_paid + blocked_recovered + intervened_recovered
	Blocked        float64 // blocked_recovered
	Lost           float64 // walked_out

	// Currency is the store's; EstLoss, ConcealedValue and Money are in it.
	Currency ss.Currency
	// ToReporting converts the store's money to the reporting currency
	// (the rate; 0 reads as 1), for the risk index's loss per visitor.
	ToReporting float64
	// Money is the store's money settings by ss.SegmentCostKeys; nil: the
	// Config's (money.go).
	Money map[string]float64
	// NoRate, when set, is why the store cannot be decided: no exchange
	// rate to compare its loss with the estate's.
	NoRate string

	// SOC is the store's SOC operator workload for a week as the workforce
	// package defines it (forecast alerts of the open hours, the store's
	// handling time, answer time, service level and operator rate), the
	// same figure its staffing plan and /soc-staffing report. The SOC model
	// is priced on it: OperatorHours × 365/7 a year at OperatorHourly.
	// Without it (Decide on bare figures) the SOC is priced as one centre
	// shared by every store that can run one (segSOCPool) at the Config's
	// SOC fields.
	SOC *SOCWorkload
}

// SOCWorkload is one store's SOC operator workload for one local week.
type SOCWorkload struct {
	Week           string  // local Monday
	OperatorHours  float64 // Σ over the week's open hours of Erlang C operators
	OperatorHourly float64 // cost of an operator hour, in the store's currency
}

// Segment is one store's risk segment and operating-model decision.
type Segment struct {
	Store  string `json:"store"`
	Status string `json:"status"` // StatusOK | StatusInsufficient
	// Data says how much the window held for the store.
	Data Data `json:"data"`
	// RiskIndex is Σ weight · z over the factors; Percentile its mid-rank
	// percentile among the stores with enough data; Tier "high" | "medium"
	// | "low". A description: the recommendation comes from Returns. All
	// three, and Factors, are absent for a store without enough data.
	RiskIndex  *float64           `json:"risk_index,omitempty"`
	Percentile *float64           `json:"percentile,omitempty"`
	Tier       string             `json:"tier,omitempty"`
	Factors    map[string]float64 `json:"factors,omitempty"` // z-score per Factor*
	Current    ss.OperatingModel  `json:"current_model"`
	// Currency is the currency of the store's returns and basis amounts.
	Currency ss.Currency `json:"currency,omitempty"`
	// Recommended is the feasible model with the best Net; empty without
	// enough data, and where no model's Net is positive (NoModelPays).
	Recommended ss.OperatingModel `json:"recommended_model,omitempty"`
	// NoModelPays is true for a store with enough data where no feasible
	// model nets more than it costs: none is recommended, not the least
	// negative.
	NoModelPays bool   `json:"no_model_pays"`
	Mismatch    bool   `json:"mismatch"` // Recommended is set and differs from Current
	Rationale   string `json:"rationale"`
	// Basis holds the estimates every model's return is built from.
	Basis *Basis `json:"basis,omitempty"`
	// Returns is the estimated yearly return of each of the three models.
	Returns map[ss.OperatingModel]ModelReturn `json:"returns,omitempty"`
	// EstateWithheld is true for a token limited to some stores: the
	// figures drawn from other stores (RiskIndex, Percentile, Factors,
	// Basis, Returns) are left out (limited.go says why).
	EstateWithheld bool `json:"estate_figures_withheld,omitempty"`
}

// Data is how much data the window held for one store.
type Data struct {
	Days       int     `json:"days"`        // span covered by figures
	NeededDays int     `json:"needed_days"` // MinDataDays, or the window if shorter
	Events     float64 `json:"events"`      // concealments
	NeededEvts float64 `json:"needed_events"`
}

// Basis is what every model's yearly return at one store is built
// from, each rate with where it came from ("store", "estate" or "default").
type Basis struct {
	AlertsPerYear    float64 `json:"alerts_per_year"`    // detections × 365 / days
	ConcealedPerYear float64 `json:"concealed_per_year"` // concealed value × 365 / days
	SelfPayShare     float64 `json:"self_pay_share"`     // share paid at the till unprompted
	SelfPaySource    string  `json:"self_pay_source"`    //
	AtRiskPerYear    float64 `json:"at_risk_per_year"`   // ConcealedPerYear × (1 − SelfPayShare)
	FalseShare       float64 `json:"false_share"`        // share of alerts that are not concealment
	FalseShareSource string  `json:"false_share_source"` //
	InsightReduction float64 `json:"insight_reduction"`  // loss the analytics loop removes
	InsightSource    string  `json:"insight_source"`     // "prior" until layout evaluations measure it
	// The SOC's operator workload: with a forecast workload (Input.SOC),
	// its week, the week's operator hours and the operator rate; without
	// one, the load and operators of the shared SOC it is priced in.
	SOCWeek              string   `json:"soc_week,omitempty"`
	SOCOperatorHoursWeek *float64 `json:"soc_operator_hours_week,omitempty"`
	SOCOperatorHourly    *float64 `json:"soc_operator_hourly,omitempty"`
	SOCPoolAlertsPerHr   float64  `json:"soc_pool_alerts_per_hour,omitempty"` // the shared SOC's load (Erlang C input)
	SOCPoolOperators     int      `json:"soc_pool_operators,omitempty"`       // operators Erlang C gives the shared SOC
}

// ModelReturn is the estimated yearly return of one operating model at one
// store. Money is rounded to the cent.
type ModelReturn struct {
	// Feasible is false when the store cannot run the model; Reason says why.
	Feasible bool   `json:"feasible"`
	Reason   string `json:"reason,omitempty"`
	// RecoveryRate is the share of unpaid concealments the model's
	// interventions recover (0 for detection), and RecoverySource where it
	// came from ("store", "estate", "default").
	RecoveryRate   float64 `json:"recovery_rate"`
	RecoverySource string  `json:"recovery_source,omitempty"`
	// PreventedLoss = at-risk value × (insight + (1 − insight) · RecoveryRate).
	PreventedLoss  float64 `json:"prevented_loss"`
	TechnologyCost float64 `json:"technology_cost"`
	OperatorHours  float64 `json:"operator_hours"` // SOC operator hours a year: the week's workload × 365/7 (Erlang C)
	// FloorHours is the store's own staff hours a year the model needs: a
	// SOC's responder on the floor, checkout's colleague at the validation
	// tills (a share of every open hour, or the dispatches' or blocks' own
	// time where that is more); 0 for detection.
	FloorHours   float64 `json:"floor_hours"`
	StaffingCost float64 `json:"staffing_cost"` // operator and floor hours, priced
	Cost         float64 `json:"cost"`          // TechnologyCost + StaffingCost
	// FalseInterventions is interventions a year on shoppers who had not
	// concealed; Blocks is checkout blocks a year.
	FalseInterventions float64 `json:"false_interventions"`
	Blocks             float64 `json:"blocks"`
	FrictionCost       float64 `json:"friction_cost"` // false interventions and blocks, priced
	Net                float64 `json:"net"`           // PreventedLoss − Cost − FrictionCost
}

// segModels is the fixed order of the models, cheapest technology first by
// default; it breaks exact ties.
var segModels = [3]ss.OperatingModel{ss.ModelDetection, ss.ModelCheckout, ss.ModelSOC}

// Decide decides every store of the estate in (one window's figures
// per store, the window windowDays long) and returns one Segment per input,
// in the same order.
//
// A store whose figures span fewer than min(MinDataDays, windowDays) days or
// hold fewer than MinEvents concealments is marked StatusInsufficient and
// gets no tier, returns or recommendation; it is left out of every estate
// statistic. Every other store is tiered (segRisk), priced under each model
// (segReturns) and recommended the feasible model with the best Net — or
// none, with NoModelPays, where that Net is not positive.
func Decide(in []Input, windowDays int, cfg Config) []Segment {
	cfg = cfg.withDefaults()
	out := make([]Segment, len(in))
	needDays := min(cfg.MinDataDays, max(windowDays, 1))
	var ok []int
	for i := range in {
		s := &in[i]
		out[i] = Segment{Store: s.Store, Current: s.Current, Status: StatusOK, Currency: s.Currency,
			Data: Data{Days: s.Days, NeededDays: needDays, Events: s.Events, NeededEvts: cfg.MinEvents}}
		if s.NoRate != "" {
			out[i].Status, out[i].Rationale = StatusInsufficient, s.NoRate
			continue
		}
		if s.Days < needDays || !(s.Events >= cfg.MinEvents) {
			out[i].Status = StatusInsufficient
			out[i].Rationale = segInsufficientRationale(&out[i].Data)
			continue
		}
		ok = append(ok, i)
	}
	if len(ok) == 0 {
		return out
	}
	sub := make([]Input, len(ok))
	for k, i := range ok {
		sub[k] = in[i]
	}
	risks := segRisk(sub, cfg)
	rates := segPool(sub, cfg)
	pool := segSOCPool(sub, cfg)
	for k, i := range ok {
		seg := &out[i]
		r := risks[k]
		seg.RiskIndex, seg.Percentile, seg.Tier, seg.Factors = &r.index, &r.percentile, r.tier, r.factors
		seg.Basis, seg.Returns = segReturns(&sub[k], rates, pool, cfg.withMoney(sub[k].Money))
		seg.Recommended = segBest(seg.Returns)
		if seg.Returns[seg.Recommended].Net <= 0 {
			seg.Recommended, seg.NoModelPays = "", true
		}
		seg.Mismatch = seg.Recommended != "" && seg.Recommended != seg.Current
		seg.Rationale = segRationale(seg, &r, len(ok))
	}
	return out
}
