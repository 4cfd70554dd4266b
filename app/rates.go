package app

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// demoGBP is roughly what one unit of each demo currency was worth in
// pounds in 2025; the demo's rates wander a little around it day by day.
var demoGBP = map[ss.Currency]float64{
	"GBP": 1, "USD": 0.79, "EUR": 0.85, "AUD": 0.52, "INR": 0.0094, "JPY": 0.0053, "CAD": 0.58, "CHF": 0.9,
}

// DemoRates are daily rates to reporting for every currency of the estate's
// stores, over every local day its facts can fall on: deterministic, a
// slow swing of at most 2% around demoGBP, six significant digits.
func DemoRates(e *estate.Estate, reporting ss.Currency) ([]kpi.Rate, error) {
	base, ok := demoGBP[reporting]
	if !ok {
		return nil, fmt.Errorf("app: no demo rates against %s (have %v)", reporting, keys(demoGBP))
	}
	curs := map[ss.Currency]bool{}
	for _, s := range e.Stores {
		if s.Currency != reporting {
			curs[s.Currency] = true
		}
	}
	end := e.Config.End.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	start := end.AddDate(0, 0, -e.Config.Days-2)
	var out []kpi.Rate
	for _, c := range keys(curs) {
		gbp, ok := demoGBP[c]
		if !ok {
			return nil, fmt.Errorf("app: no demo rate for %s", c)
		}
		phase := float64(len(c)*int(c[0])%17) / 3
		for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
			t := float64(d.Unix()/86400) / 23
			r := gbp / base * (1 + 0.02*math.Sin(t+phase))
			out = append(out, kpi.Rate{Day: d.Format(time.DateOnly), Currency: c, Rate: sig6(r)})
		}
	}
	return out, nil
}

// LoadRates stores the demo's rates against the reporting currency of k.
func LoadRates(ctx context.Context, k *kpi.KPIs, e *estate.Estate) error {
	rates, err := DemoRates(e, k.ReportingCurrency())
	if err != nil {
		return err
	}
	for len(rates) > 0 {
		n := min(len(rates), kpi.MaxRates)
		if _, err := k.PutRates(ctx, rates[:n]); err != nil {
			return fmt.Errorf("app: demo rates: %w", err)
		}
		rates = rates[n:]
	}
	return nil
}

func sig6(v float64) float64 {
	p := math.Pow10(5 - int(math.Floor(math.Log10(v))))
	return math.Round(v*p) / p
}

func keys[V any](m map[ss.Currency]V) []ss.Currency {
	out := make([]ss.Currency, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
