package kpi

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// bucket is one store's local hour, the unit the rollups are refreshed in.
type bucket struct {
	store int64
	hour  time.Time
}

// eventBuckets returns the sorted buckets a batch of events touches.
func (g *Ingester) eventBuckets(ctx context.Context, events []ss.Event) ([]bucket, error) {
	locs := map[string]*time.Location{}
	set := map[bucket]bool{}
	for i := range events {
		e := &events[i]
		loc, ok := locs[e.Store]
		if !ok {
			ref, err := g.dir.Store(ctx, e.Store, "")
			if err != nil {
				return nil, err
			}
			if ref == nil {
				return nil, fmt.Errorf("kpi: store %q vanished during ingest", e.Store)
			}
			loc = ref.Location
			locs[e.Store] = loc
		}
		set[bucket{e.StoreID, LocalHour(e.OccurredAt, loc)}] = true
	}
	return sortedBuckets(set), nil
}

func sortedBuckets(set map[bucket]bool) []bucket {
	out := make([]bucket, 0, len(set))
	for b := range set {
		out = append(out, b)
	}
	// A fixed order keeps concurrent ingest transactions from deadlocking on kpi_dirty.
	sort.Slice(out, func(i, j int) bool {
		if out[i].store != out[j].store {
			return out[i].store < out[j].store
		}
		return out[i].hour.Before(out[j].hour)
	})
	return out
}

// markDirty records buckets for the next rollup refresh, inside tx.
func markDirty(ctx context.Context, tx pgx.Tx, buckets []bucket) error {
	if len(buckets) == 0 {
		return nil
	}
	stores := make([]int64, len(buckets))
	hours := make([]time.Time, len(buckets))
	for i, b := range buckets {
		stores[i], hours[i] = b.store, b.hour
	}
	_, err := tx.Exec(ctx, `INSERT INTO kpi_dirty (store_id, hour) SELECT * FROM unnest($1::bigint[], $2::timestamptz[]) ON CONFLICT DO NOTHING`, stores, hours)
	return err
}
