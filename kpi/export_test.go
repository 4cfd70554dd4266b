package kpi

import "context"

// SetRefreshChunk makes each refresh transaction of r take at most n buckets.
func SetRefreshChunk(r *Rollups, n int) { r.chunk = n }

// SetAfterMark makes every writer of g call f after its dirty marks, before
// it commits.
func SetAfterMark(g *Ingester, f func(context.Context)) { g.afterMark = f }
