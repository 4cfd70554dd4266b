package kpi

import "context"

// SetRefreshChunk makes each refresh transaction of r take at most n buckets.
func SetRefreshChunk(r *Rollups, n int) { r.chunk = n }

// SetAfterMark makes every writer of g call f after its dirty marks, before
// it commits.
func SetAfterMark(g *Ingester, f func(context.Context)) { g.afterMark = f }

// WithMoneySQL is q converting its money with moneySQL over every
// store-day, where kpi_estate's day rows would serve (read_estate_money.go).
func WithMoneySQL(q Query) Query { q.moneySQL = true; return q }

// WithStoreRows makes q read the store rows by day or week where
// kpi_estate's day rows would serve.
func WithStoreRows(q Query) Query { q.storeRows = true; return q }
