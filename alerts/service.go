package alerts

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

// EventUnclaimed is the webhook event of an alert nobody claimed within its
// store's claim_seconds; its data is the alert (never its evidence).
const EventUnclaimed = "alert.unclaimed"

// Notifier writes a webhook event inside tx, so that it is sent only if the
// change commits. reports.Webhooks is the one the server uses.
type Notifier interface {
	Enqueue(ctx context.Context, tx pgx.Tx, event string, data any) error
}

// Config configures the service; zero values take the documented defaults.
type Config struct {
	// Now is the clock of every change (opened, claimed, escalated, …).
	// Default time.Now; tests fix it.
	Now func() time.Time
	// Notifier receives alert.unclaimed; nil: no webhooks.
	Notifier Notifier
	// OutboxKeep is how long stream messages stay replayable; a console
	// resuming from an older one gets resync. Default 24 h.
	OutboxKeep time.Duration
	// Poll is how often a stream hub reads the outbox when no notification
	// woke it (a lost NOTIFY costs at most this delay). Default 5 s.
	Poll time.Duration
	// Listen is the connection a stream hub LISTENs on: one straight to
	// PostgreSQL, as LISTEN does not pass a pooler in transaction mode
	// (PgBouncer). Default: the pool's connection settings.
	Listen *pgx.ConnConfig
	// NoListen makes a stream hub poll the outbox every FallbackPoll
	// instead of LISTENing, for a replica whose only way to the database is
	// such a pooler. Default false.
	NoListen bool
	// FallbackPoll is how often a stream hub that does not LISTEN (NoListen,
	// or its Listen connection fails) reads the outbox. Default 1 s.
	FallbackPoll time.Duration
	// EvidenceRetention is how long an alert's clip is kept after its
	// upload; the escalation tick deletes it after. Default 72 h.
	EvidenceRetention time.Duration
	// Log receives the hub's and the escalation's errors. Default: discarded.
	Log *slog.Logger
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.OutboxKeep <= 0 {
		c.OutboxKeep = 24 * time.Hour
	}
	if c.Poll <= 0 {
		c.Poll = 5 * time.Second
	}
	if c.FallbackPoll <= 0 {
		c.FallbackPoll = time.Second
	}
	if c.EvidenceRetention <= 0 {
		c.EvidenceRetention = 72 * time.Hour
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Service is the alert workflow on one database.
type Service struct {
	pool     *pgxpool.Pool
	outcomes *kpi.Ingester
	cfg      Config
	hub      *Hub
}

// New returns the service on pool; closes are written as outcomes through
// outcomes, kpi's ingester.
func New(pool *pgxpool.Pool, outcomes *kpi.Ingester, cfg Config) *Service {
	cfg.defaults()
	s := &Service{pool: pool, outcomes: outcomes, cfg: cfg}
	s.hub = newHub(pool, cfg)
	return s
}

// alertCols are an Alert's columns, of alerts a joined with store_directory s.
const alertCols = `a.id, a.status, s.code, a.event_id, a.zone, a.camera, a.category, a.est_value::float8, a.method,
a.occurred_at, a.opened_at, a.holder, a.holder_token, a.claimed_at, a.responded_at, a.escalated_at, a.closed_at,
a.closed_by, a.outcome, a.value_recovered::float8, a.note, a.store_id,
EXISTS (SELECT 1 FROM alert_evidence e WHERE e.event_id = a.event_id)`

func scanAlert(row pgx.Row) (Alert, error) {
	var a Alert
	err := row.Scan(&a.ID, &a.Status, &a.Store, &a.Event.ID, &a.Event.Zone, &a.Event.Camera, &a.Event.Category,
		&a.Event.EstValue, &a.Event.Method, &a.Event.OccurredAt, &a.OpenedAt, &a.Holder, &a.HolderID, &a.ClaimedAt,
		&a.RespondedAt, &a.EscalatedAt, &a.ClosedAt, &a.ClosedBy, &a.Outcome, &a.ValueRecovered, &a.Note, &a.storeID, &a.Evidence)
	a.Event.Store = a.Store
	a.utc()
	return a, err
}

// utc shows every time in UTC, whatever the session's zone.
func (a *Alert) utc() {
	a.Event.OccurredAt, a.OpenedAt = a.Event.OccurredAt.UTC(), a.OpenedAt.UTC()
	for _, t := range []*time.Time{a.ClaimedAt, a.RespondedAt, a.EscalatedAt, a.ClosedAt} {
		if t != nil {
			*t = t.UTC()
		}
	}
}

func collectAlerts(rows pgx.Rows) ([]Alert, error) {
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Get returns alert id.
func (s *Service) Get(ctx context.Context, id int64) (Alert, error) {
	a, err := scanAlert(s.pool.QueryRow(ctx, `SELECT `+alertCols+` FROM alerts a JOIN store_directory s ON s.id = a.store_id WHERE a.id = $1`, id))
	if err == pgx.ErrNoRows {
		return a, ss.Errorf(ss.ENOTFOUND, "id", "no alert %d", id)
	}
	if err != nil {
		return a, fmt.Errorf("alerts: get %d: %w", id, err)
	}
	return a, nil
}

// Store returns the code of alert id's store, for the routes that name an
// alert by id.
func (s *Service) Store(ctx context.Context, id int64) (string, error) {
	var code string
	err := s.pool.QueryRow(ctx, `SELECT s.code FROM alerts a JOIN store_directory s ON s.id = a.store_id WHERE a.id = $1`, id).Scan(&code)
	if err == pgx.ErrNoRows {
		return "", ss.Errorf(ss.ENOTFOUND, "id", "no alert %d", id)
	}
	if err != nil {
		return "", fmt.Errorf("alerts: store of %d: %w", id, err)
	}
	return code, nil
}

// Query selects alerts to list.
type Query struct {
	Status Status    // "": any
	Stores []string  // the stores to list; nil: every store
	Period ss.Period // on the event's occurred_at; zero: any time
	Limit  int       // most alerts, newest first; default 500
}

// MaxList is the most alerts one list returns.
const MaxList = 500

// List returns the alerts q selects, newest event first.
func (s *Service) List(ctx context.Context, q Query) ([]Alert, error) {
	if q.Limit <= 0 || q.Limit > MaxList {
		q.Limit = MaxList
	}
	var from, to *time.Time
	dates := q.Period.Dates
	if !q.Period.From.IsZero() {
		from, to = &q.Period.From, &q.Period.To
	}
	// Dates are read in each store's own time zone, both inclusive;
	// instants are the half-open [from, to).
	rows, err := s.pool.Query(ctx, `SELECT `+alertCols+` FROM alerts a JOIN store_directory s ON s.id = a.store_id
WHERE ($1 = '' OR a.status = $1) AND ($2::text[] IS NULL OR s.code = ANY($2))
  AND ($3::timestamptz IS NULL OR CASE WHEN $5 THEN
        a.occurred_at >= ($3::timestamptz AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE s.timezone
        AND a.occurred_at < (($4::timestamptz AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE s.timezone
      ELSE a.occurred_at >= $3 AND a.occurred_at < $4 END)
ORDER BY a.occurred_at DESC, a.id DESC LIMIT $6`, string(q.Status), q.Stores, from, to, dates, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("alerts: list: %w", err)
	}
	out, err := collectAlerts(rows)
	if err != nil {
		return nil, fmt.Errorf("alerts: list: %w", err)
	}
	return out, nil
}

// now is the service clock in UTC, to the microsecond the database keeps.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }
