package checkout

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// Item is one open concealment of a track, as the lane answer shows it:
// nothing of the person, only what was taken, where and when.
type Item struct {
	Event      uuid.UUID `json:"event"`
	Category   string    `json:"category"`
	EstValue   float64   `json:"est_value"`
	Method     ss.Method `json:"method"`
	Zone       string    `json:"zone"`
	OccurredAt time.Time `json:"occurred_at"`
}

// EventsStored records each event of a store on the checkout model that
// carries a floor track as an open concealment of that track, in the
// ingest transaction tx (kpi.EventHook), and announces the stores whose
// lane state changed. An event without a track, of another model, or older
// than the longest visit window, 12 hours (a history loaded: the shopper
// has long left the store), records nothing.
func (s *Service) EventsStored(ctx context.Context, tx pgx.Tx, events []*ss.Event) error {
	n := 0
	for _, e := range events {
		if e.Track != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	var (
		ids     = make([][16]byte, 0, n)
		stores  = make([]int64, 0, n)
		tracks  = make([]string, 0, n)
		zones   = make([]string, 0, n)
		cats    = make([]string, 0, n)
		values  = make([]pgtype.Numeric, 0, n)
		methods = make([]string, 0, n)
		occs    = make([]pgtype.Timestamptz, 0, n)
	)
	for _, e := range events {
		if e.Track == "" {
			continue
		}
		ids, stores, tracks, zones, cats = append(ids, e.ID), append(stores, e.StoreID), append(tracks, e.Track), append(zones, e.Zone), append(cats, e.Category)
		values, methods = append(values, kpi.Money(e.EstValue)), append(methods, string(e.Method))
		occs = append(occs, pgtype.Timestamptz{Time: e.OccurredAt, Valid: true})
	}
	rows, err := tx.Query(ctx, `
INSERT INTO checkout_items (event_id, store_id, track, zone, category, est_value, method, occurred_at)
SELECT e.* FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::text[], $8::timestamptz[])
    e(event_id, store_id, track, zone, category, est_value, method, occurred_at)
WHERE e.store_id IN (SELECT id FROM store_operating_model WHERE operating_model = 'checkout' AND id = ANY($2))
  AND e.occurred_at > $9::timestamptz - make_interval(mins => $10::int)
ON CONFLICT (event_id) DO NOTHING
RETURNING store_id`, ids, stores, tracks, zones, cats, values, methods, occs, s.now(), maxVisitMins)
	if err != nil {
		return fmt.Errorf("checkout: record concealments: %w", err)
	}
	changed := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("checkout: record concealments: %w", err)
		}
		changed[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checkout: record concealments: %w", err)
	}
	return notify(ctx, tx, changed)
}
