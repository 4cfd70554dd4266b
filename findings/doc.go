// Package findings says, each week, which series of the estate changed
// beyond chance, at a stated false discovery rate.
//
// A series is a store's zone, a zone's 3-hour block of the week, or a
// store's concealment method: its weekly event counts, with the store's
// footfall (of the week, or of the block) as exposure.
//
// # The test of one series
//
// Judge takes the K = MaxRun (8) newest weeks and up to History (52) weeks
// before them as the baseline, none of them across the series' breakpoint
// (a layout change of the zone). A year of baseline, not half of one: the
// window's own count dominates the test's noise, but a baseline of 26 weeks
// still cost the 1.5× step of docs/BENCHMARKS.md about five points of power
// (79.5 % found within 4 weeks against 84.5 %), in both directions, and
// the test's false-alarm rate does not depend on it (it is exact for any
// baseline over which the rate did not change). Given the n events of baseline and window
// together, under "no change" the weeks' counts are multinomial with their
// shares of the exposure, whatever the rate: the test conditions on n, so
// the baseline's own noise is accounted for exactly. The windows are the k
// newest weeks, k = 1 … K; the statistic is the smallest of their one-sided
// exact tails (the k newest weeks hold Binomial(n, X_k / X) events), each
// way, and its p-value the exact chance of a window tail as small under no
// change (scan.go: a walk back over the weeks, each week's count binomial
// given the events placed after it), which charges for the choice among
// nested windows what it costs, where a Bonferroni factor would charge for
// K independent ones (on the worked case of judge_test.go, 5 against 8).
// Drift = DriftCUSUM uses Page's CUSUM restricted to the same windows
// instead (max over k of S_k − κλX_k, κ = (δ−1)/ln δ), calibrated the same
// way. The series' p-value is the smaller direction's, doubled.
//
// # The correction over the estate (Select)
//
// Level 1: Benjamini–Hochberg at q = FDR over the m₁ zone and method series
// of the estate. Level 2: inside each zone found at level 1, its block
// series by Benjamini–Hochberg at q·R₁/m₁, R₁ the level-1 findings
// (Benjamini & Bogomolov 2014). For p-values independent between zones:
// the level-1 findings' false discovery rate is at most q; the average over
// found zones of each zone's share of false block findings has expectation
// at most q; where nothing changes, the chance of any finding in the week
// is at most q. The pooled rate over both levels has no bound as tight
// (Yekutieli 2008 bounds it by 2 × 1.44 × q for the like procedure that
// tests every family at q); docs/BENCHMARKS.md measures it.
//
// # The scope of the correction (SelectIn, Config.Scope)
//
// ScopeEstate (the default) runs Select once over every store's series, as
// above: about FDR of the estate's weeks where nothing changed have any
// finding at all, and a store's own list is almost never wrong, but a
// change competes with the m₁ series of the whole estate. ScopeStore runs
// Select within each store (level 1 over its own zone and method series,
// level 2 in its found zones at q·R₁/m₁ of that store): the guarantees
// above hold for each store alone, so about FDR of each store's weeks
// where nothing changed have a false finding, an estate of N stores about
// FDR·N such stores a week, and a change competes with its store's m₁
// (about 21) series only, which docs/BENCHMARKS.md shows is what power at
// modest changes needs.
//
// The tests are exact and discrete, so each p-value is conservative:
// P(p ≤ α) ≤ α under no change.
package findings
