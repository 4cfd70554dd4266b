// Package layout owns stores, their planogram zones and layout versions,
// hotspots, recommendations, layout changes and their before/after
// evaluation: storing them, resolving store and zone codes for ingest, and
// closing the merchandiser's loop (recommend → accept → implement →
// evaluate → learn).
//
// Imports point down: layout reads zone KPIs through kpi (kpi.ZoneDays),
// and kpi's ingest resolves codes through the small kpi.Directory interface
// that this package's Directory satisfies, so kpi never imports layout.
// The statistics (Poisson GLM, empirical-Bayes prior) live in
// internal/stats; the rules and models here — Fit, RankHotspots, Suggest,
// PoolEffect — are pure functions over plain values, and the Service
// around them only loads and stores.
//
// Scheduled work is exposed as plain methods for reports/ to run:
// Service.EvaluateDue (daily) and Service.RefreshRecommendations (weekly).
package layout
