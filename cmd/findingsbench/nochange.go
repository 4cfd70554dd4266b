package main

import (
	"fmt"

	"github.com/shrinkscope/shrinkscope/findings"
)

// tally counts one scope's findings on no-change estates, where every
// finding is false.
type tally struct {
	scope string
	// Over every seed: estate-weeks judged and with any finding, store-weeks
	// judged and with any, findings, distinct excursions (a series found
	// that was not found the week before).
	estateWeeks, weeksWithAny, storeWeeks, storeWeeksWithAny, total, episodes int
	// Each estate one draw: its share of weeks with any finding, and of
	// store-weeks; each store one draw: its share of its weeks with one.
	perSeed, perSeedStore, perStore []float64

	seedAny, seedStoreAny int
	storeAny              map[string]int
	last                  map[findings.Key]bool
}

func (ta *tally) startSeed() {
	ta.seedAny, ta.seedStoreAny = 0, 0
	ta.storeAny, ta.last = map[string]int{}, map[findings.Key]bool{}
}

func (ta *tally) week(got []found, stores int) {
	ta.estateWeeks++
	ta.storeWeeks += stores
	ta.total += len(got)
	if len(got) > 0 {
		ta.weeksWithAny++
		ta.seedAny++
	}
	with := map[string]bool{}
	now := map[findings.Key]bool{}
	for _, f := range got {
		with[f.Store] = true
		now[f.Key] = true
		if !ta.last[f.Key] {
			ta.episodes++
		}
	}
	ta.last = now
	ta.storeWeeksWithAny += len(with)
	ta.seedStoreAny += len(with)
	for st := range with {
		ta.storeAny[st]++
	}
}

func (ta *tally) endSeed(stores, weeks int) {
	ta.perSeed = append(ta.perSeed, float64(ta.seedAny)/float64(weeks))
	ta.perSeedStore = append(ta.perSeedStore, float64(ta.seedStoreAny)/float64(weeks*stores))
	for i := range stores {
		ta.perStore = append(ta.perStore, float64(ta.storeAny[fmt.Sprintf("S%03d", i+1)])/float64(weeks))
	}
}

func (ta *tally) print() {
	fmt.Printf("  %s scope:\n", ta.scope)
	lo, hi := wilson(ta.weeksWithAny, ta.estateWeeks)
	fmt.Printf("    estate-weeks with any finding: %d of %d = %.3f (Wilson 95%% CI %.3f–%.3f, weeks as independent)",
		ta.weeksWithAny, ta.estateWeeks, float64(ta.weeksWithAny)/float64(ta.estateWeeks), lo, hi)
	if len(ta.perSeed) > 1 {
		// A chance excursion stays in the 8-week windows for weeks, so the
		// weeks of one estate are not independent: the interval over seeds
		// treats each estate as one draw.
		m, lo, hi := meanCI(ta.perSeed)
		fmt.Printf("; by estate (each seed one draw, normal 95%% CI) %.3f (%.3f–%.3f)", m, lo, hi)
	}
	fmt.Println()
	lo, hi = wilson(ta.storeWeeksWithAny, ta.storeWeeks)
	fmt.Printf("    store-weeks with any finding: %d of %d = %.5f (Wilson 95%% CI %.5f–%.5f, store-weeks as independent)",
		ta.storeWeeksWithAny, ta.storeWeeks, float64(ta.storeWeeksWithAny)/float64(ta.storeWeeks), lo, hi)
	if len(ta.perStore) > 1 {
		// Stores are generated independently; a store's weeks are not.
		m, lo, hi := meanCI(ta.perStore)
		fmt.Printf("; by store (each store one draw, %d stores, normal 95%% CI) %.5f (%.5f–%.5f)", len(ta.perStore), m, lo, hi)
	}
	if len(ta.perSeedStore) > 1 {
		m, lo, hi := meanCI(ta.perSeedStore)
		fmt.Printf("; by estate %.5f (%.5f–%.5f)", m, lo, hi)
	}
	fmt.Println()
	fmt.Printf("    findings in all: %d, distinct excursions: %d\n", ta.total, ta.episodes)
}
