package findings

import (
	"cmp"
	"math"
	"slices"
)

// Key names a series: a store's zone, a zone's block of the week (Block ≥ 0:
// day × 3 hours, 0 = Monday 00–03 local), or a store's method (Zone empty).
type Key struct {
	Store  string `json:"store"`
	Zone   string `json:"zone,omitempty"`
	Block  int    `json:"block"` // -1: the whole week
	Method string `json:"method,omitempty"`
}

// Blocks is the number of hour-of-week blocks: 7 days × 8 blocks of 3 hours.
const Blocks = 7 * 8

// BlockOf is the block of a local weekday (0 = Monday) and hour.
func BlockOf(weekday, hour int) int { return weekday*8 + hour/3 }

// Series is one series' weekly history.
type Series struct {
	Key
	Weeks
}

// Finding is a series found to have changed in the judged week.
type Finding struct {
	Key
	Verdict
	Selected
}

// Selected is one series' outcome of the estate-wide correction.
type Selected struct {
	// Level is where the series was judged: 1 for the zone and method
	// series of every store, 2 for the block series of a zone found at
	// level 1 (0: a block series whose zone was not found, so not judged).
	Level int
	// Q is the series' q-value at its level: found when Q ≤ FDR. At level
	// 1 the Benjamini–Hochberg q-value over every level-1 series; at level
	// 2 the q-value among the zone's blocks divided by R₁/m₁, the share of
	// level-1 series found.
	Q     float64
	Found bool
}

// SelectIn is Select run over each family of scope: once over the whole
// estate (ScopeEstate: Select itself), or once within each store
// (ScopeStore: level 1 over that store's zone and method series, level 2
// inside its found zones at FDR·R₁/m₁ with the store's own R₁ and m₁), so
// Select's guarantees hold for each store alone: where nothing changes in
// a store, the chance of any finding in its week is at most fdr, whatever
// the other stores do.
func SelectIn(keys []Key, ps []float64, fdr float64, scope string) []Selected {
	if scope != ScopeStore {
		return Select(keys, ps, fdr)
	}
	byStore := map[string][]int{}
	var stores []string
	for i, k := range keys {
		if byStore[k.Store] == nil {
			stores = append(stores, k.Store)
		}
		byStore[k.Store] = append(byStore[k.Store], i)
	}
	out := make([]Selected, len(keys))
	for _, st := range stores {
		idx := byStore[st]
		ks, qs := make([]Key, len(idx)), make([]float64, len(idx))
		for j, i := range idx {
			ks[j], qs[j] = keys[i], ps[i]
		}
		for j, sel := range Select(ks, qs, fdr) {
			out[idx[j]] = sel
		}
	}
	return out
}

// Select is the hierarchical correction of one week's p-values, of the
// series keys (Benjamini & Bogomolov 2014, "Selective inference on
// multiple families of hypotheses", JRSS B 76:297–318, with the
// Benjamini–Hochberg selection rule):
//
//  1. Level 1: Benjamini–Hochberg at fdr over the m₁ zone and method
//     series (Block < 0) of keys (the whole estate, or one store: SelectIn);
//     R₁ of them are found.
//  2. Level 2: inside each zone found at level 1, its block series are
//     one family, tested by Benjamini–Hochberg at fdr·R₁/m₁. The block
//     series of zones not found are not tested.
//
// The guarantees, for p-values independent between zones (and within a
// family independent or positively dependent): the false discovery rate
// of the level-1 findings is at most fdr (Benjamini & Hochberg 1995); the
// expected average, over the zones found, of the share of false findings
// among each zone's block findings is at most fdr (Benjamini & Bogomolov
// 2014, Theorem 1; the zone's own series is a valid test of "no block
// changed", the sum of its blocks). Where nothing changes anywhere, a
// block series can only be found in a zone falsely found at level 1, so
// the chance of any finding at all in the estate's week is at most fdr.
// The false discovery rate of level 1 and 2 pooled carries no theorem of
// its own; docs/BENCHMARKS.md measures it.
func Select(keys []Key, ps []float64, fdr float64) []Selected {
	out := make([]Selected, len(keys))
	var first []int
	for i, k := range keys {
		if k.Block < 0 {
			first = append(first, i)
		}
	}
	p1 := make([]float64, len(first))
	for j, i := range first {
		p1[j] = ps[i]
	}
	type zone struct{ store, zone string }
	found := map[zone]bool{}
	r1 := 0
	for j, q := range BH(p1) {
		i := first[j]
		out[i] = Selected{Level: 1, Q: q, Found: q <= fdr}
		if q <= fdr {
			r1++
			if keys[i].Zone != "" {
				found[zone{keys[i].Store, keys[i].Zone}] = true
			}
		}
	}
	if r1 == 0 {
		return out
	}
	share := float64(r1) / float64(len(first))
	families := map[zone][]int{}
	for i, k := range keys {
		if z := (zone{k.Store, k.Zone}); k.Block >= 0 && found[z] {
			families[z] = append(families[z], i)
		}
	}
	for _, fam := range families {
		pf := make([]float64, len(fam))
		for j, i := range fam {
			pf[j] = ps[i]
		}
		for j, q := range BH(pf) {
			q = math.Min(1, q/share)
			out[fam[j]] = Selected{Level: 2, Q: q, Found: q <= fdr}
		}
	}
	return out
}

// Week judges week t of every series and keeps the findings of SelectIn
// over cfg.Scope,
// most significant first. judged is how many series had history enough to
// be judged, at either level.
func Week(series []Series, t int, cfg Config) (found []Finding, judged int) {
	cfg = cfg.withDefaults()
	var vs []Finding
	for _, s := range series {
		v := Judge(s.Weeks, t, cfg)
		if !v.Judged {
			continue
		}
		vs = append(vs, Finding{Key: s.Key, Verdict: v})
	}
	keys, ps := make([]Key, len(vs)), make([]float64, len(vs))
	for i := range vs {
		keys[i], ps[i] = vs[i].Key, vs[i].P
	}
	for i, sel := range SelectIn(keys, ps, cfg.FDR, cfg.Scope) {
		vs[i].Selected = sel
		if sel.Found {
			vs[i].interval(cfg)
			found = append(found, vs[i])
		}
	}
	slices.SortStableFunc(found, func(a, b Finding) int { return cmp.Compare(a.P, b.P) })
	return found, len(vs)
}
