package layout

import (
	"fmt"
	"math"
	"slices"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// Suggestion is a recommendation before its expected effect is attached.
type Suggestion struct {
	Kind      string
	Zones     []string
	Category  string
	Rationale string
}

// hot reports whether a zone is a hotspot worth acting on: it is probably
// (≥ 50%) at 1.5 times its store's rate or more, on at least 5 events.
func hot(h *Hotspot) bool {
	return h.ProbHot != nil && *h.ProbHot >= 0.5 && h.Events >= 5
}

// protective fixtures already in place.
var protectiveFixtures = []string{"locked_case", "cabinet", "security_peg", "counter", "behind_counter"}

// Suggest proposes changes for a store's hotspots, from its zones (with
// planogram properties) and their ranking. For each hot zone, in rank order:
//
//   - a blind spot: improve its sight lines;
//   - a high-value category (unit value at least 1.5× the store's median)
//     far from staff (over 8 m): swap it with the coldest zone within 8 m
//     of staff that holds a cheaper category, else move it next to the
//     checkout when the store has one and it is over 15 m away, else
//     relocate it toward a staffed or visible area;
//   - a high-value category on open fixtures: protective fixtures.
//
// A zone that meets none of these still gets protective fixtures when its
// index is at least 2: a hotspot that bad needs some answer.
func Suggest(zones []ss.Zone, ranked []Hotspot, storeRatePer1k float64) []Suggestion {
	byCode := map[string]ss.Zone{}
	values := make([]float64, 0, len(zones))
	hasCheckout := false
	for _, z := range zones {
		byCode[z.Code] = z.WithDefaults()
		values = append(values, z.UnitValue)
		if z.Kind == ss.KindCheckout {
			hasCheckout = true
		}
	}
	median := stats.Median(values)
	var out []Suggestion
	for i := range ranked {
		h := &ranked[i]
		z, ok := byCode[h.Zone]
		if !ok || !hot(h) || z.Kind == ss.KindCheckout || z.Kind == ss.KindEntrance {
			continue
		}
		why := rationale(h, z, storeRatePer1k)
		add := func(kind string, codes []string, action string) {
			out = append(out, Suggestion{Kind: kind, Zones: codes, Category: z.Category, Rationale: why + " " + action})
		}
		n := len(out)
		if z.Visibility == ss.VisibilityBlind {
			add(KindSightlines, []string{z.Code}, "It is a blind spot: lower the fixtures, add a mirror or a camera so staff can see it.")
		}
		highValue := z.UnitValue >= 1.5*median && z.UnitValue > 0
		if highValue && z.StaffedDistance > 8 {
			if p := swapPartner(ranked, byCode, z); p != "" {
				add(KindSwap, []string{z.Code, p}, fmt.Sprintf("It is %.0f m from staff: swap %s with the %s of %s, %.0f m from staff and cold.",
					z.StaffedDistance, z.Category, byCode[p].Category, p, byCode[p].StaffedDistance))
			} else if hasCheckout && z.StaffedDistance > 15 {
				add(KindToCheckout, []string{z.Code}, fmt.Sprintf("It is %.0f m from staff: move %s next to the checkout.", z.StaffedDistance, z.Category))
			} else {
				add(KindRelocate, []string{z.Code}, fmt.Sprintf("It is %.0f m from staff: move %s toward a staffed or visible area.", z.StaffedDistance, z.Category))
			}
		}
		if highValue && !slices.Contains(protectiveFixtures, z.Fixture) {
			add(KindProtective, []string{z.Code}, fmt.Sprintf("Its %s sits on open %s fixtures: fit locked cases, security caps or shelf alarms.", z.Category, z.Fixture))
		}
		if len(out) == n && h.Index != nil && *h.Index >= 2 {
			add(KindProtective, []string{z.Code}, "Fit protective fixtures (locked cases, security caps or shelf alarms) to its category.")
		}
	}
	return out
}

// swapPartner is the coldest zone near staff with a cheaper category.
func swapPartner(ranked []Hotspot, byCode map[string]ss.Zone, z ss.Zone) string {
	for i := len(ranked) - 1; i >= 0; i-- {
		h := &ranked[i]
		p, ok := byCode[h.Zone]
		if !ok || p.Code == z.Code || h.Index == nil || *h.Index >= 1 || hot(h) {
			continue
		}
		if p.StaffedDistance <= 8 && p.UnitValue < z.UnitValue && p.Kind != ss.KindCheckout && p.Kind != ss.KindEntrance {
			return p.Code
		}
	}
	return ""
}

func rationale(h *Hotspot, z ss.Zone, storeRatePer1k float64) string {
	rate := 0.0
	if h.RatePer1k != nil {
		rate = *h.RatePer1k
	}
	return fmt.Sprintf("Zone %s (%s, %.2f a unit) had %d concealments per %d visitors (%.2f per 1,000; the store %.2f): "+
		"hotspot index %.2f, probability %.0f%% that its rate is 1.5× the store's or more; estimated loss %.2f.",
		z.Code, z.Category, z.UnitValue, h.Events, h.Visitors, rate, storeRatePer1k, *h.Index, 100**h.ProbHot, h.EstLoss)
}

// Effect is the expected effect of a kind of change: a rate ratio with its
// 95% range, and what it rests on.
type Effect struct {
	RateRatio float64 `json:"rate_ratio"`
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
	EffectPct float64 `json:"effect_pct"`
	// BasedOn is the number of this estate's evaluated changes of the kind
	// pooled with the prior.
	BasedOn int `json:"based_on"`
}

// PoolEffect combines a kind's prior with the estate's evaluated changes of
// that kind on the log rate-ratio scale, each weighted by its precision —
// the normal–normal conjugate update, or equivalently fixed-effect
// inverse-variance pooling with the prior as one more study (Borenstein et
// al., Introduction to Meta-Analysis, 2009, ch. 11):
//
//	μ = (μ₀/σ₀² + Σ yᵢ/sᵢ²) / (1/σ₀² + Σ 1/sᵢ²),  sd = (1/σ₀² + Σ 1/sᵢ²)^−½
//
// so after a few precise evaluations the estate's evidence dominates the
// prior. The range is exp(μ ± 1.96 sd). Evaluations without a finite
// positive SE are skipped.
func PoolEffect(prior Prior, logRR, se []float64) Effect {
	w := 1 / (prior.LogSD * prior.LogSD)
	sum := w * math.Log(prior.RateRatio)
	n := 0
	for i := range logRR {
		if !(se[i] > 0) || math.IsInf(se[i], 0) || math.IsNaN(logRR[i]) {
			continue
		}
		wi := 1 / (se[i] * se[i])
		w += wi
		sum += wi * logRR[i]
		n++
	}
	mu, sd := sum/w, 1/math.Sqrt(w)
	r := func(v float64) float64 { return math.Round(v*1e4) / 1e4 }
	rr := math.Exp(mu)
	return Effect{RateRatio: r(rr), Low: r(math.Exp(mu - stats.Z975*sd)), High: r(math.Exp(mu + stats.Z975*sd)),
		EffectPct: math.Round(100*(rr-1)*10) / 10, BasedOn: n}
}
