package segments

import (
	"math"
	"slices"
	"strings"

	ss "github.com/shrinkscope/shrinkscope"
)

// Weights are the weights of the standardised factors in the risk
// index. The zero value as a whole means the defaults; once any weight is set,
// all six are used as given (so a factor can be switched off with 0).
type Weights struct {
	Rate           float64 // concealments per 1,000 visitors; default 0.35
	LossPerVisitor float64 // estimated loss per visitor; default 0.25
	Theft          float64 // local theft index; default 0.15
	Urban          float64 // urban density; default 0.10
	Footfall       float64 // visitors per day; default 0.10
	Staffing       float64 // staffing capacity; default -0.05 (more staff → slightly less risk)
}

// ModelCosts is the yearly technology cost per store of each operating
// model (licences, integration, hardware share), without staff; a zero
// field takes its default.
type ModelCosts struct {
	// SOC: alert console seat, video links to the SOC, guard radios.
	// Default 12,000.
	SOC float64
	// Checkout: the track-to-till link, nudge screens and till software
	// changes on every lane; dearer than a SOC's links because it touches
	// the POS. Default 25,000.
	Checkout float64
	// Detection: the analytics alone, with no alert path. Default 6,000.
	Detection float64
}

// Config tunes Decide. A zero field takes the default written
// beside it (DefaultConfig has them all); Validate names the first
// field out of range.
//
// The money defaults are for a mid-sized grocery or general-merchandise
// store in a market with a minimum wage near 12 an hour. Each model's net
// is what a retailer would write in a business case: the shrink it stops,
// less its technology, the staff time it takes (SOC operators, someone on
// the floor to act, someone at the tills) and what it costs in customers'
// goodwill. The staffing defaults are the ones that tip the synthetic
// estate's quiet stores to detection: a store whose loss is too small to
// pay for a person ready to act is better served by the analytics alone.
type Config struct {
	// Weights of the standardised factors in the risk index (a description
	// of the store; the recommendation does not depend on it). Default
	// Rate 0.35, LossPerVisitor 0.25, Theft 0.15, Urban 0.10, Footfall 0.10,
	// Staffing -0.05.
	Weights Weights
	// HighQuantile and LowQuantile cut the estate by the percentile of the
	// risk index: ≥ HighQuantile is high, < LowQuantile is low, the rest
	// medium. Defaults 0.75 and 0.40: a quarter of the estate is high risk.
	HighQuantile, LowQuantile float64
	// StaffingShort: below this staffing capacity (1 is a typical store) a
	// store cannot spare the responder a SOC's alerts need, so it cannot
	// run a SOC. Default 0.9.
	StaffingShort float64
	// Costs is the yearly technology cost per store of each model. Defaults
	// SOC 12,000, Checkout 25,000, Detection 6,000.
	Costs ModelCosts

	// CurrencyCosts are the money settings (ss.SegmentCostKeys: the three
	// models' yearly costs, operator_hourly, floor_hourly, till_hourly,
	// false_intervention_cost, block_cost) of stores in each currency, in
	// that currency. The base settings here are in the reporting currency: a
	// currency's setting missing from CurrencyCosts is the base one converted
	// at the latest rate (money.go). Default none.
	CurrencyCosts map[ss.Currency]map[string]float64

	// OperatorHourly is the loaded cost of one SOC operator hour (wage,
	// on-costs, supervision and the seat). Default 20.
	OperatorHourly float64
	// HandlingSeconds is the mean operator time per SOC alert: watch the
	// clip, decide, dispatch, log the outcome. Default 90.
	HandlingSeconds float64
	// AnswerSeconds and ServiceLevel are the SOC's target: ServiceLevel of
	// alerts picked up within AnswerSeconds (Erlang C sizes the operators).
	// A concealer reaches the door in a minute or two, so an alert answered
	// later is mostly wasted. Defaults 30 and 0.9.
	AnswerSeconds, ServiceLevel float64

	// FloorHourly is the loaded cost of a guard hour, the person a SOC
	// dispatches to the shopper (contract security costs more than a store
	// colleague). Default 18.
	FloorHourly float64
	// ResponderShare is the share of a guard's hour a SOC store pays for
	// every hour it is open. A dispatch is only worth making if someone can
	// reach the shopper before the exit within a minute, so the responder
	// cannot be on a break or at the back; the rest of the hour goes on door
	// and patrol work the store does anyway. Default 0.8 (14.40 an open
	// hour at the default guard cost).
	ResponderShare float64
	// FloorMinutes is the guard time one SOC dispatch takes (walk to the
	// shopper, speak, return, write it up). The store pays for the
	// dispatches' time where it exceeds the responder's reserved share.
	// Default 4.
	FloorMinutes float64

	// TillHourly is the loaded cost of a store colleague's hour at the
	// tills. Default 14.
	TillHourly float64
	// TillShare is the share of a colleague's hour a checkout store pays
	// for every hour it is open: a blocked till holds a queue, so someone
	// must stay within a few steps of the validation lanes all day; the
	// rest of the hour they help at the self-checkouts. Default 0.8 (11.20
	// an open hour at the default till cost).
	TillShare float64
	// BlockMinutes is the colleague's time one checkout block takes (come
	// over, check the basket, clear the till). The store pays for the
	// blocks' time where it exceeds the colleague's reserved share.
	// Default 2.
	BlockMinutes float64

	// FalseInterventionCost is the cost of one intervention on a shopper who
	// had not concealed anything: goodwill, complaint handling, a basket
	// left behind and a share of the customers who do not come back.
	// Default 25.
	FalseInterventionCost float64
	// FalseReach is, per intervening model, the share of false alerts that
	// reach a shopper: an operator screens the clip and sends someone to
	// about one false alert in five, a checkout nudge is automatic. A
	// missing key takes its default (soc 0.2, checkout 1).
	FalseReach map[ss.OperatingModel]float64
	// BlockCost is the friction of one checkout block (a till held, the
	// queue behind it waiting), on top of any false intervention. Default 3.
	BlockCost float64

	// InsightReduction is the share of loss the analytics loop removes
	// (layout and staffing changes made from the insights) in every model,
	// so detection-led analytics is not worth zero by construction. It is a
	// prior until layout evaluations measure it. Default 0.05.
	InsightReduction float64
	// DefaultRecovery is the share of unpaid concealments a model's
	// interventions recover, assumed when no store running it has enough
	// outcomes; a missing key takes its default (soc 0.55, checkout 0.45).
	DefaultRecovery map[ss.OperatingModel]float64
	// DefaultSelfPay is the share of concealments paid for at the till
	// without any prompt, assumed when no checkout store measures it.
	// Default 0.35.
	DefaultSelfPay float64
	// DefaultFalseShare is the share of alerts that are not concealment,
	// assumed when no store reviews its alerts. Default 0.1.
	DefaultFalseShare float64
	// DefaultBlockShare is the share of unpaid concealments a checkout
	// blocks, assumed when no checkout store measures it. Default 0.15.
	DefaultBlockShare float64
	// MinOwn is the count of outcomes a store needs before its own rates
	// are trusted over the estate's pooled ones. Default 20.
	MinOwn float64
	// MinDataDays and MinEvents: a store with figures on fewer days of the
	// window (or fewer than the window's length, if shorter) or fewer
	// concealments gets no recommendation. Defaults 28 and 20.
	MinDataDays int
	MinEvents   float64
}

// DefaultConfig is the configuration with every default filled in.
func DefaultConfig() Config { return Config{}.withDefaults() }

// withDefaults returns c with every zero value replaced by its default. It
// copies the maps rather than writing into the caller's.
func (c Config) withDefaults() Config {
	if c.Weights == (Weights{}) {
		c.Weights = Weights{Rate: 0.35, LossPerVisitor: 0.25, Theft: 0.15, Urban: 0.10, Footfall: 0.10, Staffing: -0.05}
	}
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.HighQuantile, 0.75)
	def(&c.LowQuantile, 0.40)
	def(&c.StaffingShort, 0.9)
	def(&c.Costs.SOC, 12_000)
	def(&c.Costs.Checkout, 25_000)
	def(&c.Costs.Detection, 6_000)
	def(&c.OperatorHourly, 20)
	def(&c.HandlingSeconds, 90)
	def(&c.FloorMinutes, 4)
	def(&c.FloorHourly, 18)
	def(&c.ResponderShare, 0.8)
	def(&c.TillHourly, 14)
	def(&c.TillShare, 0.8)
	def(&c.BlockMinutes, 2)
	def(&c.AnswerSeconds, 30)
	def(&c.ServiceLevel, 0.9)
	def(&c.FalseInterventionCost, 25)
	def(&c.BlockCost, 3)
	def(&c.InsightReduction, 0.05)
	def(&c.DefaultSelfPay, 0.35)
	def(&c.DefaultFalseShare, 0.1)
	def(&c.DefaultBlockShare, 0.15)
	def(&c.MinOwn, 20)
	def(&c.MinEvents, 20)
	if c.MinDataDays == 0 {
		c.MinDataDays = 28
	}
	c.FalseReach = withKeys(c.FalseReach, map[ss.OperatingModel]float64{ss.ModelSOC: 0.2, ss.ModelCheckout: 1})
	c.DefaultRecovery = withKeys(c.DefaultRecovery, map[ss.OperatingModel]float64{ss.ModelSOC: 0.55, ss.ModelCheckout: 0.45})
	return c
}

func withKeys(given, defaults map[ss.OperatingModel]float64) map[ss.OperatingModel]float64 {
	out := make(map[ss.OperatingModel]float64, len(defaults))
	for m, v := range defaults {
		out[m] = v
	}
	for m, v := range given {
		out[m] = v
	}
	return out
}

// Validate reports the first field of c (after defaults) that is out of
// range, as an EINVALID error naming it (e.g. "segments.service_level").
func (c Config) Validate() error {
	d := c.withDefaults()
	type rule struct {
		field  string
		v      float64
		lo, hi float64 // inclusive bounds
	}
	inf := math.Inf(1)
	rules := []rule{
		{"segments.high_quantile", d.HighQuantile, 0, 1},
		{"segments.low_quantile", d.LowQuantile, 0, d.HighQuantile},
		{"segments.staffing_short", d.StaffingShort, 0, 100},
		{"segments.costs.soc", d.Costs.SOC, 0, inf},
		{"segments.costs.checkout", d.Costs.Checkout, 0, inf},
		{"segments.costs.detection", d.Costs.Detection, 0, inf},
		{"segments.operator_hourly", d.OperatorHourly, 0, inf},
		{"segments.handling_seconds", d.HandlingSeconds, 1, 86_400},
		{"segments.floor_hourly", d.FloorHourly, 0, inf},
		{"segments.responder_share", d.ResponderShare, 0, 1},
		{"segments.floor_minutes", d.FloorMinutes, 0, 600},
		{"segments.till_hourly", d.TillHourly, 0, inf},
		{"segments.till_share", d.TillShare, 0, 1},
		{"segments.block_minutes", d.BlockMinutes, 0, 600},
		{"segments.answer_seconds", d.AnswerSeconds, 0, 86_400},
		{"segments.service_level", d.ServiceLevel, 0.01, 0.999},
		{"segments.false_intervention_cost", d.FalseInterventionCost, 0, inf},
		{"segments.false_reach.soc", d.FalseReach[ss.ModelSOC], 0, 1},
		{"segments.false_reach.checkout", d.FalseReach[ss.ModelCheckout], 0, 1},
		{"segments.block_cost", d.BlockCost, 0, inf},
		{"segments.insight_reduction", d.InsightReduction, 0, 1},
		{"segments.default_recovery.soc", d.DefaultRecovery[ss.ModelSOC], 0, 1},
		{"segments.default_recovery.checkout", d.DefaultRecovery[ss.ModelCheckout], 0, 1},
		{"segments.default_self_pay", d.DefaultSelfPay, 0, 0.999},
		{"segments.default_false_share", d.DefaultFalseShare, 0, 1},
		{"segments.default_block_share", d.DefaultBlockShare, 0, 1},
		{"segments.min_own", d.MinOwn, 1, inf},
		{"segments.min_data_days", float64(d.MinDataDays), 1, 730},
		{"segments.min_events", d.MinEvents, 0, inf},
	}
	for cur, costs := range d.CurrencyCosts {
		if err := ss.CheckCurrency("segments.currency_costs", cur); err != nil {
			return err
		}
		for k, v := range costs {
			field := "segments.currency_costs." + string(cur) + "." + k
			if !slices.Contains(ss.SegmentCostKeys, k) {
				return ss.Errorf(ss.EINVALID, field, "unknown segment cost %q (use %s)", k, strings.Join(ss.SegmentCostKeys, ", "))
			}
			rules = append(rules, rule{field, v, 0, inf})
		}
	}
	for _, r := range rules {
		if math.IsNaN(r.v) || math.IsInf(r.v, 0) || r.v < r.lo || r.v > r.hi {
			return ss.Errorf(ss.EINVALID, r.field, "%s must be between %v and %v, got %v", r.field, r.lo, r.hi, r.v)
		}
	}
	return nil
}
