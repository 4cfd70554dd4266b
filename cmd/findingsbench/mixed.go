package main

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
func mixed(cfg findings.Config, scopes []string, stores, weeks, seeds, planted int) {
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	fmt.Printf("\nMixed run: %d planted zones an estate (%.0f× in %d blocks each), FDR %.2f over %v\n", planted, mixedRatio, mixedBlocks, cfg.FDR, scopes)
	type zk struct{ store, zone string }
	type stats struct {
		fdp, fdp1, fdp2 []float64 // by estate-week
		// By store-week: the store's own false discovery proportion, both
		// levels pooled and level 1 (0 where it has no finding).
		storeFDP, storeFDP1 []float64
		// Store-weeks of stores with no planted change, and those of them
		// with any finding (every one false).
		quietWeeks, quietAny int
		found                int
	}
	st := make([]*stats, len(scopes))
	for i := range st {
		st[i] = &stats{}
	}
	var changed, estateWeeks int
	for seed := 1; seed <= seeds; seed++ {
		b := build(estate.Config{Seed: int64(seed), Stores: stores, Days: weeks * 7, End: end, NoChanges: true})
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
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
		slices.SortFunc(zones, func(a, b zk) int { return cmp.Or(cmp.Compare(a.store, b.store), cmp.Compare(a.zone, b.zone)) })
		// from[i]: the week series i changes from (absent: never).
		from := map[int]int{}
		plantedStore := map[string]bool{}
		for _, j := range rng.Perm(len(zones))[:min(planted, len(zones))] {
			z := zones[j]
			plantedStore[z.store] = true
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
		idx := map[findings.Key]int{}
		for i, s := range b.series {
			idx[s.Key] = i
		}
		for t := cfg.MinHistory; t < weeks; t++ {
			jw := judgeWeek(b.series, t, cfg)
			estateWeeks++
			for i, s := range b.series {
				if t0, ok := from[i]; ok && t >= t0 && s.Block < 0 {
					changed++
				}
			}
			for si, sc := range scopes {
				got := jw.selectWeek(cfg.FDR, sc)
				a := st[si]
				var r, v, r1, v1 int
				perZone := map[zk][2]int{}      // block findings, false ones
				perStore := map[string][4]int{} // findings, false ones; level 1: findings, false ones
				for _, f := range got {
					t0, ok := from[idx[f.Key]]
					wrong := !ok || t < t0
					c := perStore[f.Store]
					r++
					c[0]++
					if wrong {
						v++
						c[1]++
					}
					if f.Level == 1 {
						r1++
						c[2]++
						if wrong {
							v1++
							c[3]++
						} else if f.Zone != "" {
							a.found++
						}
					} else {
						z := perZone[zk{f.Store, f.Zone}]
						z[0]++
						if wrong {
							z[1]++
						}
						perZone[zk{f.Store, f.Zone}] = z
					}
					perStore[f.Store] = c
				}
				a.fdp = append(a.fdp, ratio(v, r))
				a.fdp1 = append(a.fdp1, ratio(v1, r1))
				// Benjamini–Bogomolov's average is over the zones found at
				// level 1, those with no block finding counting 0.
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
				a.fdp2 = append(a.fdp2, ratio2(sum, zonesFound))
				for i := range b.exposure {
					code := fmt.Sprintf("S%03d", i+1)
					c := perStore[code]
					a.storeFDP = append(a.storeFDP, ratio(c[1], c[0]))
					a.storeFDP1 = append(a.storeFDP1, ratio(c[3], c[2]))
					if !plantedStore[code] {
						a.quietWeeks++
						if c[0] > 0 {
							a.quietAny++
						}
					}
				}
			}
		}
		fmt.Printf("seed %d: %d series, %d zones planted in %d stores\n", seed, len(b.series), min(planted, len(zones)), len(plantedStore))
	}
	show := func(what string, xs []float64) {
		m, lo, hi := meanCI(xs)
		fmt.Printf("    %s: %.4f (95%% CI %.4f–%.4f)\n", what, m, lo, hi)
	}
	fmt.Printf("%d estate-weeks judged; %d planted zone-weeks changed\n", estateWeeks, changed)
	for si, sc := range scopes {
		a := st[si]
		fmt.Printf("  %s scope: planted zone-weeks found at level 1: %d of %d\n", sc, a.found, changed)
		show("false discovery rate, both levels pooled over the estate (mean FDP of estate-weeks)", a.fdp)
		show("false discovery rate of the estate's level-1 findings", a.fdp1)
		show("average over found zones of the false share of their block findings", a.fdp2)
		show("mean over store-weeks of the store's own FDP, both levels (0: no finding)", a.storeFDP)
		show("mean over store-weeks of the store's own level-1 FDP", a.storeFDP1)
		lo, hi := wilson(a.quietAny, a.quietWeeks)
		fmt.Printf("    store-weeks with any finding, stores with no planted change: %d of %d = %.4f (Wilson 95%% CI %.4f–%.4f)\n",
			a.quietAny, a.quietWeeks, float64(a.quietAny)/float64(a.quietWeeks), lo, hi)
	}
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
