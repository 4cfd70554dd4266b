package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/segments"
	"github.com/shrinkscope/shrinkscope/workforce"
)

// segmentSettings are the settings of the segment economics, one per field
// of segments.Config besides the weights and technology costs (settings()
// has those). Each default printed is kpi's own (segments.DefaultConfig),
// whose comments give the reasoning behind it; ranges are checked once all
// settings are read (checkSegments), since some depend on each other.
func segmentSettings(c *Config) []setting {
	d := segments.DefaultConfig()
	s := &c.Segments
	num := func(name string, p *float64, def float64, help string) setting {
		return setting{"segment-" + name, "SHRINKSCOPE_SEGMENT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")),
			strconv.FormatFloat(def, 'f', -1, 64), help, func(v string) error {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return fmt.Errorf("want a number, got %q", v)
				}
				if f == 0 {
					// kpi reads a zero field as "use the default".
					return fmt.Errorf("0 would mean the default (%v); give a positive number", def)
				}
				*p = f
				return nil
			}}
	}
	pair := func(name string, p *map[ss.OperatingModel]float64, def map[ss.OperatingModel]float64, help string) setting {
		return setting{"segment-" + name, "SHRINKSCOPE_SEGMENT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")),
			fmt.Sprintf("soc=%v,checkout=%v", def[ss.ModelSOC], def[ss.ModelCheckout]), help, func(v string) error {
				m, err := keyValues(v, "soc", "checkout")
				if err != nil {
					return err
				}
				*p = map[ss.OperatingModel]float64{}
				for k, x := range m {
					(*p)[ss.OperatingModel(k)] = x
				}
				return nil
			}}
	}
	minDays := float64(d.MinDataDays)
	days := num("min-data-days", &minDays, minDays, "days of the window a store needs figures on to be recommended a model (or the whole window, if shorter)")
	setDays := days.set
	days.set = func(v string) error {
		if err := setDays(v); err != nil {
			return err
		}
		if minDays != math.Trunc(minDays) {
			return fmt.Errorf("want a whole number of days, got %q", v)
		}
		s.MinDataDays = int(minDays)
		return nil
	}
	return []setting{
		num("high-quantile", &s.HighQuantile, d.HighQuantile, "risk-index percentile from which a store is high risk"),
		num("low-quantile", &s.LowQuantile, d.LowQuantile, "risk-index percentile below which a store is low risk"),
		num("staffing-short", &s.StaffingShort, d.StaffingShort, "staffing capacity (1 = typical) below which a store cannot run a SOC"),
		num("operator-hourly", &s.OperatorHourly, d.OperatorHourly, "loaded cost of a SOC operator hour, in the store's currency (every store's SOC definition unless its staffing policy sets operator_hourly: segments, plans, /soc-staffing)"),
		num("handling-seconds", &s.HandlingSeconds, d.HandlingSeconds, "operator time per SOC alert, Erlang C handling time (every store's unless its staffing policy sets handle_seconds)"),
		num("answer-seconds", &s.AnswerSeconds, d.AnswerSeconds, "SOC target: alerts picked up within this many seconds (every store's unless its staffing policy sets answer_seconds)"),
		num("service-level", &s.ServiceLevel, d.ServiceLevel, "SOC target: share of alerts picked up within the answer time (every store's unless its staffing policy sets service_level)"),
		num("floor-hourly", &s.FloorHourly, d.FloorHourly, "loaded cost of the guard hour a SOC dispatches"),
		num("responder-share", &s.ResponderShare, d.ResponderShare, "share of a guard's hour a SOC store pays per open hour to have a responder ready"),
		num("floor-minutes", &s.FloorMinutes, d.FloorMinutes, "guard minutes one SOC dispatch takes"),
		num("till-hourly", &s.TillHourly, d.TillHourly, "loaded cost of a colleague's hour at the tills"),
		num("till-share", &s.TillShare, d.TillShare, "share of a colleague's hour a checkout store pays per open hour to clear blocks"),
		num("block-minutes", &s.BlockMinutes, d.BlockMinutes, "colleague minutes one checkout block takes"),
		num("false-intervention-cost", &s.FalseInterventionCost, d.FalseInterventionCost, "cost of intervening on a shopper who had not concealed anything"),
		pair("false-reach", &s.FalseReach, d.FalseReach, "share of false alerts that reach a shopper, per intervening model"),
		num("block-cost", &s.BlockCost, d.BlockCost, "customer friction of one checkout block"),
		num("insight-reduction", &s.InsightReduction, d.InsightReduction, "share of loss the analytics loop removes in every model (a prior until layout evaluations measure it)"),
		pair("default-recovery", &s.DefaultRecovery, d.DefaultRecovery, "share of unpaid concealments each model recovers, where no store measures it"),
		num("default-self-pay", &s.DefaultSelfPay, d.DefaultSelfPay, "share of concealments paid for unprompted, where no checkout store measures it"),
		num("default-false-share", &s.DefaultFalseShare, d.DefaultFalseShare, "share of alerts that are not concealment, where no store reviews its alerts"),
		num("default-block-share", &s.DefaultBlockShare, d.DefaultBlockShare, "share of unpaid concealments a checkout blocks, where no store measures it"),
		num("min-own", &s.MinOwn, d.MinOwn, "outcomes a store needs before its own rates replace the estate's"),
		days,
		num("min-events", &s.MinEvents, d.MinEvents, "concealments in the window a store needs to be recommended a model"),
		{"segment-currency-costs", "SHRINKSCOPE_SEGMENT_CURRENCY_COSTS", "", "money settings of stores in other currencies than the reporting one, in their currency, e.g. " +
			"USD:soc=15000,operator_hourly=25;JPY:soc=1800000,till_hourly=1100 (keys: " + strings.Join(ss.SegmentCostKeys, ", ") +
			"); the other money settings are in the reporting currency, and a setting a currency lacks is converted at its latest rate; a store's segment_costs override both", func(v string) error {
			s.CurrencyCosts = nil
			for _, part := range strings.Split(v, ";") {
				if part = strings.TrimSpace(part); part == "" {
					continue
				}
				cur, kv, ok := strings.Cut(part, ":")
				if !ok || !ss.Currency(cur).Valid() {
					return fmt.Errorf("want CUR:key=value,… per currency (an ISO 4217 code first), got %q", part)
				}
				m, err := keyValues(kv, ss.SegmentCostKeys...)
				if err != nil {
					return fmt.Errorf("%s: %w", cur, err)
				}
				if s.CurrencyCosts == nil {
					s.CurrencyCosts = map[ss.Currency]map[string]float64{}
				}
				s.CurrencyCosts[ss.Currency(cur)] = m
			}
			return nil
		}},
	}
}

// segmentFlags names the segment settings, for the commands that decide
// segments.
var segmentFlags = func() []string {
	var out []string
	for _, s := range segmentSettings(&Config{}) {
		out = append(out, s.flag)
	}
	return out
}()

// checkSegments validates the segment configuration once every setting is
// read and names the setting of the first field out of range, with where its
// value came from (src, by flag; the default where absent).
func checkSegments(c *Config, used []setting, src map[string]string) error {
	var s *setting
	err := c.Segments.Validate()
	var e *ss.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	// "segments.costs.soc" is the setting segment-costs.
	name, _, _ := strings.Cut(strings.TrimPrefix(e.Field, "segments."), ".")
	flag := "segment-" + strings.ReplaceAll(name, "_", "-")
	for i := range used {
		if used[i].flag == flag {
			s = &used[i]
		}
	}
	if s == nil {
		return err
	}
	from, ok := src[flag]
	if !ok {
		from = fmt.Sprintf("%s (default %q)", s.env, s.def)
	}
	return fmt.Errorf("%s: %s", from, e.Message)
}

// SOC is the SOC workload definition of every store without its own: the
// four SOC settings above, read once for the segments, the staffing plans
// and /soc-staffing alike (a store's staffing policy may override each).
func (c *Config) SOC() workforce.SOCParams {
	return workforce.SOCParams{HandleSeconds: c.Segments.HandlingSeconds, AnswerSeconds: c.Segments.AnswerSeconds,
		ServiceLevel: c.Segments.ServiceLevel, OperatorHourly: c.Segments.OperatorHourly}.WithDefaults(workforce.DefaultSOCParams())
}
