package main

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/shrinkscope/shrinkscope/findings"
)

// nullWeek is one week's judged level-1 p-values of a family (the zone and
// method series of the estate, or of one store), sorted, with what a planted zone's p-value must beat to
// be a finding among them.
type nullWeek struct {
	p []float64 // sorted
	// later[j]: some null p-value at sorted index ≥ j is itself under the
	// Benjamini–Hochberg line once one more series ranks before it; then
	// everything ranked before it, the planted series included, is found.
	later []bool
	m     int // the planted series included
}

func newNullWeek(ps []float64, fdr float64) nullWeek {
	ps = slices.Clone(ps)
	sort.Float64s(ps)
	nw := nullWeek{p: ps, m: len(ps) + 1, later: make([]bool, len(ps)+1)}
	for j := len(ps) - 1; j >= 0; j-- {
		nw.later[j] = nw.later[j+1] || ps[j] <= fdr*float64(j+2)/float64(nw.m)
	}
	return nw
}

// found reports whether a planted series with p-value p is a finding.
func (nw nullWeek) found(p, fdr float64) bool {
	j := sort.SearchFloat64s(nw.p, p) // the planted series ranks j+1
	return p <= fdr*float64(j+1)/float64(nw.m) || nw.later[j]
}

// nullWeeks are one week's families of a scope: the whole estate's
// level-1 series under "" (ScopeEstate), or each store's under its code
// (ScopeStore). Level 2 is tested only inside zones found at level 1,
// which the planted zone's own test does not depend on.
func nullWeeks(jw judgedWeek, fdr float64, scope string) map[string]nullWeek {
	groups := map[string][]float64{}
	for i, k := range jw.keys {
		if k.Block >= 0 {
			continue
		}
		g := ""
		if scope == findings.ScopeStore {
			g = k.Store
		}
		groups[g] = append(groups[g], jw.ps[i])
	}
	out := map[string]nullWeek{}
	for g, ps := range groups {
		out[g] = newNullWeek(ps, fdr)
	}
	return out
}

// power plants, in one store's zone of the first estate, a step to r times
// a weekly rate of about e events from week t0 on, and asks whether the
// zone is found in week t0 and within weeks t0 … t0+3, against the other
// series of its family (the estate's, or its store's) judged in those
// weeks. The planted counts follow the store's own weekly footfall; every
// scope judges the same draws.
func power(b *built, cfg findings.Config, scopes []string, weeks, trials, stepFrom int) {
	rng := rand.New(rand.NewPCG(7, 11))
	// Steps start between week 14 (or stepFrom) and weeks−4, so at least 8
	// weeks of history and 4 weeks after.
	first, last := cfg.MinHistory+8, weeks-4
	if stepFrom > 0 {
		first = stepFrom
	}
	if first > last {
		log.Fatalf("findingsbench: steps from week %d need at least %d weeks, got %d", first, first+4, weeks)
	}
	var level1 []findings.Series
	for _, s := range b.series {
		if s.Block < 0 {
			level1 = append(level1, s)
		}
	}
	nulls := make([]map[int]map[string]nullWeek, len(scopes)) // scope → week → family
	for si := range scopes {
		nulls[si] = map[int]map[string]nullWeek{}
	}
	for t := first; t < weeks; t++ {
		jw := judgeWeek(level1, t, cfg)
		for si, sc := range scopes {
			nulls[si][t] = nullWeeks(jw, cfg.FDR, sc)
		}
	}
	family := func(si, store int) string {
		if scopes[si] == findings.ScopeStore {
			return fmt.Sprintf("S%03d", store+1)
		}
		return ""
	}
	ratios := []float64{1.25, 1.5, 2, 3}
	expected := []float64{5, 10, 20, 50}
	type cell struct{ now, soon []int } // by scope
	cells := map[[2]int]cell{}
	for ei, e := range expected {
		for ri, r := range ratios {
			c := cell{now: make([]int, len(scopes)), soon: make([]int, len(scopes))}
			for range trials {
				store := rng.IntN(len(b.exposure))
				x := b.exposure[store]
				mean := 0.0
				for _, v := range x[:weeks] {
					mean += v
				}
				mean /= float64(weeks)
				t0 := first + rng.IntN(last-first+1)
				w := findings.Weeks{Counts: make([]int64, weeks), Exposure: x}
				for k := range weeks {
					mu := e * x[k] / mean
					if k >= t0 {
						mu *= r
					}
					w.Counts[k] = poisson(rng, mu)
				}
				var vs [4]findings.Verdict
				for k := range 4 {
					vs[k] = findings.Judge(w, t0+k, cfg)
				}
				for si := range scopes {
					g := family(si, store)
					for k, v := range vs {
						if v.Judged && v.Direction == findings.Up && nulls[si][t0+k][g].found(v.P, cfg.FDR) {
							if k == 0 {
								c.now[si]++
							}
							c.soon[si]++
							break
						}
					}
				}
			}
			cells[[2]int{ei, ri}] = c
		}
	}
	for si, sc := range scopes {
		var ms []int
		for _, nw := range nulls[si][first] {
			ms = append(ms, nw.m)
		}
		slices.Sort(ms)
		m := ms[len(ms)/2]
		fmt.Printf("\nPower, %s scope: %d planted steps per cell, step weeks %d–%d, m₁ = %d level-1 series in the family (the planted one included; %d families, m₁ %d–%d); found in its first week / within 4 weeks\n",
			sc, trials, first, last, m, len(ms), ms[0], ms[len(ms)-1])
		fmt.Printf("%-10s", "expected")
		for _, r := range ratios {
			fmt.Printf(" | %5.2f×: week 1, ≤ 4 wk", r)
		}
		fmt.Println()
		for ei, e := range expected {
			fmt.Printf("%-10.0f", e)
			for ri := range ratios {
				c := cells[[2]int{ei, ri}]
				fmt.Printf(" | %6.1f %% %9.1f %%", 100*float64(c.now[si])/float64(trials), 100*float64(c.soon[si])/float64(trials))
			}
			fmt.Println()
		}
		// The information bound: with one changed series among m₁ of its
		// family, it is found only if its p-value is at most q/m₁ (it ranks
		// first, and no other series is under the line). The most powerful
		// test of a known rate E against rE over a known window of w weeks,
		// at that level, is the Neyman–Pearson test of the window's count
		// (Poisson(wE) against Poisson(wrE), randomised at its threshold).
		// Found within 4 weeks means one of four looks, each at q/m₁; no
		// procedure of four such looks has more power than the best single
		// test of all four weeks at 4q/m₁.
		alpha := cfg.FDR / float64(m)
		fmt.Printf("\nInformation bound, %s scope, m₁ = %d (Neyman–Pearson, known baseline and start): week 1 at q/m₁ = %.3g / 4 weeks at q/m₁ / 4 weeks at 4q/m₁\n", sc, m, alpha)
		for _, e := range expected {
			fmt.Printf("%-10.0f", e)
			for _, r := range ratios {
				fmt.Printf(" | %5.1f %% %5.1f %% %5.1f %%", 100*npPower(e, r*e, alpha), 100*npPower(4*e, 4*r*e, alpha), 100*npPower(4*e, 4*r*e, 4*alpha))
			}
			fmt.Println()
		}
	}
}

// npPower is the power of the most powerful level-alpha test of Poisson(mu0)
// against Poisson(mu1 > mu0): reject above c, and at c with the chance that
// brings the size to alpha exactly.
func npPower(mu0, mu1, alpha float64) float64 {
	c := int64(mu0)
	for findings.PoissonUpper(c, mu0) > alpha {
		c++
	}
	for c > 0 && findings.PoissonUpper(c-1, mu0) <= alpha {
		c--
	}
	// P0(X ≥ c) ≤ alpha < P0(X ≥ c−1): randomise at c−1.
	at := findings.PoissonUpper(c-1, mu0) - findings.PoissonUpper(c, mu0)
	gamma := (alpha - findings.PoissonUpper(c, mu0)) / at
	at1 := findings.PoissonUpper(c-1, mu1) - findings.PoissonUpper(c, mu1)
	return findings.PoissonUpper(c, mu1) + gamma*at1
}

// poisson draws from Poisson(mu) by Knuth's product of uniforms (mu here is
// at most a few hundred, well inside float64's range for e^−mu).
func poisson(r *rand.Rand, mu float64) int64 {
	l := math.Exp(-mu)
	var k int64
	for p := r.Float64(); p > l; p *= r.Float64() {
		k++
	}
	return k
}
