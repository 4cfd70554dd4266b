package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// Visits is what one tick did.
type Visits struct {
	WalkedOut int // concealments written walked_out
	Tracks    int // the tracks they were of
}

// maxWalkouts bounds one tick's concealments; the next tick takes the rest.
const maxWalkouts = 1000

// Tick closes visits, once across replicas: each track whose last open
// concealment is at least its store's visit_minutes old at now, and that
// was seen leaving through an entrance at or after that concealment, has
// its open concealments written walked_out (at the earliest such exit)
// through kpi's outcome path, with their resolution in the same
// transaction. A track never seen leaving stays open; one whose last
// concealment is over a week old is left as it is (the partial index of
// open concealments keeps the tick's read to the last week's). Replicas take turns
// on an advisory lock taken in that transaction (pg_try_advisory_xact_lock:
// a session lock would not hold behind PgBouncer's transaction pooling),
// and the resolution is conditional on the concealments still being open,
// so none is written twice.
func (s *Service) Tick(ctx context.Context) (Visits, error) {
	now := s.now()
	rows, err := s.pool.Query(ctx, `
WITH open AS (
    SELECT i.store_id, i.track, max(i.occurred_at) AS last
    FROM checkout_items i WHERE i.resolved_at IS NULL AND i.occurred_at > $1::timestamptz - interval '7 days'
    GROUP BY i.store_id, i.track),
due AS (
    SELECT o.store_id, o.track, (SELECT min(x.at) FROM checkout_exits x
                                 WHERE x.store_id = o.store_id AND x.track = o.track AND x.at >= o.last) AS exit_at
    FROM open o LEFT JOIN checkout_policy p ON p.store_id = o.store_id
    WHERE o.last + make_interval(mins => COALESCE(p.visit_minutes, $2)) <= $1)
SELECT i.event_id, i.store_id, i.track, i.occurred_at, d.exit_at
FROM due d JOIN checkout_items i ON i.store_id = d.store_id AND i.track = d.track AND i.resolved_at IS NULL
WHERE d.exit_at IS NOT NULL
ORDER BY d.store_id, d.track, i.occurred_at LIMIT $3`, now, DefaultPolicy.VisitMinutes, maxWalkouts)
	if err != nil {
		return Visits{}, fmt.Errorf("checkout: visits: %w", err)
	}
	var out []kpi.ResolvedOutcome
	var lanes []string
	var v Visits
	last := ""
	for rows.Next() {
		var r kpi.ResolvedOutcome
		var exitAt time.Time
		var track string
		if err := rows.Scan(&r.EventID, &r.StoreID, &track, &r.OccurredAt, &exitAt); err != nil {
			rows.Close()
			return Visits{}, fmt.Errorf("checkout: visits: %w", err)
		}
		r.Kind, r.At = ss.OutcomeWalkedOut, later(exitAt.UTC(), r.OccurredAt)
		out, lanes = append(out, r), append(lanes, "")
		if key := fmt.Sprint(r.StoreID, "/", track); key != last {
			v.Tracks, last = v.Tracks+1, key
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Visits{}, fmt.Errorf("checkout: visits: %w", err)
	}
	if len(out) == 0 {
		return v, nil
	}
	_, err = s.outcomes.StoreOutcomesWith(ctx, out, func(tx pgx.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('shrinkscope checkout visits', 0))`).Scan(&mine); err != nil {
			return err
		}
		if !mine {
			return errBusy
		}
		ids := make([][16]byte, len(out))
		for i := range out {
			ids[i] = out[i].EventID
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM checkout_items WHERE event_id = ANY($1) AND resolved_at IS NULL`, ids).Scan(&open); err != nil {
			return err
		}
		if open != len(out) {
			return errBusy // another replica or the point of sale decided some meanwhile: the next tick reads again
		}
		return resolve(ctx, tx, out, lanes)
	})
	if errors.Is(err, errBusy) {
		return Visits{}, nil
	}
	if err != nil {
		return Visits{}, fmt.Errorf("checkout: walk-outs: %w", err)
	}
	v.WalkedOut = len(out)
	return v, nil
}

// errBusy ends a tick that another replica runs, or whose concealments
// changed under it.
var errBusy = errors.New("checkout: visits are being closed elsewhere")

// Run ticks every interval until ctx ends, logging failures; every replica
// runs it, and Tick's lock has one close visits at a time.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if v, err := s.Tick(ctx); err != nil {
			if ctx.Err() == nil {
				s.cfg.Log.Error("checkout visits failed", "error", err)
			}
		} else if v.WalkedOut > 0 {
			s.cfg.Log.Info("checkout walk-outs recorded", "concealments", v.WalkedOut, "tracks", v.Tracks)
		}
	}
}
