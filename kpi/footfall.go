package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Footfall validates and upserts hourly visitor counts; a later count for the
// same store, zone and hour replaces the earlier one.
func (g *Ingester) Footfall(ctx context.Context, p *ss.Principal, in []ss.FootfallInput) (Result, error) {
	type key struct {
		store, zone int64
		hour        time.Time
	}
	rows, err := resolveLatest(g, ctx, p, in, func(i int, x *ss.FootfallInput, now time.Time, r *resolver, be *ss.BatchError) (ss.Footfall, key, bool) {
		f, ok := x.Parse(i, now, be)
		if !ok {
			return f, key{}, false
		}
		ref := r.store(i, f.Store, f.Zone, be)
		if ref == nil {
			return f, key{}, false
		}
		if f.Zone != "" {
			z, ok := r.zone(i, ref, f.Zone, be)
			if !ok {
				return f, key{}, false
			}
			f.ZoneID = z.ID
		}
		if !ss.OnLocalHour(f.Hour, ref.Location) {
			be.Add(i, "hour", "hour %s is not the start of an hour in the store's time zone %s", x.Hour, ref.Location)
			return f, key{}, false
		}
		if r.before(i, ref, "hour", f.Hour, be) {
			return f, key{}, false
		}
		f.StoreID = ref.ID
		return f, key{f.StoreID, f.ZoneID, f.Hour}, true
	})
	if err != nil {
		return Result{}, err
	}
	return g.StoreFootfall(ctx, rows)
}

// StoreFootfall upserts resolved footfall rows (StoreID and ZoneID set; no
// two rows with the same key).
func (g *Ingester) StoreFootfall(ctx context.Context, rows []ss.Footfall) (Result, error) {
	stores := make([]int64, len(rows))
	zones := make([]*int64, len(rows))
	hours := make([]time.Time, len(rows))
	visitors := make([]int64, len(rows))
	for i := range rows {
		stores[i], hours[i], visitors[i] = rows[i].StoreID, rows[i].Hour, rows[i].Visitors
		if rows[i].ZoneID != 0 {
			zones[i] = &rows[i].ZoneID
		}
	}
	set := make(map[bucket]bool, len(rows))
	for i := range rows {
		set[bucket{rows[i].StoreID, rows[i].Hour}] = true
	}
	err := pgx.BeginFunc(ctx, g.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
INSERT INTO footfall (store_id, zone_id, hour, visitors)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::bigint[])
ON CONFLICT ON CONSTRAINT footfall_key DO UPDATE SET visitors = excluded.visitors, updated_at = now()`,
			stores, zones, hours, visitors)
		if err != nil {
			return err
		}
		return g.markDirty(ctx, tx, sortedBuckets(set))
	})
	if err != nil {
		return Result{}, fmt.Errorf("kpi: store %d footfall rows: %w", len(rows), err)
	}
	return Result{Accepted: len(rows)}, nil
}
