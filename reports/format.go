package reports

import (
	"math"
	"strconv"

	ss "github.com/shrinkscope/shrinkscope"
)

// kpiFormat says how a report shows one KPI to a person: its label, how its
// value reads and how a change of it reads.
type kpiFormat struct {
	Label string
	Value func(float64) string
	Delta func(float64) string
}

// kpiFormats are the headline KPIs' labels and formats: counts and money
// with thousands separators, ratios as percentages (their changes in
// percentage points), seconds as seconds.
var kpiFormats = map[string]kpiFormat{
	"events":                    {"Events", count, signedBy(count)},
	"visitors":                  {"Visitors", count, signedBy(count)},
	"rate_per_1k":               {"Rate per 1,000 visitors", decimals(2), signedBy(decimals(2))},
	"est_loss":                  {"Estimated loss", decimals(2), signedBy(decimals(2))},
	"recovered_value":           {"Recovered value", decimals(2), signedBy(decimals(2))},
	"recovered_by_intervention": {"Recovered by intervention", decimals(2), signedBy(decimals(2))},
	"paid_unprompted":           {"Paid unprompted", decimals(2), signedBy(decimals(2))},
	"recovery_rate":             {"Recovery rate", percent, signedBy(points)},
	"intervention_rate":         {"Intervention rate", percent, signedBy(points)},
	"response_p50":              {"Response time, median", seconds, signedBy(seconds)},
	"response_p90":              {"Response time, 90th percentile", seconds, signedBy(seconds)},
	"false_positive_rate":       {"False alarm rate", percent, signedBy(points)},
	"shrink_pct":                {"Shrink (% of sales)", func(v float64) string { return decimals(2)(v) + "%" }, signedBy(func(v float64) string { return decimals(2)(v) + " pp" })},
}

// noFigure is what a report shows where a figure has no value.
const noFigure = "–"

func count(v float64) string {
	return ss.GroupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
}

func decimals(n int) func(float64) string {
	return func(v float64) string { return ss.GroupThousands(strconv.FormatFloat(v, 'f', n, 64)) }
}

// percent shows a ratio (0.253) as a percentage (25.3%).
func percent(v float64) string { return decimals(1)(100*v) + "%" }

// points shows a change of a ratio in percentage points.
func points(v float64) string { return decimals(1)(100*v) + " pp" }

func seconds(v float64) string { return count(v) + " s" }

// signedBy prefixes + to a positive change.
func signedBy(f func(float64) string) func(float64) string {
	return func(v float64) string {
		if v > 0 {
			return "+" + f(v)
		}
		return f(v)
	}
}

// show formats an optional figure with f.
func show(p *float64, f func(float64) string) string {
	if p == nil {
		return noFigure
	}
	return f(*p)
}
