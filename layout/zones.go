package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// PutZones replaces the zone set of a store with zones and records the set as
// a new layout version effective from effective (now when zero). Zones left out
// are retired, not deleted: events keep referring to them. Zones that
// overlap in part are refused (ss.CheckOverlaps), naming both.
func (s *Service) PutZones(ctx context.Context, storeCode string, zones []ss.Zone, effective time.Time) (version int, err error) {
	if err := ss.CheckOverlaps(zones); err != nil {
		return 0, err
	}
	// A lane names one till of the layout (ZonesFromGeoJSON checks it too,
	// for an upload; this is for the callers that build zones in Go).
	lanes := map[string]int{}
	for i, z := range zones {
		if j, dup := lanes[z.Lane]; dup && z.Lane != "" {
			return 0, ss.Errorf(ss.EINVALID, fmt.Sprintf("features[%d].properties.lane", i), "lane %q repeats feature %d: a lane names one checkout zone", z.Lane, j)
		}
		lanes[z.Lane] = i
	}
	if effective.IsZero() {
		effective = time.Now()
	}
	for i := range zones {
		zones[i] = zones[i].WithDefaults()
	}
	fc := ss.GeoJSON(zones)
	features, _ := json.Marshal(fc)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var storeID int64
		var cur ss.Currency
		// Lock the store row so concurrent layout updates get consecutive versions.
		err := tx.QueryRow(ctx, `SELECT id, coalesce(currency, '') FROM stores WHERE code = $1 FOR UPDATE`, storeCode).Scan(&storeID, &cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", storeCode)
		}
		if err != nil {
			return err
		}
		// A zone's unit value is an amount of the store's currency.
		for i := range zones {
			if cur != "" && !cur.InMinorUnits(zones[i].UnitValue) {
				return ss.Errorf(ss.EINVALID, fmt.Sprintf("features[%d].properties.unit_value", i), "%s", cur.AmountRule("unit_value", zones[i].UnitValue))
			}
		}
		codes := make([]string, len(zones))
		for i := range zones {
			z := &zones[i]
			codes[i] = z.Code
			geom, _ := json.Marshal(z.Polygon)
			err := tx.QueryRow(ctx, `
INSERT INTO zones (store_id, code, name, kind, category, unit_value, geometry, area_m2,
                   fixture, visibility, staffed_distance_m, lane)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (store_id, code) DO UPDATE SET
    name = excluded.name, kind = excluded.kind, category = excluded.category,
    unit_value = excluded.unit_value, geometry = excluded.geometry, area_m2 = excluded.area_m2,
    fixture = excluded.fixture, visibility = excluded.visibility,
    staffed_distance_m = excluded.staffed_distance_m, lane = excluded.lane, retired_at = NULL, updated_at = now()
RETURNING id`, storeID, z.Code, z.Name, z.Kind, z.Category, z.UnitValue, geom, math.Abs(ss.RingArea(z.Polygon)),
				z.Fixture, z.Visibility, z.StaffedDistance, z.Lane).Scan(&z.ID)
			if err != nil {
				return err
			}
			z.StoreID = storeID
		}
		if _, err := tx.Exec(ctx, `UPDATE zones SET retired_at = now() WHERE store_id = $1 AND retired_at IS NULL AND NOT code = ANY($2)`, storeID, codes); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
INSERT INTO layout_versions (store_id, version, effective_from, features)
SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM layout_versions WHERE store_id = $1
RETURNING version`, storeID, effective, features).Scan(&version)
	})
	if err != nil {
		if ss.ErrorCode(err) != ss.EINTERNAL {
			return 0, err
		}
		return 0, fmt.Errorf("layout: put zones of %s: %w", storeCode, err)
	}
	s.dir.forget(storeCode)
	return version, nil
}

// Zones returns the current (not retired) zones of a store, by code.
func (s *Service) Zones(ctx context.Context, storeCode string) ([]ss.Zone, error) {
	st, err := s.Store(ctx, storeCode)
	if err != nil {
		return nil, err
	}
	zones, err := s.zonesTx(ctx, s.pool, st.ID)
	return zones, err
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (s *Service) zonesTx(ctx context.Context, q querier, storeID int64) ([]ss.Zone, error) {
	rows, err := q.Query(ctx, `
SELECT z.id, z.store_id, z.code, z.name, z.kind, z.category, z.unit_value::float8, z.geometry,
       z.fixture, z.visibility, z.staffed_distance_m, z.lane
FROM zones z
WHERE z.store_id = $1 AND z.retired_at IS NULL ORDER BY z.code`, storeID)
	if err != nil {
		return nil, err
	}
	zones, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ss.Zone, error) {
		var z ss.Zone
		var geom []byte
		if err := r.Scan(&z.ID, &z.StoreID, &z.Code, &z.Name, &z.Kind, &z.Category, &z.UnitValue, &geom,
			&z.Fixture, &z.Visibility, &z.StaffedDistance, &z.Lane); err != nil {
			return z, err
		}
		return z, json.Unmarshal(geom, &z.Polygon)
	})
	return zones, err
}
