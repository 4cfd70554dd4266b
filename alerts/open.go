package alerts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// EventsStored opens an alert for each event of a store on the soc model,
// in the ingest transaction tx (kpi.EventHook): the event and its alert
// commit together, and an event of another model opens none. Nor does one
// older than its store's expire_minutes: nobody can act on it any more,
// and an alert for it would only expire at once and write "unresolved"
// over the outcome a backfill (a spool drained after an outage, a loaded
// history) brings with it. One statement
// when the batch has no soc store; with one, its changes go to the outbox.
func (s *Service) EventsStored(ctx context.Context, tx pgx.Tx, events []*ss.Event) error {
	n := len(events)
	var (
		ids     = make([][16]byte, n)
		stores  = make([]int64, n)
		zones   = make([]string, n)
		cams    = make([]string, n)
		cats    = make([]string, n)
		values  = make([]pgtype.Numeric, n)
		methods = make([]string, n)
		occs    = make([]pgtype.Timestamptz, n)
	)
	codes := make(map[int64]string, 4)
	for i, e := range events {
		ids[i], stores[i], zones[i], cams[i], cats[i] = e.ID, e.StoreID, e.Zone, e.Camera, e.Category
		values[i], methods[i] = kpi.Money(e.EstValue), string(e.Method)
		occs[i] = pgtype.Timestamptz{Time: e.OccurredAt, Valid: true}
		codes[e.StoreID] = e.Store
	}
	now := s.now()
	rows, err := tx.Query(ctx, `
WITH a AS (
    INSERT INTO alerts (event_id, store_id, zone, camera, category, est_value, method, occurred_at, opened_at)
    SELECT e.*, $9 FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::numeric[],
                               $7::text[], $8::timestamptz[]) e(event_id, store_id, zone, camera, category, est_value, method, occurred_at)
    WHERE e.store_id IN (SELECT id FROM store_operating_model WHERE operating_model = 'soc' AND id = ANY($2))
      AND e.occurred_at > $9::timestamptz - make_interval(mins => COALESCE(
          (SELECT t.expire_minutes FROM alert_settings t WHERE t.store_id = e.store_id), $10::int))
    ON CONFLICT (event_id) DO NOTHING
    RETURNING *)
SELECT `+alertCols+` FROM a JOIN store_directory s ON s.id = a.store_id ORDER BY a.id`,
		ids, stores, zones, cams, cats, values, methods, occs, now, DefaultExpireMinutes)
	if err != nil {
		return fmt.Errorf("alerts: open: %w", err)
	}
	opened, err := collectAlerts(rows)
	if err != nil {
		return fmt.Errorf("alerts: open: %w", err)
	}
	if len(opened) == 0 {
		return nil
	}
	return writeChanges(ctx, tx, ChangeOpened, now, opened...)
}
