package kpi

// SetRefreshChunk makes each refresh transaction of r take at most n buckets.
func SetRefreshChunk(r *Rollups, n int) { r.chunk = n }
