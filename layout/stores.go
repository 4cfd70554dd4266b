package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// Service stores stores, zones, layout changes and recommendations, and
// evaluates changes from the KPIs it reads through kpi.
type Service struct {
	pool *pgxpool.Pool
	dir  *Directory
	kpis *kpi.KPIs
	cfg  Config
	now  func() time.Time
}

// New returns a Service on pool with its code Directory and the default Config.
func New(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, dir: newDirectory(pool), kpis: kpi.NewKPIs(pool), cfg: Config{}.withDefaults(), now: time.Now}
}

// SetConfig replaces the Config (zero fields take their defaults); a bad
// field is an EINVALID error naming it.
func (s *Service) SetConfig(c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	s.cfg = c.withDefaults()
	return nil
}

// The directory is the resolver kpi's ingest declares.
var _ kpi.Directory = (*Directory)(nil)

// Directory returns the cached code resolver shared with ingest.
func (s *Service) Directory() *Directory { return s.dir }

const upsertStore = `
INSERT INTO stores (code, name, region, timezone, opening_hours, urban_density, theft_index,
                    staffing_capacity, operating_model, currency, segment_costs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (code) DO UPDATE SET
    name = excluded.name, region = excluded.region, timezone = excluded.timezone,
    opening_hours = excluded.opening_hours, urban_density = excluded.urban_density,
    theft_index = excluded.theft_index, staffing_capacity = excluded.staffing_capacity,
    operating_model = excluded.operating_model, currency = excluded.currency,
    segment_costs = excluded.segment_costs, updated_at = now()
RETURNING id, (xmax = 0) AS created`

// storeCurrency is the stored currency of a store, locked until the
// transaction ends so that a change of currency and the check of the
// store's facts see the same store.
const storeCurrency = `SELECT id, coalesce(currency, '') FROM stores WHERE code = $1 FOR UPDATE`

// PutStore creates or replaces the store with st.Code; created reports which.
// A new store needs its currency; a replaced one keeps its own when st
// gives none, and may change it only while it has no facts (they are in
// the currency they were recorded in).
func (s *Service) PutStore(ctx context.Context, st *ss.Store) (created bool, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("layout: put store %s: %w", st.Code, err)
	}
	defer tx.Rollback(ctx)
	var id int64
	var had ss.Currency
	switch err := tx.QueryRow(ctx, storeCurrency, st.Code).Scan(&id, &had); {
	case errors.Is(err, pgx.ErrNoRows):
		if st.Currency == "" {
			return false, ss.Errorf(ss.EINVALID, "currency", "currency is required for a new store: an ISO 4217 code such as GBP, EUR, USD or JPY")
		}
	case err != nil:
		return false, fmt.Errorf("layout: put store %s: %w", st.Code, err)
	case st.Currency == "":
		st.Currency = had
	}
	if err := st.Validate(); err != nil {
		return false, err
	}
	if had != "" && had != st.Currency {
		facts, err := kpi.StoreHasFacts(ctx, tx, id)
		if err != nil {
			return false, fmt.Errorf("layout: put store %s: %w", st.Code, err)
		}
		if facts {
			return false, ss.Errorf(ss.ECONFLICT, "currency", "store %s has facts in %s; its currency cannot change to %s", st.Code, had, st.Currency)
		}
	}
	hours, _ := json.Marshal(st.OpeningHours)
	costs := st.SegmentCosts
	if costs == nil {
		costs = map[string]float64{}
	}
	err = tx.QueryRow(ctx, upsertStore, st.Code, st.Name, st.Region, st.Timezone, hours,
		st.Profile.UrbanDensity, st.Profile.TheftIndex, st.Profile.StaffingCapacity, st.OperatingModel,
		st.Currency, costs,
	).Scan(&st.ID, &created)
	if err != nil {
		return false, fmt.Errorf("layout: put store %s: %w", st.Code, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("layout: put store %s: %w", st.Code, err)
	}
	s.dir.forget(st.Code)
	return created, nil
}

// AdoptCurrency gives every store without a currency (stores made before
// migration 00028) the configured default; it returns how many it set.
func (s *Service) AdoptCurrency(ctx context.Context, c ss.Currency) (int64, error) {
	if err := ss.CheckCurrency("default_currency", c); err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE stores SET currency = $1 WHERE currency IS NULL`, c)
	if err != nil {
		return 0, fmt.Errorf("layout: adopt currency %s: %w", c, err)
	}
	return tag.RowsAffected(), nil
}

const selectStores = `
SELECT id, code, name, region, timezone, opening_hours, urban_density, theft_index,
       staffing_capacity, operating_model, coalesce(currency, ''), segment_costs
FROM stores`

func scanStore(row pgx.Row) (ss.Store, error) {
	var st ss.Store
	var hours []byte
	err := row.Scan(&st.ID, &st.Code, &st.Name, &st.Region, &st.Timezone, &hours,
		&st.Profile.UrbanDensity, &st.Profile.TheftIndex, &st.Profile.StaffingCapacity, &st.OperatingModel,
		&st.Currency, &st.SegmentCosts)
	if err == nil {
		err = json.Unmarshal(hours, &st.OpeningHours)
	}
	if len(st.SegmentCosts) == 0 {
		st.SegmentCosts = nil
	}
	return st, err
}

// Store returns the store with code, or an ENOTFOUND error.
func (s *Service) Store(ctx context.Context, code string) (*ss.Store, error) {
	st, err := scanStore(s.pool.QueryRow(ctx, selectStores+` WHERE code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
	}
	if err != nil {
		return nil, fmt.Errorf("layout: store %s: %w", code, err)
	}
	return &st, nil
}

// Stores lists stores by code; a non-empty scope limits them to those codes.
func (s *Service) Stores(ctx context.Context, scope []string) ([]ss.Store, error) {
	rows, err := s.pool.Query(ctx, selectStores+` WHERE coalesce(cardinality($1::text[]), 0) = 0 OR code = ANY($1) ORDER BY code`, scope)
	if err != nil {
		return nil, fmt.Errorf("layout: list stores: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ss.Store, error) { return scanStore(r) })
	if err != nil {
		return nil, fmt.Errorf("layout: list stores: %w", err)
	}
	return out, nil
}
