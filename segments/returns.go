package segments

import (
	"fmt"
	"math"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// segOpenHoursPerYear is the store's open hours in a year.
func segOpenHoursPerYear(s *Input) float64 {
	w := s.WeeklyOpenHours
	if !(w > 0) || w > 168 {
		w = 168
	}
	return w * 365 / 7
}

// segAlertsPerYear is the store's alerts (detections) per year.
func segAlertsPerYear(s *Input) float64 {
	if s.Days <= 0 || !(s.Detections > 0) {
		return 0
	}
	return s.Detections * 365 / float64(s.Days)
}

// segSOCCanRun reports whether the store has the staff to act on SOC alerts.
func segSOCCanRun(s *Input, cfg Config) bool {
	return s.Profile.StaffingCapacity >= cfg.StaffingShort
}

// segSOCPoolRate is the alert rate a shared SOC takes while its stores are
// open: Σ over the stores that can run a SOC of alerts per open hour. It
// adds the stores' rates as if all were open at once, which overstates the
// load of an estate spread over time zones and so errs toward more
// operators.
func segSOCPool(in []Input, cfg Config) float64 {
	var rate float64
	for i := range in {
		if segSOCCanRun(&in[i], cfg) {
			rate += segAlertsPerYear(&in[i]) / segOpenHoursPerYear(&in[i])
		}
	}
	return rate
}

// segReturns prices every model at store s for a year.
//
//	at risk      = concealed value × 365/days × (1 − self-pay share)
//	prevented    = at risk × (insight + (1 − insight) × recovery rate)
//	SOC hours    = the store's weekly SOC workload × 365/7 (Input.SOC), else
//	               operators × store alerts / pool alert rate
//	floor hours  = SOC:      max(ResponderShare × open hours, dispatches × FloorMinutes / 60)
//	               checkout: max(TillShare × open hours, blocks × BlockMinutes / 60)
//	friction     = alerts × false share × reach × cost per false intervention
//	               + checkout blocks × cost per block
//	net          = prevented − technology − operator hours × operator rate
//	               − floor hours × (FloorHourly for a SOC's guard, TillHourly at the tills)
//	               − friction
//
// Concealments a shopper pays for unprompted were never a loss, so no model
// is credited with them. Every model runs the analytics loop, so each gets
// the insight reduction; the intervening ones recover a share of what is
// left. A store's SOC operators are its weekly SOC workload (Input.SOC: the
// forecast alerts of each open hour, Erlang C under the store's own SOC
// definition, the figure its staffing plan and /soc-staffing report), a
// year of such weeks at its operator rate. Without one, the SOC is one
// centre shared by every store that can run one (segSOCPool): Erlang C
// (stats.Servers) sizes it for the pool's alert rate and the service-level
// target, and each store pays for the operators' time in proportion to its
// alerts over its open hours. An alert is only
// worth something if a person at the store can act on it while the shopper
// is still there, so both intervening models pay for a person on the floor
// through every open hour: this fixed cost is what makes intervention not
// pay at a store whose loss is small.
func segReturns(s *Input, p *segPooled, poolRate float64, cfg Config) (*Basis, map[ss.OperatingModel]ModelReturn) {
	rates := segRatesFor(s, p, cfg)
	annual := 365 / float64(s.Days)
	alerts := segAlertsPerYear(s)
	concealed := math.Max(s.ConcealedValue*annual, 0)
	atRisk := concealed * (1 - rates.selfPay)
	unpaid := math.Max(s.Events*annual*(1-rates.selfPay), 0)
	i := cfg.InsightReduction

	pool := poolRate
	if !segSOCCanRun(s, cfg) {
		pool += alerts / segOpenHoursPerYear(s) // priced as if it joined
	}
	operators := stats.Servers(pool, cfg.HandlingSeconds/3600, cfg.AnswerSeconds/3600, cfg.ServiceLevel)
	basis := &Basis{
		AlertsPerYear: segRound(alerts, 1), ConcealedPerYear: segCents(concealed),
		SelfPayShare: rates.selfPay, SelfPaySource: rates.selfPaySource, AtRiskPerYear: segCents(atRisk),
		FalseShare: rates.falseShare, FalseShareSource: rates.falseSource,
		InsightReduction: i, InsightSource: SourcePrior,
	}
	operatorHourly := cfg.OperatorHourly
	if s.SOC != nil {
		week, rate := s.SOC.OperatorHours, s.SOC.OperatorHourly
		basis.SOCWeek, basis.SOCOperatorHoursWeek, basis.SOCOperatorHourly = s.SOC.Week, &week, &rate
		operatorHourly = rate
	} else {
		basis.SOCPoolAlertsPerHr, basis.SOCPoolOperators = segRound(pool, 3), max(operators, 0)
	}

	out := make(map[ss.OperatingModel]ModelReturn, len(segModels))
	price := func(r ModelReturn, falseReach, floorHourly float64) ModelReturn {
		r.PreventedLoss = segCents(atRisk * (i + (1-i)*r.RecoveryRate))
		r.FalseInterventions = segRound(alerts*rates.falseShare*falseReach, 1)
		r.StaffingCost = segCents(r.OperatorHours*operatorHourly + r.FloorHours*floorHourly)
		r.Cost = segCents(r.TechnologyCost + r.StaffingCost)
		r.FrictionCost = segCents(r.FalseInterventions*cfg.FalseInterventionCost + r.Blocks*cfg.BlockCost)
		r.Net = segCents(r.PreventedLoss - r.Cost - r.FrictionCost)
		return r
	}
	openHours := segOpenHoursPerYear(s)
	out[ss.ModelDetection] = price(ModelReturn{Feasible: true, TechnologyCost: segCents(cfg.Costs.Detection)}, 0, 0)
	// A colleague minds the validation tills for TillShare of every open
	// hour, or for as long as clearing the blocks takes where that is more.
	chk := ModelReturn{Feasible: true,
		RecoveryRate: rates.recovery[ss.ModelCheckout], RecoverySource: rates.recoverySource[ss.ModelCheckout],
		TechnologyCost: segCents(cfg.Costs.Checkout), Blocks: segRound(unpaid*rates.block, 1)}
	chk.FloorHours = segRound(math.Max(cfg.TillShare*openHours, chk.Blocks*cfg.BlockMinutes/60), 1)
	out[ss.ModelCheckout] = price(chk, cfg.FalseReach[ss.ModelCheckout], cfg.TillHourly)
	soc := ModelReturn{Feasible: true,
		RecoveryRate: rates.recovery[ss.ModelSOC], RecoverySource: rates.recoverySource[ss.ModelSOC],
		TechnologyCost: segCents(cfg.Costs.SOC)}
	switch {
	case s.SOC != nil:
		soc.OperatorHours = segRound(s.SOC.OperatorHours*365/7, 1)
	case operators > 0 && pool > 0:
		soc.OperatorHours = segRound(float64(operators)*alerts/pool, 1)
	}
	// A responder goes to every alert that is concealment and to the false
	// ones the operator does not screen out. Someone must be on the floor
	// to go whenever the store is open, so the store pays ResponderShare of
	// a guard for every open hour, or the dispatches' own time where that
	// is more.
	dispatched := alerts * (1 - rates.falseShare + rates.falseShare*cfg.FalseReach[ss.ModelSOC])
	soc.FloorHours = segRound(math.Max(cfg.ResponderShare*openHours, dispatched*cfg.FloorMinutes/60), 1)
	if !segSOCCanRun(s, cfg) {
		soc.Feasible = false
		soc.Reason = fmt.Sprintf("staffing capacity %s is below the %s a SOC needs to act on its alerts",
			segNum(s.Profile.StaffingCapacity), segNum(cfg.StaffingShort))
	}
	out[ss.ModelSOC] = price(soc, cfg.FalseReach[ss.ModelSOC], cfg.FloorHourly)
	return basis, out
}

// segBest returns the feasible model with the highest Net. Nets are in
// cents, so equal means equal; a tie goes to the lower Cost + FrictionCost,
// then to the order of segModels. Detection is always feasible.
func segBest(r map[ss.OperatingModel]ModelReturn) ss.OperatingModel {
	var best ss.OperatingModel
	for _, m := range segModels {
		a, ok := r[m]
		if !ok || !a.Feasible {
			continue
		}
		if best == "" {
			best = m
			continue
		}
		b := r[best]
		if a.Net > b.Net || a.Net == b.Net && a.Cost+a.FrictionCost < b.Cost+b.FrictionCost {
			best = m
		}
	}
	return best
}

// segCents rounds money to the cent.
func segCents(x float64) float64 { return segRound(x, 2) }

// segRound rounds x to d decimals, mapping -0 and non-finite values to 0.
func segRound(x float64, d int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	p := math.Pow(10, float64(d))
	v := math.Round(x*p) / p
	if v == 0 {
		return 0
	}
	return v
}
