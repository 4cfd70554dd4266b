package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/shrinkscope/shrinkscope/internal/estate"
	"github.com/shrinkscope/shrinkscope/internal/stats"
)

// chiSquare tests, on no-change estates, whether each zone series' weekly
// counts follow its footfall: Pearson's χ² = Σ (y − μ)²/μ over the weeks,
// μ = the series' total × the week's share of its footfall, on weeks − 1
// degrees of freedom (the total is fitted). Beside each series it draws a
// control: Poisson counts at exactly those μ, tested the same way, so the
// share failing at a level is compared with what the χ² approximation
// gives for counts that follow footfall by construction, at the same
// means (the approximation is poor for a few events a week). χ² is an
// omnibus test, weak against a step that lasts many weeks, so it also
// scans each series for a step: the largest |z| over the split weeks of
// the events before the split against their footfall share (binomial, given
// the total), counted above fixed levels for series and controls alike.
func chiSquare(stores, weeks, seeds int) {
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	type band struct {
		name   string
		lo, hi float64 // mean events a week
		n      int
		fail   [2][2]int // [generator, control][p < 0.001, p < 0.01]
	}
	bands := []*band{{name: "< 2 a week", lo: 0, hi: 2}, {name: "2–5", lo: 2, hi: 5}, {name: "5–20", lo: 5, hi: 20}, {name: "≥ 20", lo: 20, hi: 1e300}}
	all := &band{name: "all"}
	rng := rand.New(rand.NewPCG(3, 5))
	df := float64(weeks - 1)
	test := func(y []int64, x []float64) (float64, bool) {
		var n int64
		var sx float64
		for i, c := range y {
			n += c
			sx += x[i]
		}
		if n == 0 || !(sx > 0) {
			return 1, false
		}
		chi := 0.0
		for i, c := range y {
			mu := float64(n) * x[i] / sx
			chi += (float64(c) - mu) * (float64(c) - mu) / mu
		}
		return 1 - stats.GammaCDF(chi, df/2, 0.5), true
	}
	step := func(y []int64, x []float64) float64 {
		var n int64
		var sx float64
		for i, c := range y {
			n += c
			sx += x[i]
		}
		var best, x1 float64
		var n1 int64
		for k := 0; k < len(y)-1; k++ {
			n1 += y[k]
			x1 += x[k]
			sh := x1 / sx
			if v := float64(n) * sh * (1 - sh); v > 0 {
				best = max(best, math.Abs(float64(n1)-float64(n)*sh)/math.Sqrt(v))
			}
		}
		return best
	}
	levels := []float64{3.5, 4, 4.5, 5}
	var steps [2][]int // [generator, control] series with a step |z| above each level
	steps[0], steps[1] = make([]int, len(levels)), make([]int, len(levels))
	var worst, worstStep []string
	for seed := 1; seed <= seeds; seed++ {
		b := build(estate.Config{Seed: int64(seed), Stores: stores, Days: weeks * 7, End: end, NoChanges: true})
		for _, s := range b.series {
			if s.Block >= 0 || s.Zone == "" {
				continue
			}
			p, ok := test(s.Counts, s.Exposure)
			if !ok {
				continue
			}
			var n int64
			var sx float64
			for i, c := range s.Counts {
				n += c
				sx += s.Exposure[i]
			}
			ctrl := make([]int64, len(s.Counts))
			for i := range ctrl {
				ctrl[i] = poisson(rng, float64(n)*s.Exposure[i]/sx)
			}
			pc, _ := test(ctrl, s.Exposure)
			for k, z := range []float64{step(s.Counts, s.Exposure), step(ctrl, s.Exposure)} {
				for j, l := range levels {
					if z > l {
						steps[k][j]++
					}
				}
				if k == 0 && z > levels[2] {
					worstStep = append(worstStep, fmt.Sprintf("seed %d %s %s: step |z| %.2f, counts %v", seed, s.Store, s.Zone, z, s.Counts))
				}
			}
			mean := float64(n) / float64(len(s.Counts))
			for _, bd := range append(bands, all) {
				if bd != all && !(mean >= bd.lo && mean < bd.hi) {
					continue
				}
				bd.n++
				for k, q := range []float64{p, pc} {
					if q < 0.001 {
						bd.fail[k][0]++
					}
					if q < 0.01 {
						bd.fail[k][1]++
					}
				}
			}
			if p < 0.001 {
				worst = append(worst, fmt.Sprintf("seed %d %s %s: %.1f a week, p %.2g, counts %v", seed, s.Store, s.Zone, mean, p, s.Counts))
			}
		}
	}
	fmt.Printf("χ² of each zone series' %d weekly counts against footfall-proportional rates (df %d), %d no-change estates of %d stores; control: Poisson counts at those rates\n",
		weeks, weeks-1, seeds, stores)
	fmt.Printf("%-12s %8s | %-22s %-22s | %-22s %-22s\n", "mean/week", "series", "generator p<0.001", "control p<0.001", "generator p<0.01", "control p<0.01")
	for _, bd := range append(bands, all) {
		cell := func(k, j int) string {
			lo, hi := wilson(bd.fail[k][j], bd.n)
			return fmt.Sprintf("%d %.3f%% (%.3f–%.3f)", bd.fail[k][j], 100*float64(bd.fail[k][j])/float64(max(bd.n, 1)), 100*lo, 100*hi)
		}
		fmt.Printf("%-12s %8d | %-22s %-22s | %-22s %-22s\n", bd.name, bd.n, cell(0, 0), cell(1, 0), cell(0, 1), cell(1, 1))
	}
	for i, w := range worst {
		if i == 20 {
			fmt.Printf("… and %d more\n", len(worst)-20)
			break
		}
		fmt.Println("  " + w)
	}
	fmt.Printf("\nStep scan (largest |z| over the %d split weeks), %d series: generator / control above", weeks-1, all.n)
	for j, l := range levels {
		fmt.Printf(" | %.1f: %d / %d", l, steps[0][j], steps[1][j])
	}
	fmt.Println()
	for _, w := range worstStep {
		fmt.Println("  " + w)
	}
}
