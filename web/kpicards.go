package web

import (
	"strconv"
	"strings"

	"github.com/shrinkscope/shrinkscope/kpi"
)

// kpiMeta says how a KPI reads on a page: label, format and which way is better.
type kpiMeta struct {
	Name, Label string
	Format      func(any) string
	// Delta formats a change; nil: as Format.
	Delta       func(any) string
	LowerBetter bool
	// Percent: targets are entered and shown in percent, stored as a ratio.
	Percent bool
}

var kpiMetas = map[string]kpiMeta{
	"events":                    {"events", "Events", fmtInt, signed(fmtInt), true, false},
	"visitors":                  {"visitors", "Visitors", fmtInt, signed(fmtInt), false, false},
	"rate_per_1k":               {"rate_per_1k", "Rate per 1,000 visitors", fixed2, signed(fixed2), true, false},
	"est_loss":                  {"est_loss", "Estimated loss", fmtMoney, signed(fmtMoney), true, false},
	"recovered_value":           {"recovered_value", "Recovered value", fmtMoney, signed(fmtMoney), false, false},
	"recovered_by_intervention": {"recovered_by_intervention", "Recovered by intervention", fmtMoney, signed(fmtMoney), false, false},
	"paid_unprompted":           {"paid_unprompted", "Paid unprompted", fmtMoney, signed(fmtMoney), false, false},
	"recovery_rate":             {"recovery_rate", "Recovery rate", fmtPct, signed(fmtPP), false, true},
	"intervention_rate":         {"intervention_rate", "Intervention rate", fmtPct, signed(fmtPP), false, true},
	"response_p50":              {"response_p50", "Response time, median", fmtSecs, signed(fmtSecs), true, false},
	"response_p90":              {"response_p90", "Response time, 90th pct", fmtSecs, signed(fmtSecs), true, false},
	"false_positive_rate":       {"false_positive_rate", "False alarm rate", fmtPct, signed(fmtPP), true, true},
	"hotspot_index":             {"hotspot_index", "Hotspot index", fixed2, signed(fixed2), true, false},
	"shrink_pct":                {"shrink_pct", "Shrink (% of sales)", fixed2pct, signed(fixed2pp), true, false},
}

func fixed2(v any) string { return fmtFixed(2, v) }

func fixed2pct(v any) string {
	s := fmtFixed(2, v)
	if s == noValue {
		return s
	}
	return s + "%"
}

func fixed2pp(v any) string { return fmtFixed(2, v) + " pp" }

// fmtPP formats a change of a ratio in percentage points.
func fmtPP(v any) string {
	if x, ok := v.(float64); ok {
		return fmtFixed(1, 100*x) + " pp"
	}
	return noValue
}

// signed prefixes f's text with + for a positive change.
func signed(f func(any) string) func(any) string {
	return func(v any) string {
		if x, ok := v.(float64); ok && x > 0 {
			return "+" + f(x)
		}
		return f(v)
	}
}

// kpiCard is one KPI as a card or table cell shows it.
type kpiCard struct {
	Name, Label, Value string
	Raw                *float64
	Change             string // "" when the change is unknown
	Trend              string // "up", "down" or "flat"
	Better             string // "good", "bad" or "" (no change)
	Target             string // "" without a target
	Met                string // "met", "missed" or "unknown"
	NoChange           string // why there is no change, when there is none
	// Note qualifies the value: est_loss "estimated" with its basis, a
	// false alarm rate "not reviewed", a money figure the exchange rates it
	// lacks.
	Note string
}

// cardsOf builds the cards of names from a KPI row.
func cardsOf(r *kpi.Row, names ...string) []kpiCard {
	vals, changes := r.Figures.Values(), map[string]*float64{}
	if r.Change != nil {
		changes = r.Change.Values()
	}
	out := make([]kpiCard, 0, len(names))
	for _, n := range names {
		m := kpiMetas[n]
		if isMoney(n) {
			// Money reads in the row's currency, with its symbol and minor units.
			cur := r.Currency
			m.Format = func(v any) string { return fmtCash(cur, v) }
			m.Delta = signed(m.Format)
		}
		c := kpiCard{Name: n, Label: m.Label, Raw: vals[n], Value: m.Format(vals[n]), NoChange: noChangeWords(r.ChangeReason)}
		switch {
		case n == "est_loss" && r.EstLossEstimated:
			c.Note = estimatedWords(&r.Figures)
		case n == "false_positive_rate" && vals[n] == nil:
			c.Value, c.Note = "not reviewed", "no event was reviewed; reviews must be a random sample of the detections"
		}
		if d := changes[n]; d != nil {
			c.Change = m.Delta(*d)
			if strings.Trim(c.Change, "+-0.,%p s") == "" { // rounds to nothing at the shown precision
				zero := 0.0
				d = &zero
			}
			switch {
			case *d > 0:
				c.Trend = "up"
			case *d < 0:
				c.Trend = "down"
			default:
				c.Trend = "flat"
			}
			if *d != 0 {
				c.Better = "good"
				if (*d > 0) == m.LowerBetter {
					c.Better = "bad"
				}
			}
		}
		if vals[n] == nil && isMoney(n) {
			c.Note = r.MoneyReason
		}
		if v, ok := r.Targets[n]; ok {
			c.Target = targetWords(m, v)
			c.Met = "unknown"
			if v.Met != nil {
				c.Met = map[bool]string{true: "met", false: "missed"}[*v.Met]
			}
		}
		out = append(out, c)
	}
	return out
}

// estimatedWords says how an expected loss was estimated: the open events'
// value less the false share measured by whose reviews.
func estimatedWords(f *kpi.Figures) string {
	by := map[string]string{kpi.BasisStore: "the store's", kpi.BasisRegion: "the region's", kpi.BasisEstate: "the estate's",
		kpi.BasisMixed: "each store's"}[f.EstLossBasis]
	switch {
	case f.EstLossBasis == kpi.BasisNone:
		return "estimated: unreviewed events counted whole, nothing was reviewed"
	case f.EstLossFalseShare != nil:
		return "estimated: unreviewed events less the " + fmtPct(*f.EstLossFalseShare) + " false share of " + by + " reviews"
	}
	return "estimated: unreviewed events less the false share of " + by + " reviews"
}

// noChangeWords says in words why a row has no change.
func noChangeWords(reason string) string {
	if reason == "" {
		return "no comparable previous period"
	}
	return strings.ReplaceAll(reason, "_", " ")
}

// targetWords says a target as the page shows it: "<= 12.5%" for a ratio;
// for a target with a period its value per period and what the row's days
// make of it, "<= 1,000.00 a week: 4,285.71 over 30 days".
func targetWords(m kpiMeta, v kpi.Verdict) string {
	value := func(x float64) string {
		if (m.Name == "events" || m.Name == "visitors") && x != float64(int64(x)) {
			return fmtFixed(2, x) // a count's share of a period
		}
		return m.Format(x)
	}
	if v.Period == "" || v.Days == nil {
		return v.Op + " " + value(v.Value)
	}
	days := strconv.FormatFloat(*v.Days, 'f', -1, 64)
	if *v.Days != float64(int64(*v.Days)) {
		days = strconv.FormatFloat(*v.Days, 'f', 2, 64)
	}
	unit := " days"
	if *v.Days == 1 {
		unit = " day"
	}
	return v.Op + " " + value(v.Value) + " a " + v.Period + ": " + value(v.JudgedAgainst) + " over " + days + unit
}

// isMoney says whether KPI n is money.
func isMoney(n string) bool {
	for _, d := range kpi.KPIDefs {
		if d.Name == n {
			return d.Money
		}
	}
	return false
}
