// Package segments is the store risk segmentation: each store's risk index
// and tier, the yearly return of each operating model, the recommended model
// with the sentence that explains it, and the daily record of those
// decisions. Its core (Decide) is pure; Service reads the figures through
// kpi and the stores through layout, and owns the segment_snapshots table.
package segments
