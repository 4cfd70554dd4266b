package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/shrinkscope/shrinkscope/findings"
	"github.com/shrinkscope/shrinkscope/internal/estate"
)

// Steps planted in the mixed run: 4× in 8 of a zone's blocks of the week
// (the zone's own series rises by their share), from a week drawn in
// weeks 8 … weeks−1.
const (
	mixedRatio  = 4.0
	mixedBlocks = 8
)

// mixed measures the false discovery proportion when some series did
// change: in each estate, planted zones step up in a few of their blocks,
// so a planted zone's series and those blocks are true changes from the
// step's week on, and its other blocks, and every other series, are not.
// It reports, over the judged estate-weeks, the mean false discovery
// proportion of all findings (both levels pooled), of the level-1 findings,
// and the average over the found zones of the share of false block
// findings among each zone's (the quantity Benjamini–Bogomolov bounds).
func mixed(cfg findings.Config, stores, weeks, seeds, planted int) {
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	fmt.Printf("\nMixed run: %d planted zones an estate (%.0f× in %d blocks each)\n", planted, mixedRatio, mixedBlocks)
	var fdp, fdp1, fdp2 []float64
	var found, changed int
	for seed := 1; seed <= seeds; seed++ {
		b := build(estate.Config{Seed: int64(seed), Stores: stores, Days: weeks * 7, End: end, NoChanges: true})
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		type zk struct{ store, zone string }
		zoneAt := map[zk]int{}
		blocksOf := map[zk][]int{}
		for i, s := range b.series {
			if s.Zone == "" {
				continue
			}
			z := zk{s.Store, s.Zone}
			if s.Block < 0 {
				zoneAt[z] = i
			} else {
				blocksOf[z] = append(blocksOf[z], i)
			}
		}
		var zones []zk
		for z := range zoneAt {
			if len(blocksOf[z]) >= mixedBlocks {
				zones = append(zones, z)
			}
		}
		// from[i]: the week series i changes from (absent: never).
		from := map[int]int{}
		for _, j := range rng.Perm(len(zones))[:min(planted, len(zones))] {
			z := zones[j]
			t0 := 8 + rng.IntN(weeks-8)
			zs := b.series[zoneAt[z]]
			from[zoneAt[z]] = t0
			for _, k := range rng.Perm(len(blocksOf[z]))[:mixedBlocks] {
				i := blocksOf[z][k]
				bs := b.series[i]
				from[i] = t0
				// The block's own rate per visitor before the step.
				var n int64
				var x float64
				for w := range t0 {
					n += bs.Counts[w]
					x += bs.Exposure[w]
				}
				rate := (float64(n) + 0.5) / math.Max(x, 1)
				for w := t0; w < weeks; w++ {
					extra := poisson(rng, (mixedRatio-1)*rate*bs.Exposure[w])
					bs.Counts[w] += extra
					zs.Counts[w] += extra
				}
			}
		}
		for t := cfg.MinHistory; t < weeks; t++ {
			got, _ := findings.Week(b.series, t, cfg)
			idx := map[findings.Key]int{}
			for i, s := range b.series {
				idx[s.Key] = i
			}
			for i, s := range b.series {
				if t0, ok := from[i]; ok && t >= t0 && s.Block < 0 {
					changed++
				}
			}
			var r, v, r1, v1 int
			perZone := map[zk][2]int{} // block findings, false ones
			for _, f := range got {
				t0, ok := from[idx[f.Key]]
				wrong := !ok || t < t0
				r++
				if wrong {
					v++
				}
				if f.Level == 1 {
					r1++
					if wrong {
						v1++
					} else if f.Zone != "" {
						found++
					}
					continue
				}
				c := perZone[zk{f.Store, f.Zone}]
				c[0]++
				if wrong {
					c[1]++
				}
				perZone[zk{f.Store, f.Zone}] = c
			}
			fdp = append(fdp, ratio(v, r))
			fdp1 = append(fdp1, ratio(v1, r1))
			// Benjamini–Bogomolov's average is over the zones found at level
			// 1, those with no block finding counting 0.
			zonesFound := 0
			sum := 0.0
			for _, f := range got {
				if f.Level == 1 && f.Zone != "" {
					zonesFound++
					if c := perZone[zk{f.Store, f.Zone}]; c[0] > 0 {
						sum += float64(c[1]) / float64(c[0])
					}
				}
			}
			fdp2 = append(fdp2, ratio2(sum, zonesFound))
		}
		fmt.Printf("seed %d: %d series, %d zones planted\n", seed, len(b.series), min(planted, len(zones)))
	}
	show := func(what string, xs []float64) {
		m, lo, hi := meanCI(xs)
		fmt.Printf("  %s: %.4f (95%% CI %.4f–%.4f)\n", what, m, lo, hi)
	}
	fmt.Printf("%d estate-weeks judged; planted zone-weeks found at level 1: %d of %d changed\n", len(fdp), found, changed)
	show("false discovery rate, both levels pooled (mean FDP)", fdp)
	show("false discovery rate of the level-1 findings", fdp1)
	show("average over found zones of the false share of their block findings", fdp2)
}

func ratio(v, r int) float64 {
	if r == 0 {
		return 0
	}
	return float64(v) / float64(r)
}

func ratio2(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// meanCI is the mean of xs with its normal 95% interval.
func meanCI(xs []float64) (m, lo, hi float64) {
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	se := math.Sqrt(ss / float64(len(xs)-1) / float64(len(xs)))
	return m, math.Max(0, m-1.96*se), m + 1.96*se
}
