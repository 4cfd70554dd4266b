package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/shrinkscope/shrinkscope/findings"
)

// nullWeek is one week's judged level-1 p-values of the estate (its zone and
// method series), sorted, with what a planted zone's p-value must beat to
// be a finding among them.
type nullWeek struct {
	p []float64 // sorted
	// later[j]: some null p-value at sorted index ≥ j is itself under the
	// Benjamini–Hochberg line once one more series ranks before it; then
	// everything ranked before it, the planted series included, is found.
	later []bool
	m     int // the planted series included
}

func newNullWeek(series []findings.Series, t int, cfg findings.Config) nullWeek {
	var ps []float64
	for _, s := range series {
		if s.Block >= 0 {
			continue // level 2: tested only inside zones found at level 1, which the planted zone's test does not depend on
		}
		if v := findings.Judge(s.Weeks, t, cfg); v.Judged {
			ps = append(ps, v.P)
		}
	}
	sort.Float64s(ps)
	nw := nullWeek{p: ps, m: len(ps) + 1, later: make([]bool, len(ps)+1)}
	for j := len(ps) - 1; j >= 0; j-- {
		nw.later[j] = nw.later[j+1] || ps[j] <= cfg.FDR*float64(j+2)/float64(nw.m)
	}
	return nw
}

// found reports whether a planted series with p-value p is a finding.
func (nw nullWeek) found(p, fdr float64) bool {
	j := sort.SearchFloat64s(nw.p, p) // the planted series ranks j+1
	return p <= fdr*float64(j+1)/float64(nw.m) || nw.later[j]
}

// power plants, in one store's zone of the first estate, a step to r times
// a weekly rate of about e events from week t0 on, and asks whether the
// zone is found in week t0 and within weeks t0 … t0+3, against the estate's
// other series judged in those weeks. The planted counts follow the store's
// own weekly footfall.
func power(b *built, cfg findings.Config, weeks, trials int) {
	rng := rand.New(rand.NewPCG(7, 11))
	// Steps start between week 14 and weeks−4, so at least 8 weeks of
	// history and 4 weeks after.
	first, last := cfg.MinHistory+8, weeks-4
	nulls := map[int]nullWeek{}
	for t := first; t < weeks; t++ {
		nulls[t] = newNullWeek(b.series, t, cfg)
	}
	ratios := []float64{1.25, 1.5, 2, 3}
	expected := []float64{5, 10, 20, 50}
	m1 := nulls[first].m
	fmt.Printf("\nPower: %d planted steps per cell, step weeks %d–%d, m₁ = %d level-1 series; found in its first week / within 4 weeks\n", trials, first, last, m1)
	fmt.Printf("%-10s", "expected")
	for _, r := range ratios {
		fmt.Printf(" | %5.2f×: week 1, ≤ 4 wk", r)
	}
	fmt.Println()
	for _, e := range expected {
		fmt.Printf("%-10.0f", e)
		for _, r := range ratios {
			var now, soon int
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
				hit := -1
				for k := t0; k < t0+4; k++ {
					v := findings.Judge(w, k, cfg)
					if v.Judged && v.Direction == findings.Up && nulls[k].found(v.P, cfg.FDR) {
						hit = k - t0
						break
					}
				}
				if hit == 0 {
					now++
				}
				if hit >= 0 {
					soon++
				}
			}
			fmt.Printf(" | %6.1f %% %9.1f %%", 100*float64(now)/float64(trials), 100*float64(soon)/float64(trials))
		}
		fmt.Println()
	}
	// The information bound: with one changed series among m₁, it is found
	// only if its p-value is at most q/m₁ (it ranks first, and no other
	// series is under the line). The most powerful test of a known rate E
	// against rE over a known window of w weeks, at that level, is the
	// Neyman–Pearson test of the window's count (Poisson(wE) against
	// Poisson(wrE), randomised at its threshold). Found within 4 weeks
	// means one of four looks, each at q/m₁; no procedure of four such
	// looks has more power than the best single test of all four weeks at
	// 4q/m₁.
	alpha := cfg.FDR / float64(m1)
	fmt.Printf("\nInformation bound (Neyman–Pearson, known baseline and start): week 1 at q/m₁ = %.3g / 4 weeks at q/m₁ / 4 weeks at 4q/m₁\n", alpha)
	for _, e := range expected {
		fmt.Printf("%-10.0f", e)
		for _, r := range ratios {
			fmt.Printf(" | %5.1f %% %5.1f %% %5.1f %%", 100*npPower(e, r*e, alpha), 100*npPower(4*e, 4*r*e, alpha), 100*npPower(4*e, 4*r*e, 4*alpha))
		}
		fmt.Println()
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
