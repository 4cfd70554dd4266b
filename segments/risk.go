package segments

import (
	"fmt"
	"math"
	"strings"

	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// Keys of Segment.Factors, one per standardised factor.
const (
	FactorRate     = "rate_per_1k"       // 1000 · events / visitors
	FactorLoss     = "loss_per_visitor"  // est_loss / visitors
	FactorTheft    = "theft_index"       // Profile.TheftIndex
	FactorUrban    = "urban_density"     // Profile.UrbanDensity
	FactorFootfall = "footfall_per_day"  // visitors / days
	FactorStaffing = "staffing_capacity" // Profile.StaffingCapacity
)

// Risk tiers of Segment.Tier.
const (
	TierHigh   = "high"
	TierMedium = "medium"
	TierLow    = "low"
)

// segFactor describes one factor of the risk index.
type segFactor struct {
	key    string
	weight func(Weights) float64
	// raw returns the store's raw value and whether it is defined: the
	// visitor-based factors are undefined when no visitors were counted.
	raw func(*Input) (float64, bool)
	// phrase renders a raw value for the rationale.
	phrase func(string) string
}

// segFactors is in weight order of the defaults; that order breaks ties when
// the rationale picks the two factors that moved the index most.
var segFactors = []segFactor{
	{FactorRate, func(w Weights) float64 { return w.Rate },
		func(in *Input) (float64, bool) {
			if !(in.Visitors > 0) {
				return 0, false
			}
			return segFinite(1000 * in.Events / in.Visitors)
		},
		func(v string) string { return v + " concealments per 1,000 visitors" }},
	{FactorLoss, func(w Weights) float64 { return w.LossPerVisitor },
		func(in *Input) (float64, bool) {
			if !(in.Visitors > 0) {
				return 0, false
			}
			rate := in.ToReporting // loss per visitor compares across currencies in the reporting one
			if rate == 0 {
				rate = 1
			}
			return segFinite(in.EstLoss * rate / in.Visitors)
		},
		func(v string) string { return v + " of loss per visitor" }},
	{FactorTheft, func(w Weights) float64 { return w.Theft },
		func(in *Input) (float64, bool) { return segFinite(in.Profile.TheftIndex) },
		func(v string) string { return "a theft index of " + v }},
	{FactorUrban, func(w Weights) float64 { return w.Urban },
		func(in *Input) (float64, bool) { return segFinite(in.Profile.UrbanDensity) },
		func(v string) string { return "an urban density of " + v }},
	{FactorFootfall, func(w Weights) float64 { return w.Footfall },
		func(in *Input) (float64, bool) {
			// Zero visitors means no counter, not an empty shop (the KPI
			// rate_per_1k is null then), so footfall is unknown too.
			if !(in.Visitors > 0) || in.Days <= 0 {
				return 0, false
			}
			return segFinite(in.Visitors / float64(in.Days))
		},
		func(v string) string { return v + " visitors a day" }},
	{FactorStaffing, func(w Weights) float64 { return w.Staffing },
		func(in *Input) (float64, bool) { return segFinite(in.Profile.StaffingCapacity) },
		func(v string) string { return "a staffing capacity of " + v }},
}

// segRiskResult is one store's risk description.
type segRiskResult struct {
	index, percentile float64
	tier              string
	factors           map[string]float64
	// phrase is the clause of the rationale that explains the tier.
	phrase string
}

// segRisk scores and tiers every store of in.
//
// Each factor is standardised across the estate, z = (x − mean) / sd with the
// population sd, so that factors on different scales become comparable and
// the weights mean what they say: the index Σ weight · z is a store's
// distance above the estate average in weighted standard deviations. A
// factor that does not vary carries no information and gets z = 0. A store
// without counted visitors has no rate, loss per visitor or footfall: those
// are left out of the estate's mean and sd and the store gets z = 0 for them.
//
// Tiers come from the store's mid-rank percentile of the index
// (stats.MidRanks), so the share of high-risk stores stays what the
// configuration says whatever the estate's spread; a lone store is medium.
func segRisk(in []Input, cfg Config) []segRiskResult {
	n, nf := len(in), len(segFactors)
	raw := make([][]float64, nf)
	z := make([][]float64, nf)
	medians := make([]float64, nf)
	for f, fac := range segFactors {
		raw[f], z[f] = make([]float64, n), make([]float64, n)
		ok := make([]bool, n)
		var vals []float64
		for i := range in {
			raw[f][i], ok[i] = fac.raw(&in[i])
			if ok[i] {
				vals = append(vals, raw[f][i])
			}
		}
		mean, sd := stats.MeanSD(vals)
		medians[f] = stats.Median(vals)
		for i := range in {
			if ok[i] && sd > 0 {
				z[f][i] = (raw[f][i] - mean) / sd
			}
		}
	}
	index := make([]float64, n)
	for i := range in {
		for f, fac := range segFactors {
			index[i] += fac.weight(cfg.Weights) * z[f][i]
		}
	}
	pct := stats.MidRanks(index)
	out := make([]segRiskResult, n)
	for i := range in {
		r := segRiskResult{index: index[i], percentile: pct[i], factors: make(map[string]float64, nf)}
		contrib := make([]float64, nf)
		for f, fac := range segFactors {
			r.factors[fac.key] = z[f][i]
			contrib[f] = fac.weight(cfg.Weights) * z[f][i]
		}
		switch {
		case n == 1:
			r.tier = TierMedium
		case pct[i] >= cfg.HighQuantile:
			r.tier = TierHigh
		case pct[i] < cfg.LowQuantile:
			r.tier = TierLow
		default:
			r.tier = TierMedium
		}
		r.phrase = segRiskPhrase(&r, n, contrib, raw, medians, i, in[i].Visitors > 0)
		out[i] = r
	}
	return out
}

// segRiskPhrase writes "High risk (index 1.13, 88th percentile of 4 stores):
// <the two factors that moved the index most> against estate medians of …".
func segRiskPhrase(r *segRiskResult, n int, contrib []float64, raw [][]float64, medians []float64, i int, visitors bool) string {
	var b strings.Builder
	b.WriteString(map[string]string{TierHigh: "High", TierMedium: "Medium", TierLow: "Low"}[r.tier])
	fmt.Fprintf(&b, " risk (index %s, %s percentile of %d %s): ",
		segIndex(r.index), segOrdinal(int(math.Round(100*r.percentile))), n, segPlural(n, "store", "stores"))
	// The two factors that moved the index most, by |weight · z|; ties keep
	// the order of segFactors.
	top := []int{}
	for range 2 {
		best := -1
		for f := range contrib {
			if math.Abs(contrib[f]) <= 1e-12 || (len(top) == 1 && top[0] == f) {
				continue
			}
			if best < 0 || math.Abs(contrib[f]) > math.Abs(contrib[best])+1e-12 {
				best = f
			}
		}
		if best >= 0 {
			top = append(top, best)
		}
	}
	switch len(top) {
	case 0:
		b.WriteString("no factor stands out from the estate")
	case 1:
		f := top[0]
		fmt.Fprintf(&b, "%s against an estate median of %s",
			segFactors[f].phrase(segNum(raw[f][i])), segNum(medians[f]))
	default:
		f, g := top[0], top[1]
		fmt.Fprintf(&b, "%s and %s against estate medians of %s and %s",
			segFactors[f].phrase(segNum(raw[f][i])), segFactors[g].phrase(segNum(raw[g][i])),
			segNum(medians[f]), segNum(medians[g]))
	}
	if !visitors {
		b.WriteString("; no visitors were counted, so its rate and loss per visitor count as the estate average")
	}
	return b.String()
}

func segFinite(x float64) (float64, bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}
