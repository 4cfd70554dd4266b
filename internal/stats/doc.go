// Package stats holds the small statistical helpers that segmentation,
// evaluation, forecasting and staffing share: descriptive statistics over
// plain slices and the Erlang C queueing formulas. Every function is pure —
// no I/O, no clock — and documents how it treats empty or degenerate input.
package stats
