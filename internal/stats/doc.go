// Package stats holds the small statistical helpers that segmentation,
// evaluation, forecasting and staffing share: descriptive statistics over
// plain slices, the Erlang C queueing formulas, the Poisson log-linear model
// fitted by IRLS with its quasi-Poisson dispersion, the Poisson–gamma
// empirical-Bayes prior, and the normal and gamma distribution functions.
// Every function is pure — no I/O, no clock — and documents how it treats
// empty or degenerate input.
package stats
