package kpi

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	ss "github.com/shrinkscope/shrinkscope"
)

// Store risk segmentation (DESIGN.md, "What it is for": stores are grouped by
// risk profile and each group gets the operating model that pays).
//
// SegmentStores is pure: it takes the figures the KPI queries measured over one
// window for every store of the estate and returns, per store, a risk index,
// a tier, the recommended operating model, the estimated yearly return of
// each model and a one-sentence rationale. No database, clock or I/O.

// (The function is not called Segment, as first sketched: Go does not allow a
// function and a type of the same name in one package, and the result type
// Segment keeps that name.)

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

// MinOwnResolved is the number of resolved (recovered + lost) events a store
// needs before its own recovery rate is trusted over the estate's pooled rate
// for the model it runs. Below it, one or two outcomes swing the rate by tens
// of points.
const MinOwnResolved = 20

// SegmentInput is one store's measured figures over a window and its profile.
type SegmentInput struct {
	Store          string
	Current        ss.OperatingModel // the model the store runs today
	Profile        ss.Profile        // UrbanDensity, TheftIndex, StaffingCapacity (≈1 typical)
	Days           int               // length of the window the figures cover
	Visitors       float64           // entrance visitors in the window
	Events         float64           // concealment events that were not false positives
	EstLoss        float64           // Σ est_value of lost and open events
	ConcealedValue float64           // Σ est_value of all non-false events (what was at risk)
	Recovered      float64           // count of recovered events
	Lost           float64           // count of lost (walked_out) events
	RecoveredValue float64
}

// SegmentWeights are the weights of the standardised factors in the risk
// index. The zero value as a whole means the defaults; once any weight is set,
// all six are used as given (so a factor can be switched off with 0).
type SegmentWeights struct {
	Rate           float64 // concealments per 1,000 visitors; default 0.35
	LossPerVisitor float64 // estimated loss per visitor; default 0.25
	Theft          float64 // local theft index; default 0.15
	Urban          float64 // urban density; default 0.10
	Footfall       float64 // visitors per day; default 0.10
	Staffing       float64 // staffing capacity; default -0.05 (more staff → slightly less risk)
}

// ModelCosts is the yearly cost per store of each operating model; a zero
// field takes its default.
type ModelCosts struct {
	SOC       float64 // default 60,000: remote operators plus a share of guards
	Checkout  float64 // default 25,000: POS linkage and nudges
	Detection float64 // default 6,000: analytics only
}

// SegmentConfig tunes SegmentStores. Zero values take the defaults documented on
// each field (see withDefaults).
type SegmentConfig struct {
	// Weights of the standardised factors in the risk index; the zero value
	// means Rate 0.35, LossPerVisitor 0.25, Theft 0.15, Urban 0.10,
	// Footfall 0.10, Staffing -0.05.
	Weights SegmentWeights
	// HighQuantile and LowQuantile cut the estate by the percentile of the
	// risk index (see segPercentiles): ≥ HighQuantile is high, < LowQuantile
	// is low, the rest medium. Defaults 0.75 and 0.40 (top quarter high,
	// bottom 40% low).
	HighQuantile, LowQuantile float64
	// StaffingShort: a staffing capacity below it is too short to run a SOC;
	// default 0.9.
	StaffingShort float64
	// Costs is the yearly cost per store of each model; a zero field takes
	// its default (SOC 60,000, Checkout 25,000, Detection 6,000).
	Costs ModelCosts
	// DefaultRecovery is the recovery rate assumed for a model when no store
	// of the estate running it has resolved events; a missing key takes its
	// default (soc 0.55, checkout 0.45, detection 0). Detection's rate is
	// always 0 whatever is set here: nobody intervenes.
	DefaultRecovery map[ss.OperatingModel]float64
}

// withDefaults returns c with every zero value replaced by its default. It
// copies DefaultRecovery rather than writing into the caller's map.
func (c SegmentConfig) withDefaults() SegmentConfig {
	if c.Weights == (SegmentWeights{}) {
		c.Weights = SegmentWeights{Rate: 0.35, LossPerVisitor: 0.25, Theft: 0.15, Urban: 0.10, Footfall: 0.10, Staffing: -0.05}
	}
	if c.HighQuantile == 0 {
		c.HighQuantile = 0.75
	}
	if c.LowQuantile == 0 {
		c.LowQuantile = 0.40
	}
	if c.StaffingShort == 0 {
		c.StaffingShort = 0.9
	}
	if c.Costs.SOC == 0 {
		c.Costs.SOC = 60_000
	}
	if c.Costs.Checkout == 0 {
		c.Costs.Checkout = 25_000
	}
	if c.Costs.Detection == 0 {
		c.Costs.Detection = 6_000
	}
	rec := map[ss.OperatingModel]float64{ss.ModelSOC: 0.55, ss.ModelCheckout: 0.45, ss.ModelDetection: 0}
	for m, r := range c.DefaultRecovery {
		rec[m] = r
	}
	c.DefaultRecovery = rec
	return c
}

// Segment is one store's risk segment and model recommendation.
type Segment struct {
	Store       string            `json:"store"`
	RiskIndex   float64           `json:"risk_index"` // Σ weight · z over the factors
	Tier        string            `json:"tier"`       // "high" | "medium" | "low"
	Current     ss.OperatingModel `json:"current_model"`
	Recommended ss.OperatingModel `json:"recommended_model"`
	Mismatch    bool              `json:"mismatch"` // Current != Recommended
	// Percentile is the store's mid-rank percentile of the risk index in the
	// estate, in [0, 1] (see segPercentiles).
	Percentile float64 `json:"percentile"`
	// Rationale is one sentence naming the figures that drove the result.
	Rationale string `json:"rationale"`
	// Factors holds each standardised factor (z-score), keyed by Factor*.
	Factors map[string]float64 `json:"factors"`
	// Returns is the estimated yearly return of each of the three models.
	Returns map[ss.OperatingModel]ModelReturn `json:"returns"`
}

// ModelReturn is the estimated yearly return of one operating model at one store.
type ModelReturn struct {
	RecoveryRate  float64 `json:"recovery_rate"`  // share of concealed value recovered
	PreventedLoss float64 `json:"prevented_loss"` // annual concealed value × RecoveryRate
	Cost          float64 `json:"cost"`           // yearly cost of the model
	Net           float64 `json:"net"`            // PreventedLoss − Cost
}

// segModels lists the models cheapest-first by default cost; it is also the
// fixed order that breaks exact ties.
var segModels = [3]ss.OperatingModel{ss.ModelDetection, ss.ModelCheckout, ss.ModelSOC}

// segFactor describes one factor of the risk index.
type segFactor struct {
	key    string
	weight func(SegmentWeights) float64
	// raw returns the store's raw value and whether it is defined: the
	// visitor-based factors are undefined when no visitors were counted.
	raw func(*SegmentInput) (float64, bool)
	// phrase renders a raw value for the rationale.
	phrase func(string) string
}

// segFactors is in weight order of the defaults; that order breaks ties when
// the rationale picks the two factors that moved the index most.
var segFactors = []segFactor{
	{FactorRate, func(w SegmentWeights) float64 { return w.Rate },
		func(in *SegmentInput) (float64, bool) {
			if !(in.Visitors > 0) {
				return 0, false
			}
			return segFinite(1000 * in.Events / in.Visitors)
		},
		func(v string) string { return v + " concealments per 1,000 visitors" }},
	{FactorLoss, func(w SegmentWeights) float64 { return w.LossPerVisitor },
		func(in *SegmentInput) (float64, bool) {
			if !(in.Visitors > 0) {
				return 0, false
			}
			return segFinite(in.EstLoss / in.Visitors)
		},
		func(v string) string { return v + " of loss per visitor" }},
	{FactorTheft, func(w SegmentWeights) float64 { return w.Theft },
		func(in *SegmentInput) (float64, bool) { return segFinite(in.Profile.TheftIndex) },
		func(v string) string { return "a theft index of " + v }},
	{FactorUrban, func(w SegmentWeights) float64 { return w.Urban },
		func(in *SegmentInput) (float64, bool) { return segFinite(in.Profile.UrbanDensity) },
		func(v string) string { return "an urban density of " + v }},
	{FactorFootfall, func(w SegmentWeights) float64 { return w.Footfall },
		func(in *SegmentInput) (float64, bool) {
			// Zero visitors means no counter, not an empty shop (the KPI
			// rate_per_1k is null then), so footfall is unknown too.
			if !(in.Visitors > 0) || in.Days <= 0 {
				return 0, false
			}
			return segFinite(in.Visitors / float64(in.Days))
		},
		func(v string) string { return v + " visitors a day" }},
	{FactorStaffing, func(w SegmentWeights) float64 { return w.Staffing },
		func(in *SegmentInput) (float64, bool) { return segFinite(in.Profile.StaffingCapacity) },
		func(v string) string { return "a staffing capacity of " + v }},
}

// SegmentStores scores every store of the estate in (one window's figures per
// store), tiers it, estimates the yearly return of each operating model and
// recommends one. The result is in the same order as in.
//
// Risk index. Each factor is standardised across the estate,
//
//	z = (x − mean) / sd,  sd the population standard deviation,
//
// so that factors on different scales (events per 1,000 visitors, money per
// visitor, indices around 1, visitors per day) become comparable and the
// weights mean what they say: the index is Σ weight · z, a store's distance
// above the estate average in weighted standard deviations. A factor that
// does not vary (sd 0) carries no information and gets z = 0. A store without
// counted visitors has no rate, loss per visitor or footfall: those are left
// out of the estate's mean and sd and the store gets z = 0 for them (it is
// treated as average, neither rewarded nor penalised for a missing counter).
//
// Tiers come from the store's percentile of the risk index (segPercentiles),
// not from fixed index thresholds, so the share of high-risk stores stays
// what the configuration says whatever the estate's spread.
//
// Model: high risk with staffing capacity ≥ StaffingShort → soc; high risk
// with short staffing → checkout (automatic nudges need no one on the floor);
// low risk → detection; medium → the model with the highest Net, ties going
// to the cheaper model.
//
// Returns: annual concealed value = ConcealedValue · 365 / Days, prevented
// loss = that × the model's recovery rate (segRecovery), Net = prevented
// loss − cost.
func SegmentStores(in []SegmentInput, cfg SegmentConfig) []Segment {
	cfg = cfg.withDefaults()
	n := len(in)
	out := make([]Segment, n)
	if n == 0 {
		return out
	}

	// Raw values, their estate mean/sd/median over defined values, z-scores.
	nf := len(segFactors)
	raw := make([][]float64, nf)
	ok := make([][]bool, nf)
	z := make([][]float64, nf)
	medians := make([]float64, nf)
	for f, fac := range segFactors {
		raw[f], ok[f], z[f] = make([]float64, n), make([]bool, n), make([]float64, n)
		var vals []float64
		for i := range in {
			raw[f][i], ok[f][i] = fac.raw(&in[i])
			if ok[f][i] {
				vals = append(vals, raw[f][i])
			}
		}
		mean, sd := segMeanSD(vals)
		medians[f] = segMedian(vals)
		for i := range in {
			if ok[f][i] && sd > 0 {
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
	pct := segPercentiles(index)
	pooled := segPooledRates(in)

	for i := range in {
		s := &in[i]
		seg := Segment{
			Store:      s.Store,
			RiskIndex:  index[i],
			Current:    s.Current,
			Percentile: pct[i],
			Factors:    make(map[string]float64, nf),
			Returns:    make(map[ss.OperatingModel]ModelReturn, len(segModels)),
		}
		for f, fac := range segFactors {
			seg.Factors[fac.key] = z[f][i]
		}
		switch {
		case n == 1:
			// One store has no estate to be ranked against.
			seg.Tier = TierMedium
		case pct[i] >= cfg.HighQuantile:
			seg.Tier = TierHigh
		case pct[i] < cfg.LowQuantile:
			seg.Tier = TierLow
		default:
			seg.Tier = TierMedium
		}

		annual := 0.0
		if s.Days > 0 {
			if v := s.ConcealedValue * 365 / float64(s.Days); v > 0 && !math.IsInf(v, 0) {
				annual = v
			}
		}
		for _, m := range segModels {
			rate := segRecovery(s, m, pooled, cfg)
			r := ModelReturn{RecoveryRate: rate, PreventedLoss: annual * rate, Cost: segCost(m, cfg)}
			r.Net = r.PreventedLoss - r.Cost
			seg.Returns[m] = r
		}

		short := !(s.Profile.StaffingCapacity >= cfg.StaffingShort)
		switch seg.Tier {
		case TierHigh:
			if short {
				seg.Recommended = ss.ModelCheckout
			} else {
				seg.Recommended = ss.ModelSOC
			}
		case TierLow:
			seg.Recommended = ss.ModelDetection
		default:
			seg.Recommended = segBestNet(seg.Returns)
		}
		seg.Mismatch = seg.Current != seg.Recommended

		contrib := make([]float64, nf)
		for f, fac := range segFactors {
			contrib[f] = fac.weight(cfg.Weights) * z[f][i]
		}
		seg.Rationale = segRationale(&seg, s, n, contrib, raw, medians, i, short, cfg)
		out[i] = seg
	}
	return out
}

// segPercentiles returns each value's mid-rank percentile in xs:
//
//	p_i = (#{j : x_j < x_i} + ½ · #{j : x_j = x_i}) / n
//
// the average of the empirical distribution function just below and at x_i
// (Hazen's plotting position (i − ½)/n when there are no ties). Compared with
// the plain rank/n it is symmetric — the lowest of n stores gets 1/(2n), the
// highest 1 − 1/(2n) — so a lone store sits at 0.5, and with many stores the
// share of p ≥ 0.75 tends to exactly a quarter. Ties get the same percentile,
// so equal indices always land in the same tier and the order of the input
// does not matter. Values within 1e-9 count as equal, so that indices equal
// up to floating-point rounding are ties.
func segPercentiles(xs []float64) []float64 {
	const tol = 1e-9
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	n := float64(len(xs))
	p := make([]float64, len(xs))
	for i, x := range xs {
		// below: values < x − tol; equal: values in [x − tol, x + tol].
		lo := sort.Search(len(sorted), func(k int) bool { return sorted[k] >= x-tol })
		hi := sort.Search(len(sorted), func(k int) bool { return sorted[k] > x+tol })
		p[i] = (float64(lo) + float64(hi-lo)/2) / n
	}
	return p
}

// segPooledRates returns, per model, the estate's pooled recovery rate
//
//	Σ recovered / Σ (recovered + lost)
//
// over the stores that run the model and have resolved events. Pooling counts
// (rather than averaging store rates) weights each store by how much evidence
// it has, so a store with 2 resolved events does not count as much as one with
// 200. A model that no store runs with resolved events is absent.
func segPooledRates(in []SegmentInput) map[ss.OperatingModel]float64 {
	rec := map[ss.OperatingModel]float64{}
	res := map[ss.OperatingModel]float64{}
	for i := range in {
		r, l := in[i].Recovered, in[i].Lost
		if !(r >= 0 && l >= 0 && r+l > 0) || math.IsInf(r+l, 0) {
			continue
		}
		rec[in[i].Current] += r
		res[in[i].Current] += r + l
	}
	out := map[ss.OperatingModel]float64{}
	for m, d := range res {
		out[m] = rec[m] / d
	}
	return out
}

// segRecovery is the recovery rate assumed for model m at store s: the store's
// own rate when it runs m with at least MinOwnResolved resolved events, else
// the estate's pooled rate for m, else cfg.DefaultRecovery[m]. Detection
// always recovers 0: nobody intervenes.
func segRecovery(s *SegmentInput, m ss.OperatingModel, pooled map[ss.OperatingModel]float64, cfg SegmentConfig) float64 {
	if m == ss.ModelDetection {
		return 0
	}
	if resolved := s.Recovered + s.Lost; s.Current == m && s.Recovered >= 0 && s.Lost >= 0 && resolved >= MinOwnResolved && !math.IsInf(resolved, 0) {
		return s.Recovered / resolved
	}
	if r, ok := pooled[m]; ok {
		return r
	}
	return cfg.DefaultRecovery[m]
}

func segCost(m ss.OperatingModel, cfg SegmentConfig) float64 {
	switch m {
	case ss.ModelSOC:
		return cfg.Costs.SOC
	case ss.ModelCheckout:
		return cfg.Costs.Checkout
	default:
		return cfg.Costs.Detection
	}
}

// segBestNet returns the model with the highest Net; Nets within a rounding
// error (1e-9 relative) tie, and a tie goes to the lower Cost, then to the
// order of segModels.
func segBestNet(r map[ss.OperatingModel]ModelReturn) ss.OperatingModel {
	best := segModels[0]
	for _, m := range segModels[1:] {
		a, b := r[m], r[best]
		tol := 1e-9 * math.Max(1, math.Max(math.Abs(a.Net), math.Abs(b.Net)))
		if a.Net > b.Net+tol || math.Abs(a.Net-b.Net) <= tol && a.Cost < b.Cost {
			best = m
		}
	}
	return best
}

// segRationale writes the one-sentence explanation of a segment.
func segRationale(seg *Segment, s *SegmentInput, n int, contrib []float64, raw [][]float64, medians []float64, i int, short bool, cfg SegmentConfig) string {
	var b strings.Builder
	b.WriteString(map[string]string{TierHigh: "High", TierMedium: "Medium", TierLow: "Low"}[seg.Tier])
	fmt.Fprintf(&b, " risk (index %s, %s percentile of %d %s): ",
		segIndex(seg.RiskIndex), segOrdinal(int(math.Round(100*seg.Percentile))), n, segPlural(n, "store", "stores"))

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
	if !(s.Visitors > 0) {
		b.WriteString("; no visitors were counted, so its rate and loss per visitor count as the estate average")
	}
	b.WriteString("; ")
	switch {
	case seg.Tier == TierHigh && !short:
		fmt.Fprintf(&b, "staffing capacity %s allows a SOC", segNum(s.Profile.StaffingCapacity))
	case seg.Tier == TierHigh:
		fmt.Fprintf(&b, "staffing capacity %s is short (below %s), so checkout validation rather than a SOC",
			segNum(s.Profile.StaffingCapacity), segNum(cfg.StaffingShort))
	case seg.Tier == TierLow:
		b.WriteString("low risk does not pay for intervention, so detection-led analytics")
	default:
		fmt.Fprintf(&b, "%s gives the best net return of %s per year",
			segModelName(seg.Recommended), segMoney(seg.Returns[seg.Recommended].Net))
	}
	if seg.Mismatch {
		fmt.Fprintf(&b, " (the store runs %s today)", segModelName(seg.Current))
	}
	b.WriteString(".")
	return b.String()
}

// segIndex writes the risk index with two decimals, never as "-0.00".
func segIndex(x float64) string {
	v := math.Round(x*100) / 100
	if v == 0 {
		v = 0 // drops the sign of -0
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func segModelName(m ss.OperatingModel) string {
	switch m {
	case ss.ModelSOC:
		return "a SOC"
	case ss.ModelCheckout:
		return "checkout validation"
	case ss.ModelDetection:
		return "detection-led analytics"
	case "":
		return "no model"
	}
	return strconv.Quote(string(m))
}

func segFinite(x float64) (float64, bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// segMeanSD returns the mean and population standard deviation of xs (the
// estate is the whole population, not a sample of it). A spread within
// floating-point noise of the mean — identical values whose mean rounded —
// is reported as 0.
func segMeanSD(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var sumsq float64
	for _, x := range xs {
		sumsq += (x - mean) * (x - mean)
	}
	sd = math.Sqrt(sumsq / float64(len(xs)))
	if sd <= 1e-12*math.Abs(mean) {
		sd = 0
	}
	return mean, sd
}

// segMedian returns the median of xs (the mean of the middle two for an even
// count), NaN when xs is empty. It does not modify xs.
func segMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// segNum rounds a figure for a sentence: two significant digits below 10
// (3.1, 0.41), one decimal below 100 (12.3), whole numbers with thousands
// separators above (1,240).
func segNum(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "n/a"
	case x == 0:
		return "0"
	case math.Abs(x) >= 100:
		return segMoney(x)
	case math.Abs(x) >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	d := 1 - int(math.Floor(math.Log10(math.Abs(x))))
	d = min(max(d, 1), 6)
	return strconv.FormatFloat(x, 'f', d, 64)
}

// segMoney renders x as a whole number with thousands separators: -12,345.
func segMoney(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	v := math.Round(x)
	sign := ""
	if v == 0 {
		v = 0 // drops the sign of -0
	}
	if v < 0 {
		sign, v = "-", -v
	}
	digits := strconv.FormatFloat(v, 'f', 0, 64)
	var b strings.Builder
	for k, c := range digits {
		if k > 0 && (len(digits)-k)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// segOrdinal writes 1st, 2nd, 3rd, 4th, 11th, 21st, …
func segOrdinal(k int) string {
	suffix := "th"
	if k%100 < 11 || k%100 > 13 {
		switch k % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(k) + suffix
}

func segPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
