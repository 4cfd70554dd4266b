package layout

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// HotThreshold is the relative risk a hotspot's probability is about: a
// zone's rate 50% or more above its store's.
const HotThreshold = 1.5

// ZoneCount is one zone's totals over a period.
type ZoneCount struct {
	Zone     string
	Events   int64
	Visitors int64
	EstLoss  float64
}

// Hotspot is one zone's place in its store's ranking.
type Hotspot struct {
	Rank      int      `json:"rank"`
	Zone      string   `json:"zone"`
	Category  string   `json:"category,omitempty"`
	Events    int64    `json:"events"`
	Visitors  int64    `json:"visitors"`
	RatePer1k *float64 `json:"rate_per_1k"`
	Expected  *float64 `json:"expected"` // events at the store's rate
	RawIndex  *float64 `json:"raw_index"`
	// Index is the empirical-Bayes hotspot index: the posterior mean of the
	// zone's rate relative to the store's.
	Index *float64 `json:"hotspot_index"`
	// ProbHot is P(relative rate ≥ 1.5 | data) under the posterior.
	ProbHot *float64 `json:"prob_rate_1_5x"`
	EstLoss float64  `json:"est_loss"`
}

// HotspotWindow is the period a hotspot ranking reads: at most 367 local
// days, by default the 28 ending yesterday in the store's zone (the caller
// sets Location); either end may be given alone.
var HotspotWindow = ss.PeriodRules{DefaultDays: 28, MaxDays: 367, DatesOnly: true, Open: true}

// Hotspots is a store's zone ranking for a period.
type Hotspots struct {
	Store          string    `json:"store"`
	From           string    `json:"from"`
	To             string    `json:"to"`
	StoreRatePer1k *float64  `json:"store_rate_per_1k"`
	PriorShape     *float64  `json:"prior_shape"` // Gamma(shape, shape) prior of relative rates; null: no spread beyond noise
	Zones          []Hotspot `json:"zones"`
}

// RankHotspots ranks zones by empirical-Bayes hotspot index. Each zone's
// expected count is its visitors at the store's rate (Σ events / Σ visitors
// over zones with footfall), so relative rates θ have mean 1; θ ~ Gamma(α,
// α) with α by Marshall's moments (stats.GammaPoissonMoments), and a zone
// with e events where E were expected has posterior Gamma(α + e, α + E).
// Its index is the posterior mean (e + α)/(E + α): a zone with two events
// in a quiet week stays near 1, one with steady high counts near its raw
// ratio. Zones without footfall come last, without an index.
func RankHotspots(zones []ZoneCount) (ranked []Hotspot, storeRate, priorShape float64) {
	var se, sv float64
	for _, z := range zones {
		if z.Visitors > 0 {
			se += float64(z.Events)
			sv += float64(z.Visitors)
		}
	}
	storeRate = math.NaN()
	if sv > 0 {
		storeRate = se / sv
	}
	ev := make([]float64, len(zones))
	ex := make([]float64, len(zones))
	for i, z := range zones {
		ev[i] = float64(z.Events)
		if z.Visitors > 0 && storeRate > 0 {
			ex[i] = float64(z.Visitors) * storeRate
		}
	}
	prior := stats.GammaPoissonMoments(ev, ex)
	f := func(v float64) *float64 { return &v }
	for i, z := range zones {
		h := Hotspot{Zone: z.Zone, Events: z.Events, Visitors: z.Visitors, EstLoss: math.Round(z.EstLoss*100) / 100}
		if z.Visitors > 0 {
			h.RatePer1k = f(1000 * float64(z.Events) / float64(z.Visitors))
		}
		if ex[i] > 0 {
			h.Expected = f(ex[i])
			h.RawIndex = f(ev[i] / ex[i])
			h.Index = f(prior.PosteriorMean(ev[i], ex[i]))
			h.ProbHot = f(prior.PosteriorExceeds(HotThreshold*prior.Mean, ev[i], ex[i]))
		}
		ranked = append(ranked, h)
	}
	slices.SortStableFunc(ranked, func(a, b Hotspot) int {
		switch {
		case a.Index == nil && b.Index == nil:
			return cmp.Compare(a.Zone, b.Zone)
		case a.Index == nil:
			return 1
		case b.Index == nil:
			return -1
		}
		if c := cmp.Compare(*b.Index, *a.Index); c != 0 {
			return c
		}
		return cmp.Compare(a.Zone, b.Zone)
	})
	for i := range ranked {
		ranked[i].Rank = i + 1
	}
	return ranked, storeRate, prior.Shape
}

// zoneCounts sums a store's zone-days over local dates from..to by zone
// code, for every current zone (zones without data count zero).
func (s *Service) zoneCounts(ctx context.Context, st *ss.Store, from, to time.Time) ([]ZoneCount, []ss.Zone, error) {
	zones, err := s.zonesTx(ctx, s.pool, st.ID)
	if err != nil {
		return nil, nil, err
	}
	days, err := s.kpis.ZoneDays(ctx, st.ID, from, to)
	if err != nil {
		return nil, nil, err
	}
	byID := map[int64]*ZoneCount{}
	counts := make([]ZoneCount, len(zones))
	for i, z := range zones {
		counts[i].Zone = z.Code
		byID[z.ID] = &counts[i]
	}
	for _, d := range days {
		if c := byID[d.ZoneID]; c != nil {
			c.Events += d.Events
			c.Visitors += d.Visitors
			c.EstLoss += d.EstLoss
		}
	}
	return counts, zones, nil
}

// Hotspots ranks a store's current zones over local dates from..to (both
// inclusive).
func (s *Service) Hotspots(ctx context.Context, storeCode string, from, to time.Time) (*Hotspots, error) {
	st, err := s.Store(ctx, storeCode)
	if err != nil {
		return nil, err
	}
	counts, zones, err := s.zoneCounts(ctx, st, from, to)
	if err != nil {
		return nil, err
	}
	ranked, rate, shape := RankHotspots(counts)
	cat := map[string]string{}
	for _, z := range zones {
		cat[z.Code] = z.Category
	}
	for i := range ranked {
		ranked[i].Category = cat[ranked[i].Zone]
	}
	out := &Hotspots{Store: storeCode, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Zones: ranked}
	if !math.IsNaN(rate) {
		v := 1000 * rate
		out.StoreRatePer1k = &v
	}
	if !math.IsInf(shape, 0) && !math.IsNaN(shape) {
		out.PriorShape = &shape
	}
	if out.Zones == nil {
		out.Zones = []Hotspot{}
	}
	return out, nil
}
