package segments

import (
	"context"
	"fmt"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// Money (DESIGN.md): a store's returns are in its currency. Its money
// settings are, key by key (ss.SegmentCostKeys), the store's own
// segment_costs, else its currency's entry of Config.CurrencyCosts, else
// the base settings (Costs, OperatorHourly, …), which are in the reporting
// currency, divided by the latest exchange rate of the store's currency on
// or before the window's last day. The risk index compares loss per visitor
// across stores, so each store's loss is brought to the reporting currency
// at that same rate. A store in another currency with no rate by then is
// not decided: its loss cannot be compared with the estate's.

// moneyOf reads the money settings of c by key.
func (c *Config) moneyOf() map[string]*float64 {
	return map[string]*float64{
		"soc": &c.Costs.SOC, "checkout": &c.Costs.Checkout, "detection": &c.Costs.Detection,
		"operator_hourly": &c.OperatorHourly, "floor_hourly": &c.FloorHourly, "till_hourly": &c.TillHourly,
		"false_intervention_cost": &c.FalseInterventionCost, "block_cost": &c.BlockCost,
	}
}

// withMoney is c with the store's money settings in place of the base ones.
func (c Config) withMoney(costs map[string]float64) Config {
	for k, p := range c.moneyOf() {
		if v, ok := costs[k]; ok {
			*p = v
		}
	}
	return c
}

// storeMoney is the money settings of a store in currency cur: own, then
// cur's configured ones, then the base ones over rate (reporting units per
// unit of cur; 1 for the reporting currency).
func storeMoney(cfg Config, own map[string]float64, cur ss.Currency, rate float64) map[string]float64 {
	out := map[string]float64{}
	for k, p := range cfg.moneyOf() {
		switch v, ok := own[k]; {
		case ok:
			out[k] = v
		default:
			if v, ok := cfg.CurrencyCosts[cur][k]; ok {
				out[k] = v
			} else {
				out[k] = segCents(*p / rate)
			}
		}
	}
	return out
}

// rates is the latest rate to the reporting currency of each currency on or
// before day.
func (s *Service) latestRates(ctx context.Context, curs map[ss.Currency]bool, day time.Time) (map[ss.Currency]float64, error) {
	out := map[ss.Currency]float64{}
	for c := range curs {
		list, err := s.kpis.Rates(ctx, c, day.AddDate(-1, 0, 0), day)
		if err != nil {
			return nil, fmt.Errorf("segments: rates of %s: %w", c, err)
		}
		if len(list) > 0 {
			out[c] = list[len(list)-1].Rate // ordered by day
		}
	}
	return out, nil
}

// priceInputs sets each input's money settings and conversion from the
// stores' currencies, or marks it undecidable for want of a rate.
func (s *Service) priceInputs(ctx context.Context, inputs []Input, stores []ss.Store, to time.Time, cfg Config) error {
	rep := s.kpis.ReportingCurrency()
	curs := map[ss.Currency]bool{}
	for _, st := range stores {
		if st.Currency != rep {
			curs[st.Currency] = true
		}
	}
	rates, err := s.latestRates(ctx, curs, to)
	if err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	for i := range inputs {
		st := &stores[i]
		rate := 1.0
		if st.Currency != rep {
			r, ok := rates[st.Currency]
			if !ok {
				inputs[i].NoRate = fmt.Sprintf("no exchange rate to %s for %s in the year up to %s: its loss cannot be compared with the estate's",
					rep, st.Currency, to.Format(time.DateOnly))
				continue
			}
			rate = r
		}
		inputs[i].Currency, inputs[i].ToReporting = st.Currency, rate
		inputs[i].Money = storeMoney(cfg, st.SegmentCosts, st.Currency, rate)
	}
	return nil
}
