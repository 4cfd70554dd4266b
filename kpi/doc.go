// Package kpi owns the facts — events, outcomes, footfall, sales — and has
// three jobs:
//
//   - ingest: validating batches and storing them once, all or nothing
//     (ingest.go, outcomes.go, footfall.go, sales.go, conflict.go, copybin.go);
//   - rollups and verify: keeping the per-store, zone and hour rollups equal
//     to a rebuild from the raw facts under concurrent writers, and proving it
//     on a live estate (rollup*.go, dirty.go, refresher.go, verify.go,
//     retention.go; the zone, category and method hours are packed a
//     store-day to a row, method_hours.go);
//   - reads: the KPIs of a scope and period from the rollups, never the raw
//     events: query.go takes the request, plan.go decides which rollups it
//     reads, request.go lists the statements, one builder per read shape in
//     read_*.go, each with its SQL template at the top (statement.go fills
//     the slots; testdata/reads/ shows every statement; the estate-wide
//     cuts by category, method and hour of week read packed rows,
//     read_estate_cuts.go, written by rollup_cuts.go in parts of 64
//     stores; the estate's store-level groupings, by day and week too,
//     read kpi_estate's rows, read_estate.go, and their money is converted
//     from its day rows, read_estate_money.go); read_basis.go
//     says how est_loss, an expected loss, discounts each store's open
//     events by its reviews' false share; targets.go, and the store totals
//     other packages weigh (store_totals.go).
//
// kpi imports no other package of the loop: its ingest declares the small
// code-resolution interface it needs (Directory), which layout fills.
package kpi
