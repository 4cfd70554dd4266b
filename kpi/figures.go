package kpi

import (
	"math"
	"strconv"
	"strings"
)

// Precision of the figures, as the API documents it: money in whole cents,
// response times in tenths of a second, ratios (rates, shares, percentages
// and the hotspot index) to ratioDigits significant digits. Each figure is
// the float64 nearest its rounded decimal, so it prints as that decimal.
const ratioDigits = 4

func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	return significant(num / den)
}

// significant rounds v to ratioDigits significant digits.
func significant(v float64) *float64 {
	x, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', ratioDigits, 64), 64)
	return &x
}

// tenths rounds a response time to 0.1 s.
func tenths(v *float64) *float64 {
	if v == nil {
		return nil
	}
	x := math.Round(*v*10) / 10
	return &x
}

// toCents is a money figure in whole cents. Money figures hold the float64
// nearest a whole number of cents, so this recovers that number exactly.
func toCents(v float64) int64 { return int64(math.Round(v * 100)) }

// fromCents is a money figure of c cents.
func fromCents(c int64) float64 { return float64(c) / 100 }

// derive computes the ratios of DESIGN.md from the counts, at the
// precision the API documents.
func (f *Figures) derive() {
	f.EstLoss = fromCents(toCents(f.EstLoss))
	f.RecoveredValue = fromCents(toCents(f.RecoveredValue))
	f.PaidUnprompted = fromCents(toCents(f.PaidUnprompted))
	f.RecoveredByIntervention = fromCents(toCents(f.RecoveredValue) - toCents(f.PaidUnprompted))
	f.Reviewed = f.Recovered + f.Lost + f.Confirmed + f.FalsePositives
	if f.Visitors != nil && *f.Visitors > 0 {
		f.RatePer1k = ratio(1000*float64(f.Events), float64(*f.Visitors))
	} else {
		f.RatePer1k = nil
	}
	f.RecoveryRate = ratio(float64(f.Recovered), float64(f.Recovered+f.Lost))
	f.InterventionRate = ratio(float64(f.Interventions), float64(f.Events))
	f.FalsePositiveRate = ratio(float64(f.FalsePositives), float64(f.Reviewed))
	if f.Sales != nil {
		sales := fromCents(toCents(*f.Sales))
		f.Sales = &sales
		f.ShrinkPct = ratio(100*float64(toCents(f.EstLoss)), float64(toCents(sales)))
	}
	if f.missing&(missingEstLoss|missingSales) != 0 {
		f.Sales, f.ShrinkPct = f.moneyOrNil(missingSales, f.Sales), nil
	}
	f.ResponseP50, f.ResponseP90 = tenths(f.ResponseP50), tenths(f.ResponseP90)
}

// Changes are current − previous for each KPI both periods have; null
// where either is null. Fields follow KPIDefs.
type Changes struct {
	Events                  *float64 `json:"events"`
	Visitors                *float64 `json:"visitors"`
	RatePer1k               *float64 `json:"rate_per_1k"`
	EstLoss                 *float64 `json:"est_loss"`
	RecoveredValue          *float64 `json:"recovered_value"`
	RecoveredByIntervention *float64 `json:"recovered_by_intervention"`
	PaidUnprompted          *float64 `json:"paid_unprompted"`
	RecoveryRate            *float64 `json:"recovery_rate"`
	InterventionRate        *float64 `json:"intervention_rate"`
	ResponseP50             *float64 `json:"response_p50"`
	ResponseP90             *float64 `json:"response_p90"`
	FalsePositiveRate       *float64 `json:"false_positive_rate"`
	HotspotIndex            *float64 `json:"hotspot_index"`
	ShrinkPct               *float64 `json:"shrink_pct"`
}

// change is current − previous for each KPI both periods have, computed
// on the figures as shown: counts as integers, money in cents, and the
// rest as the exact difference of the two rounded decimals.
func change(cur, prev *Figures) *Changes {
	c := &Changes{}
	for _, d := range KPIDefs {
		*d.change(c) = d.diff(cur, prev)
	}
	return c
}

// decimalDiff is a − b rounded to the decimal places of the more precise of
// the two: both are short decimals, so that is their exact difference,
// without the binary noise of a float subtraction (0.3 − 0.1 =
// 0.19999999999999998). Null when either is.
func decimalDiff(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	places := max(decimals(*a), decimals(*b))
	v, _ := strconv.ParseFloat(strconv.FormatFloat(*a-*b, 'f', places, 64), 64)
	if v == 0 {
		v = 0 // no "-0"
	}
	return &v
}

// decimals is the number of decimal places v prints with.
func decimals(v float64) int {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// hotspots sets each zone's hotspot index: its events over those expected at
// its store's zone-visitor rate, shrunk toward 1 by an empirical-Bayes
// gamma–Poisson model (Marshall, "Mapping disease and mortality rates using
// empirical Bayes estimators", Applied Statistics 40(2), 1991): relative risk
// θ ~ Gamma(α, α), α from the method of moments over the store's zones, and
// the index is the posterior mean (e + α) / (E + α). A zone with two events
// in a quiet week stays near 1; a zone with many stays near its raw ratio.
func hotspots(res *periodResult) {
	byStore := map[string][]*Figures{}
	for key, f := range res.figures {
		if f.Visitors != nil && *f.Visitors > 0 {
			s := res.keys[key].Store
			byStore[s] = append(byStore[s], f)
		}
	}
	for _, zones := range byStore {
		var e, v float64
		for _, f := range zones {
			e += float64(f.Events)
			v += float64(*f.Visitors)
		}
		if e == 0 {
			for _, f := range zones {
				f.HotspotIndex = significant(1)
			}
			continue
		}
		rate := e / v
		n := float64(len(zones))
		var mean, meanInvE float64
		expected := make([]float64, len(zones))
		for i, f := range zones {
			expected[i] = float64(*f.Visitors) * rate
			mean += float64(f.Events) / expected[i] / n
			meanInvE += 1 / expected[i] / n
		}
		var s2 float64
		for i, f := range zones {
			d := float64(f.Events)/expected[i] - mean
			s2 += d * d / n
		}
		// Var(e/E) = 1/α + mean(1/E) under the model; a non-positive excess
		// means no detectable spread, so shrink fully (α very large).
		excess := s2 - meanInvE
		alpha := 1e9
		if excess > 1e-9 {
			alpha = 1 / excess
		}
		for i, f := range zones {
			f.HotspotIndex = significant((float64(f.Events) + alpha) / (expected[i] + alpha))
		}
	}
}
