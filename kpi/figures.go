package kpi

import "math"

func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / den
	return &v
}

// derive computes the ratios of DESIGN.md from the counts.
func (f *Figures) derive() {
	if f.Visitors != nil && *f.Visitors > 0 {
		f.RatePer1k = ratio(1000*float64(f.Events), float64(*f.Visitors))
	} else {
		f.RatePer1k = nil
	}
	f.RecoveryRate = ratio(float64(f.Recovered), float64(f.Recovered+f.Lost))
	f.InterventionRate = ratio(float64(f.Interventions), float64(f.Events))
	f.FalsePositiveRate = ratio(float64(f.FalsePositives), float64(f.Recovered+f.Lost+f.FalsePositives))
	if f.Sales != nil {
		f.ShrinkPct = ratio(100*f.EstLoss, *f.Sales)
	}
	f.EstLoss = math.Round(f.EstLoss*100) / 100
	f.RecoveredValue = math.Round(f.RecoveredValue*100) / 100
}

// kpiValues lists the comparable KPIs of f by name.
func (f *Figures) kpiValues() map[string]*float64 {
	num := func(v float64) *float64 { return &v }
	var vis *float64
	if f.Visitors != nil {
		vis = num(float64(*f.Visitors))
	}
	return map[string]*float64{
		"events": num(float64(f.Events)), "visitors": vis, "rate_per_1k": f.RatePer1k,
		"est_loss": num(f.EstLoss), "recovered_value": num(f.RecoveredValue),
		"recovery_rate": f.RecoveryRate, "intervention_rate": f.InterventionRate,
		"response_p50": f.ResponseP50, "response_p90": f.ResponseP90,
		"false_positive_rate": f.FalsePositiveRate, "hotspot_index": f.HotspotIndex,
		"shrink_pct": f.ShrinkPct,
	}
}

// KPINames are the KPIs a target may be set on and a change is reported for.
var KPINames = []string{"events", "visitors", "rate_per_1k", "est_loss", "recovered_value", "recovery_rate",
	"intervention_rate", "response_p50", "response_p90", "false_positive_rate", "hotspot_index", "shrink_pct"}

// Changes are current − previous for each KPI both periods have; null
// where either is null. Fields follow KPINames.
type Changes struct {
	Events            *float64 `json:"events"`
	Visitors          *float64 `json:"visitors"`
	RatePer1k         *float64 `json:"rate_per_1k"`
	EstLoss           *float64 `json:"est_loss"`
	RecoveredValue    *float64 `json:"recovered_value"`
	RecoveryRate      *float64 `json:"recovery_rate"`
	InterventionRate  *float64 `json:"intervention_rate"`
	ResponseP50       *float64 `json:"response_p50"`
	ResponseP90       *float64 `json:"response_p90"`
	FalsePositiveRate *float64 `json:"false_positive_rate"`
	HotspotIndex      *float64 `json:"hotspot_index"`
	ShrinkPct         *float64 `json:"shrink_pct"`
}

// Values lists the changes by KPI name.
func (c *Changes) Values() map[string]*float64 {
	return map[string]*float64{
		"events": c.Events, "visitors": c.Visitors, "rate_per_1k": c.RatePer1k, "est_loss": c.EstLoss,
		"recovered_value": c.RecoveredValue, "recovery_rate": c.RecoveryRate, "intervention_rate": c.InterventionRate,
		"response_p50": c.ResponseP50, "response_p90": c.ResponseP90, "false_positive_rate": c.FalsePositiveRate,
		"hotspot_index": c.HotspotIndex, "shrink_pct": c.ShrinkPct,
	}
}

// change is current − previous for each KPI both periods have.
func change(cur, prev *Figures) Changes {
	d := func(a, b *float64) *float64 {
		if a == nil || b == nil {
			return nil
		}
		v := *a - *b
		return &v
	}
	n := func(v float64) *float64 { return &v }
	var vc, vp *float64
	if cur.Visitors != nil {
		vc = n(float64(*cur.Visitors))
	}
	if prev.Visitors != nil {
		vp = n(float64(*prev.Visitors))
	}
	return Changes{
		Events: n(float64(cur.Events - prev.Events)), Visitors: d(vc, vp), RatePer1k: d(cur.RatePer1k, prev.RatePer1k),
		EstLoss: n(cur.EstLoss - prev.EstLoss), RecoveredValue: n(cur.RecoveredValue - prev.RecoveredValue),
		RecoveryRate: d(cur.RecoveryRate, prev.RecoveryRate), InterventionRate: d(cur.InterventionRate, prev.InterventionRate),
		ResponseP50: d(cur.ResponseP50, prev.ResponseP50), ResponseP90: d(cur.ResponseP90, prev.ResponseP90),
		FalsePositiveRate: d(cur.FalsePositiveRate, prev.FalsePositiveRate), HotspotIndex: d(cur.HotspotIndex, prev.HotspotIndex),
		ShrinkPct: d(cur.ShrinkPct, prev.ShrinkPct),
	}
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
				one := 1.0
				f.HotspotIndex = &one
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
			h := (float64(f.Events) + alpha) / (expected[i] + alpha)
			h = math.Round(h*1000) / 1000
			f.HotspotIndex = &h
		}
	}
}
