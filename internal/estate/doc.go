// Package estate generates a deterministic synthetic estate — stores, zones,
// hourly footfall, concealment events, outcomes and daily sales — together
// with the ground truth that produced it (per-zone base rates, hour-of-week
// multipliers, the true effect of each layout change), so that the demo,
// tests and benchmarks can check KPIs and evaluations against known answers.
//
// Its one job is to make that data; it does no I/O. Facts are pushed to a
// Sink one at a time, so any number of stores and days can be generated in
// constant memory, and each store is generated from (Seed, store index)
// alone, so stores can be generated independently and in parallel.
package estate
