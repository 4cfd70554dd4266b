package layout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
)

// directoryTTL bounds how long a cached store may serve stale zone
// categories or values after another replica changes them; an unknown code
// always reloads, so new stores and zones are seen at once.
const directoryTTL = 30 * time.Second

// cached is a resolved store and when it was loaded.
type cached struct {
	ref    *ss.StoreRef
	loaded time.Time
}

// Directory resolves store and zone codes to ids, cached in memory. It
// satisfies kpi.Directory, the resolver ingest declares.
type Directory struct {
	pool atomic.Pointer[pgxpool.Pool] // where loads go (SetPool)
	mu   sync.Mutex
	m    map[string]cached
}

func newDirectory(pool *pgxpool.Pool) *Directory {
	d := &Directory{m: map[string]cached{}}
	d.pool.Store(pool)
	return d
}

// SetPool sends the directory's loads to pool: the pool ingest has to
// itself, so that resolving a batch's codes never waits behind reads.
func (d *Directory) SetPool(pool *pgxpool.Pool) { d.pool.Store(pool) }

func (d *Directory) forget(code string) {
	d.mu.Lock()
	delete(d.m, code)
	d.mu.Unlock()
}

// Store returns the store with code; nil (and no error) when there is none.
// A cached entry that lacks zone is reloaded once, so zones added by another
// replica are found.
func (d *Directory) Store(ctx context.Context, code, zone string) (*ss.StoreRef, error) {
	d.mu.Lock()
	c := d.m[code]
	d.mu.Unlock()
	if ref := c.ref; ref != nil && time.Since(c.loaded) < directoryTTL {
		if _, ok := ref.Zones[zone]; ok || zone == "" {
			return ref, nil
		}
	}
	loaded := time.Now()
	ref, err := d.load(ctx, code)
	if err != nil || ref == nil {
		return nil, err
	}
	d.mu.Lock()
	d.m[code] = cached{ref, loaded}
	d.mu.Unlock()
	return ref, nil
}

func (d *Directory) load(ctx context.Context, code string) (*ss.StoreRef, error) {
	ref := &ss.StoreRef{Code: code, Zones: map[string]ss.ZoneRef{}}
	var tz string
	err := d.pool.Load().QueryRow(ctx, `SELECT id, timezone, coalesce(currency, '') FROM stores WHERE code = $1`, code).Scan(&ref.ID, &tz, &ref.Currency)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("layout: load store %s: %w", code, err)
	}
	if ref.Location, err = time.LoadLocation(tz); err != nil {
		return nil, fmt.Errorf("layout: store %s time zone: %w", code, err)
	}
	rows, err := d.pool.Load().Query(ctx, `SELECT code, id, category, unit_value::float8, retired_at IS NOT NULL FROM zones WHERE store_id = $1`, ref.ID)
	if err != nil {
		return nil, fmt.Errorf("layout: load zones of %s: %w", code, err)
	}
	defer rows.Close()
	for rows.Next() {
		var zc string
		var z ss.ZoneRef
		if err := rows.Scan(&zc, &z.ID, &z.Category, &z.UnitValue, &z.Retired); err != nil {
			return nil, err
		}
		ref.Zones[zc] = z
	}
	return ref, rows.Err()
}
