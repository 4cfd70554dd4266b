package kpi

import (
	"context"
	"log/slog"
	"time"
)

// Run refreshes dirty rollup buckets every interval until ctx ends, so KPIs
// trail ingest by about one interval. Several replicas may run it: each
// refresh waits its turn on an advisory lock.
func (r *Rollups) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		start := time.Now()
		n, err := r.Refresh(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("rollup refresh failed", "err", err)
		case n > 0:
			log.Debug("rollups refreshed", "buckets", n, "duration", time.Since(start))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
