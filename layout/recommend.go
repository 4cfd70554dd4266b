package layout

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

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

// Evidence is what is known of a zone beyond its hotspot figures when its
// remedy is chosen: how its concealments were done, when they came, and
// what was done to it before.
type Evidence struct {
	// Methods counts its concealments in the window by method.
	Methods map[ss.Method]int64
	// QuietShare is the share of its concealments that came in the store's
	// quiet hours (the third of its open hours with the fewest visitors,
	// where a staffing plan that follows footfall puts the fewest staff);
	// QuietVisitors the share of the store's visitors in those hours.
	QuietShare, QuietVisitors float64
	// Tried lists the layout changes made to the zone, newest first.
	Tried []Tried
}

// Tried is a change made to a zone, with its evaluation's verdict (empty
// when not evaluated yet) and rate ratio.
type Tried struct {
	Kind, Verdict, ImplementedAt string
	RateRatio                    *float64
}

// zoneCase is one hot zone as the remedy rules see it.
type zoneCase struct {
	zone        ss.Zone
	hot         *Hotspot
	ev          Evidence
	highValue   bool
	hasCheckout bool
	partner     string // the swap partner, if any
	byCode      map[string]ss.Zone
}

func (c *zoneCase) share(ms ...ss.Method) float64 {
	var n, all int64
	for m, k := range c.ev.Methods {
		all += k
		if slices.Contains(ms, m) {
			n += k
		}
	}
	if all == 0 {
		return 0
	}
	return float64(n) / float64(all)
}

// protectable: a category on a sales floor fixture can be locked or
// tagged; a fitting room or a service counter cannot (their goods are in
// shoppers' hands by design), nor what is already protected.
func (c *zoneCase) protectable() bool {
	return c.zone.Kind != ss.KindFitting && c.zone.Kind != ss.KindCounter && !slices.Contains(protectiveFixtures, c.zone.Fixture)
}

// remedy is a rule written once: when it applies to a hot zone, the kind of
// change it proposes, the zones it touches and what to do.
type remedy struct {
	kind    string
	applies func(c *zoneCase) bool
	action  func(c *zoneCase) (zones []string, text string)
}

// remedies are the cause → remedy rules, in the order they are proposed.
// Each hot zone gets every rule that applies, except kinds already tried
// on it that worked or are not measured yet (Suggest).
var remedies = []remedy{
	{KindSightlines, func(c *zoneCase) bool { return c.zone.Visibility == ss.VisibilityBlind },
		func(c *zoneCase) ([]string, string) {
			return []string{c.zone.Code}, "It is a blind spot: lower the fixtures, add a mirror or a camera so staff can see it."
		}},
	{KindStaff, func(c *zoneCase) bool {
		return c.ev.QuietShare >= 0.5 && c.ev.QuietShare >= 1.5*c.ev.QuietVisitors
	}, func(c *zoneCase) ([]string, string) {
		return []string{c.zone.Code}, fmt.Sprintf("%s of its concealments came in the store's quietest hours, which bring %s of its visitors: "+
			"put a colleague on the floor near it in those hours (raise the staffing plan's requirement there).",
			percent(c.ev.QuietShare), percent(c.ev.QuietVisitors))
	}},
	{KindSwap, func(c *zoneCase) bool { return c.highValue && c.zone.StaffedDistance > 8 && c.partner != "" },
		func(c *zoneCase) ([]string, string) {
			p := c.byCode[c.partner]
			return []string{c.zone.Code, p.Code}, fmt.Sprintf("It is %.0f m from staff: swap its %s with the %s of %s, %.0f m from staff and quiet.",
				c.zone.StaffedDistance, label(c.zone.Category), label(p.Category), p.Code, p.StaffedDistance)
		}},
	{KindToCheckout, func(c *zoneCase) bool {
		return c.highValue && c.zone.StaffedDistance > 15 && c.partner == "" && c.hasCheckout
	}, func(c *zoneCase) ([]string, string) {
		return []string{c.zone.Code}, fmt.Sprintf("It is %.0f m from staff: move its %s next to the checkout.", c.zone.StaffedDistance, label(c.zone.Category))
	}},
	{KindRelocate, func(c *zoneCase) bool {
		return c.highValue && c.zone.StaffedDistance > 8 && c.partner == "" && !(c.zone.StaffedDistance > 15 && c.hasCheckout)
	}, func(c *zoneCase) ([]string, string) {
		return []string{c.zone.Code}, fmt.Sprintf("It is %.0f m from staff: move its %s toward a staffed or visible area.", c.zone.StaffedDistance, label(c.zone.Category))
	}},
	{KindProtective, func(c *zoneCase) bool {
		// Locks and tags answer goods taken from the shelf into a bag or a
		// pocket; under clothing in a fitting room they do not reach.
		return c.highValue && c.protectable() && c.share(ss.MethodClothing) < 0.5
	}, func(c *zoneCase) ([]string, string) {
		return []string{c.zone.Code}, fmt.Sprintf("Its %s are on open %s fixtures: fit locked cases, security caps or shelf alarms.",
			label(c.zone.Category), label(c.zone.Fixture))
	}},
	{KindSignage, func(c *zoneCase) bool { return !c.highValue && c.share(ss.MethodPocket, ss.MethodSleeve) >= 0.6 },
		func(c *zoneCase) ([]string, string) {
			return []string{c.zone.Code}, fmt.Sprintf("%s of its concealments went into a pocket or sleeve, of goods too cheap to lock: "+
				"put up deterrence signage and a visible camera notice.", percent(c.share(ss.MethodPocket, ss.MethodSleeve)))
		}},
}

// fallback answers a zone as bad as an index of 2 that no rule fits: lock
// what can be locked (and is not concealed under clothing), else staff it.
func fallback(c *zoneCase) (string, []string, string) {
	if c.protectable() && c.share(ss.MethodClothing) < 0.5 {
		return KindProtective, []string{c.zone.Code}, fmt.Sprintf("Fit protective fixtures (locked cases, security caps or shelf alarms) to its %s.", label(c.zone.Category))
	}
	return KindStaff, []string{c.zone.Code}, "Its goods cannot be locked away here: put a colleague at it (an attendant, an item count at the door) in its busiest hours."
}

// worked reports whether a kind tried on a zone stops it being proposed
// again: it improved things, or it is not measured yet. A change measured
// no_clear_change or worse does not: a different kind is then proposed,
// naming it.
func worked(t Tried) bool { return t.Verdict != VerdictNoChange && t.Verdict != VerdictWorse }

// Suggest proposes changes for a store's hotspots, from its zones (with
// planogram properties), their ranking and each zone's evidence, by the
// rules of remedies, its money in the store's currency cur. A kind already tried on a zone is not proposed
// again unless it was measured no_clear_change or worse; then the other
// kinds' rationale says what was tried and what it did.
func Suggest(zones []ss.Zone, ranked []Hotspot, storeRatePer1k float64, evidence map[string]Evidence, window string, cur ss.Currency) []Suggestion {
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
		c := &zoneCase{zone: z, hot: h, ev: evidence[z.Code], hasCheckout: hasCheckout, byCode: byCode,
			highValue: z.UnitValue >= 1.5*median && z.UnitValue > 0}
		c.partner = swapPartner(ranked, byCode, z)
		blocked := map[string]bool{}
		var notes []string
		for _, t := range c.ev.Tried {
			if worked(t) {
				blocked[t.Kind] = true
				continue
			}
			note := fmt.Sprintf("%s was tried on %s and measured %s", label(t.Kind), t.ImplementedAt, label(t.Verdict))
			if t.RateRatio != nil {
				note += fmt.Sprintf(" (rate ×%.2f)", *t.RateRatio)
			}
			notes = append(notes, note)
			blocked[t.Kind] = true // a different kind this time
		}
		why := rationale(h, z, storeRatePer1k, window, cur)
		if len(notes) > 0 {
			why += " " + strings.Join(notes, "; ") + ", so another kind is proposed."
		}
		n := len(out)
		add := func(kind string, codes []string, action string) {
			if blocked[kind] {
				return
			}
			for _, s := range out[n:] {
				if s.Kind == kind {
					return
				}
			}
			out = append(out, Suggestion{Kind: kind, Zones: codes, Category: z.Category, Rationale: why + " " + action})
		}
		for _, r := range remedies {
			if r.applies(c) {
				codes, text := r.action(c)
				add(r.kind, codes, text)
			}
		}
		if len(out) == n && h.Index != nil && *h.Index >= 2 {
			kind, codes, text := fallback(c)
			add(kind, codes, text)
			if len(out) == n && kind != KindStaff {
				add(KindStaff, []string{z.Code}, "Put a colleague on the floor near it in its busiest hours.")
			}
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

func rationale(h *Hotspot, z ss.Zone, storeRatePer1k float64, window string, cur ss.Currency) string {
	rate := 0.0
	if h.RatePer1k != nil {
		rate = *h.RatePer1k
	}
	store := "not counted"
	if !math.IsNaN(storeRatePer1k) {
		store = grouped(storeRatePer1k, 2) + " per 1,000 entrance visitors"
	}
	return fmt.Sprintf("%s, zone %s (%s, %s a unit) had %s concealments per %s visitors of the zone (%s per 1,000; the store %s): "+
		"hotspot index %.2f, probability %.0f%% that its rate is 1.5× the store's or more; estimated loss %s.",
		window, z.Code, label(z.Category), money(cur, z.UnitValue), grouped(float64(h.Events), 0), grouped(float64(h.Visitors), 0),
		grouped(rate, 2), store, *h.Index, 100**h.ProbHot, money(cur, h.EstLoss))
}

// label is a code for people: "baby_formula" reads "baby formula".
func label(code string) string { return strings.ReplaceAll(code, "_", " ") }

func percent(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

// money is x as pages show it in the store's currency cur ("£1,800.00"),
// or with two decimals where the store has none.
func money(cur ss.Currency, x float64) string {
	if cur.Valid() {
		return cur.Format(x)
	}
	return grouped(x, 2)
}

// grouped is x with d decimals and thousands separators.
func grouped(x float64, d int) string { return ss.GroupThousands(strconv.FormatFloat(x, 'f', d, 64)) }

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

	mu, sd float64 // the log rate ratio's mean and SD, unrounded
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
		EffectPct: math.Round(100*(rr-1)*10) / 10, BasedOn: n, mu: mu, sd: sd}
}

// Tau2 is the DerSimonian–Laird estimate of the variance between true
// effects beyond each evaluation's own error, on the log rate-ratio scale:
// τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)), Q = Σ w (y − ȳ)², w = 1/s²
// (Borenstein et al. 2009, ch. 16). 0 with fewer than two evaluations.
func Tau2(logRR, se []float64) float64 {
	var sw, sw2, swy float64
	var ys, ws []float64
	for i := range logRR {
		if !(se[i] > 0) || math.IsInf(se[i], 0) || math.IsNaN(logRR[i]) {
			continue
		}
		w := 1 / (se[i] * se[i])
		ys, ws = append(ys, logRR[i]), append(ws, w)
		sw, sw2, swy = sw+w, sw2+w*w, swy+w*logRR[i]
	}
	if len(ys) < 2 {
		return 0
	}
	mean := swy / sw
	var q float64
	for i := range ys {
		q += ws[i] * (ys[i] - mean) * (ys[i] - mean)
	}
	return math.Max(0, (q-float64(len(ys)-1))/(sw-sw2/sw))
}

// CategoryEffect is a kind's effect on one category: the category's own
// evaluations pooled with a prior centred on the kind's effect, whose
// variance is the kind's own uncertainty plus τ², the spread of true
// effects between changes. Partial pooling: the category moves away from
// its kind only as far as its own evidence carries it.
func CategoryEffect(kind Effect, tau2 float64, logRR, se []float64) Effect {
	prior := Prior{RateRatio: math.Exp(kind.mu), LogSD: math.Sqrt(kind.sd*kind.sd + tau2)}
	return PoolEffect(prior, logRR, se)
}
