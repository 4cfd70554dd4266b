package checkout

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// Config configures the service; zero values take the documented defaults.
type Config struct {
	// Now is the clock of presences' expiry, visits and outcomes. Default
	// time.Now; tests fix it.
	Now func() time.Time
	// Poll is how often a replica reloads every lane's state when no
	// notification woke it (a lost NOTIFY costs at most this delay).
	// Default 1 s.
	Poll time.Duration
	// Listen is the connection the lane state LISTENs on and reloads
	// through: one straight to PostgreSQL, as LISTEN does not pass a pooler
	// in transaction mode (PgBouncer). Default: the pool's connection
	// settings.
	Listen *pgx.ConnConfig
	// NoListen makes the lane state reload every store through the pool
	// every Poll instead of LISTENing, for a replica whose only way to the
	// database is such a pooler; as it does when its Listen connection
	// fails. Default false.
	NoListen bool
	// Stale is how old a replica's lane state may be before a lookup
	// answers 503 rather than an answer that may be wrong: its connection
	// is lost and not yet back. Default 5 s.
	Stale time.Duration
	// Log receives the lane state's and the visit ticks' errors. Default:
	// discarded.
	Log *slog.Logger
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Stale <= 0 {
		c.Stale = 5 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Service is the checkout hand-off on one database.
type Service struct {
	pool     *pgxpool.Pool
	outcomes *kpi.Ingester
	cfg      Config
	lanes    *laneState
}

// New returns the service on pool; outcomes are written through outcomes,
// kpi's ingester.
func New(pool *pgxpool.Pool, outcomes *kpi.Ingester, cfg Config) *Service {
	cfg.defaults()
	s := &Service{pool: pool, outcomes: outcomes, cfg: cfg}
	s.lanes = newLaneState(pool, cfg)
	return s
}

// Close stops the replica's lane state (its connection and poll).
func (s *Service) Close() { s.lanes.close() }

// now is the service clock in UTC, to the microsecond the database keeps.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// notifyChannel is the channel a change of a store's lane state is
// announced on, its payload the store's id (empty: every store).
const notifyChannel = "checkout_changes"

// notify announces, when tx commits, that the lane state of stores changed.
func notify(ctx context.Context, tx pgx.Tx, stores map[int64]bool) error {
	for id := range stores {
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, fmt.Sprint(id)); err != nil {
			return fmt.Errorf("checkout: notify: %w", err)
		}
	}
	return nil
}

// storeRef is a store as checkout needs it.
type storeRef struct {
	ID       int64
	Code     string
	Currency ss.Currency
	Model    ss.OperatingModel
	Lanes    map[string]string // lane → checkout zone
	Exits    map[string]bool   // entrance zones
	Policy   Policy
}

// stores resolves codes (each once), with their lanes, entrances and
// policies; an unknown code is absent from the map.
func (s *Service) stores(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, codes []string) (map[string]*storeRef, error) {
	out := make(map[string]*storeRef, len(codes))
	rows, err := q.Query(ctx, `SELECT s.id, s.code, coalesce(s.currency, ''), m.operating_model,
    p.nudge_min_value::float8, p.block_min_value::float8, p.block_min_items, p.block_on_repeat, p.visit_minutes
FROM store_directory s JOIN store_operating_model m ON m.id = s.id LEFT JOIN checkout_policy p ON p.store_id = s.id
WHERE s.code = ANY($1)`, codes)
	if err != nil {
		return nil, fmt.Errorf("checkout: stores: %w", err)
	}
	byID := map[int64]*storeRef{}
	for rows.Next() {
		r := &storeRef{Lanes: map[string]string{}, Exits: map[string]bool{}}
		var nudge, block *float64
		var items, visit *int
		var repeat *bool
		if err := rows.Scan(&r.ID, &r.Code, &r.Currency, &r.Model, &nudge, &block, &items, &repeat, &visit); err != nil {
			rows.Close()
			return nil, fmt.Errorf("checkout: stores: %w", err)
		}
		r.Policy = DefaultPolicy
		if nudge != nil {
			r.Policy = Policy{NudgeMinValue: *nudge, BlockMinValue: *block, BlockMinItems: *items, BlockOnRepeat: *repeat, VisitMinutes: *visit}
		}
		out[r.Code], byID[r.ID] = r, r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("checkout: stores: %w", err)
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	rows, err = q.Query(ctx, `SELECT store_id, zone, kind, lane FROM checkout_zones WHERE store_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("checkout: zones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var zone, kind, lane string
		if err := rows.Scan(&id, &zone, &kind, &lane); err != nil {
			return nil, fmt.Errorf("checkout: zones: %w", err)
		}
		switch r := byID[id]; {
		case kind == string(ss.KindEntrance):
			r.Exits[zone] = true
		case lane != "":
			r.Lanes[lane] = zone
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("checkout: zones: %w", err)
	}
	return out, nil
}
