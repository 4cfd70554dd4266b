package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Escalation is what one tick did.
type Escalation struct {
	Unclaimed int   // alerts that raised alert.unclaimed
	Expired   int   // alerts closed unresolved by the system
	Purged    int64 // stream messages past OutboxKeep deleted
	Clips     int64 // evidence clips past EvidenceRetention deleted
}

// Tick escalates, once across replicas: an open alert nobody claimed within
// its store's claim_seconds gets escalated_at and raises alert.unclaimed
// (in the same transaction); an alert still not closed after its store's
// expire_minutes is closed unresolved by the system, written as its event's
// outcome like any close. It also deletes stream messages past OutboxKeep
// and evidence clips past EvidenceRetention. Replicas take turns on an advisory lock, and each
// change is conditional on the alert's state, so none is made twice.
func (s *Service) Tick(ctx context.Context) (Escalation, error) {
	var e Escalation
	now := s.now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('shrinkscope alert escalation', 0))`).Scan(&mine); err != nil || !mine {
			return err
		}
		rows, err := tx.Query(ctx, `
WITH due AS (
    SELECT a.id FROM alerts a LEFT JOIN alert_settings t ON t.store_id = a.store_id
    WHERE a.status = 'open' AND a.escalated_at IS NULL
      AND a.opened_at + make_interval(secs => COALESCE(t.claim_seconds, $2)) <= $1
    ORDER BY a.id LIMIT 1000),
a AS (UPDATE alerts SET escalated_at = $1 FROM due WHERE alerts.id = due.id RETURNING alerts.*)
SELECT `+alertCols+` FROM a JOIN store_directory s ON s.id = a.store_id ORDER BY a.id`, now, DefaultClaimSeconds)
		if err != nil {
			return err
		}
		list, err := collectAlerts(rows)
		if err != nil || len(list) == 0 {
			return err
		}
		e.Unclaimed = len(list)
		if s.cfg.Notifier != nil {
			for _, a := range list {
				if err := s.cfg.Notifier.Enqueue(ctx, tx, EventUnclaimed, webhookData(a)); err != nil {
					return err
				}
			}
		}
		return writeChanges(ctx, tx, ChangeEscalated, now, list...)
	})
	if err != nil {
		return e, fmt.Errorf("alerts: escalate: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+alertCols+` FROM alerts a JOIN store_directory s ON s.id = a.store_id
LEFT JOIN alert_settings t ON t.store_id = a.store_id
WHERE a.status <> 'closed' AND a.opened_at + make_interval(mins => COALESCE(t.expire_minutes, $2)) <= $1
ORDER BY a.id LIMIT 1000`, now, DefaultExpireMinutes)
	if err != nil {
		return e, fmt.Errorf("alerts: expire: %w", err)
	}
	due, err := collectAlerts(rows)
	if err != nil {
		return e, fmt.Errorf("alerts: expire: %w", err)
	}
	for _, a := range due {
		ok, err := s.expire(ctx, a, now)
		if err != nil {
			return e, err
		}
		if ok {
			e.Expired++
		}
	}
	// Rows written while no console was connected anywhere wait for a
	// sequencer; the tick is one, so they never pile up.
	if _, err := sequence(ctx, s.pool); err != nil {
		return e, err
	}
	if e.Purged, err = s.PurgeOutbox(ctx); err != nil {
		return e, err
	}
	if e.Clips, err = s.PurgeEvidence(ctx); err != nil {
		return e, err
	}
	return e, nil
}

// expire closes a unresolved by the system, unless someone closed it
// meanwhile (another replica, an operator): then it reports false.
func (s *Service) expire(ctx context.Context, a Alert, now time.Time) (bool, error) {
	o, err := outcomeOf(a, ss.OutcomeUnresolved, nil, later(now, a.Event.OccurredAt), a.RespondedAt)
	if err != nil {
		return false, err
	}
	_, err = s.close(ctx, a, o, ChangeExpired, `
UPDATE alerts SET status = 'closed', holder_token = NULL, closed_at = $2, closed_by = $3, outcome = $4
WHERE id = $1 AND status <> 'closed' AND responded_at IS NOT DISTINCT FROM $5`,
		[]any{a.ID, o.At, SystemCloser, string(o.Kind), a.RespondedAt}, func(Alert) error { return errGone })
	switch {
	case err == errGone:
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// errGone ends an expiry whose alert changed under it.
var errGone = ss.Errorf(ss.ECONFLICT, "status", "the alert changed before it expired")

// webhookData is the alert as a webhook carries it: never its evidence.
func webhookData(a Alert) Alert {
	a.Evidence = false
	return a
}

// Run ticks every interval until ctx ends, logging failures; every replica
// runs it, and Tick's lock has one escalate at a time.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if e, err := s.Tick(ctx); err != nil {
			if ctx.Err() == nil {
				s.cfg.Log.Error("alert escalation failed", "error", err)
			}
		} else if e.Unclaimed+e.Expired > 0 {
			s.cfg.Log.Info("alerts escalated", "unclaimed", e.Unclaimed, "expired", e.Expired)
		}
	}
}
