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
	// Marks are appended, never updated, so writers do not wait on each
	// other; a fixed order still makes the batch's marks easy to read.
	sort.Slice(out, func(i, j int) bool {
		if out[i].store != out[j].store {
			return out[i].store < out[j].store
		}
		return out[i].hour.Before(out[j].hour)
	})
	return out
}

// markDirty appends marks for buckets, inside tx, for the next rollup
// refresh (see Rollups for why appending loses nothing).
func (g *Ingester) markDirty(ctx context.Context, tx pgx.Tx, buckets []bucket) error {
	if len(buckets) == 0 {
		return nil
	}
	stores := make([]int64, len(buckets))
	hours := make([]time.Time, len(buckets))
	for i, b := range buckets {
		stores[i], hours[i] = b.store, b.hour
	}
	if _, err := tx.Exec(ctx, `INSERT INTO kpi_dirty (store_id, hour) SELECT * FROM unnest($1::bigint[], $2::timestamptz[])`, stores, hours); err != nil {
		return err
	}
	return g.marked(ctx)
}

// marked runs the test hook between a writer's marks and its commit.
func (g *Ingester) marked(ctx context.Context) error {
	if g.afterMark != nil {
		g.afterMark(ctx)
	}
	return nil
}
