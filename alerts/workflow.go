package alerts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// canOverride reports whether p may release or close an alert another
// operator holds: store operations and admins clear a claim left behind.
func canOverride(p *ss.Principal) bool { return p.Role == ss.RoleAdmin || p.Role == ss.RoleOps }

// change runs update (a statement over alerts a, returning alerts.*) with
// args in a transaction, and writes its change to the outbox; when it
// updates nothing, refused explains why from the alert as it stands.
func (s *Service) change(ctx context.Context, tx pgx.Tx, id int64, change Change, at time.Time, update string, args []any,
	refused func(Alert) error) (Alert, error) {
	a, err := scanAlert(tx.QueryRow(ctx, `WITH a AS (`+update+` RETURNING alerts.*)
SELECT `+alertCols+` FROM a JOIN store_directory s ON s.id = a.store_id`, args...))
	if err == pgx.ErrNoRows {
		cur, err := scanAlert(tx.QueryRow(ctx, `SELECT `+alertCols+` FROM alerts a JOIN store_directory s ON s.id = a.store_id WHERE a.id = $1`, id))
		if err == pgx.ErrNoRows {
			return cur, ss.Errorf(ss.ENOTFOUND, "id", "no alert %d", id)
		}
		if err != nil {
			return cur, err
		}
		return cur, refused(cur)
	}
	if err != nil {
		return a, err
	}
	return a, writeChanges(ctx, tx, change, at, a)
}

// heldBy is the conflict of an alert another operator holds.
func heldBy(a Alert) error {
	return ss.Errorf(ss.ECONFLICT, "holder", "alert %d is held by %s since %s", a.ID, a.Holder, a.ClaimedAt.Format(time.RFC3339))
}

func closedAlready(a Alert) error {
	return ss.Errorf(ss.ECONFLICT, "status", "alert %d is already closed (%s, by %s)", a.ID, a.Outcome, a.ClosedBy)
}

// Claim gives alert id to p, if nobody holds it: the first claim is the
// response (responded_at). Another operator's claim is a conflict naming
// its holder; p's own claim again changes nothing.
func (s *Service) Claim(ctx context.Context, p *ss.Principal, id int64) (Alert, error) {
	now := s.now()
	var out Alert
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = s.change(ctx, tx, id, ChangeClaimed, now, `
UPDATE alerts SET status = 'claimed', holder_token = $2, holder = $3, claimed_at = GREATEST($4, occurred_at),
    responded_at = COALESCE(responded_at, GREATEST($4, occurred_at))
WHERE id = $1 AND status = 'open'`, []any{id, p.TokenID, p.Name, now}, func(a Alert) error {
			switch {
			case a.Status == StatusClosed:
				return closedAlready(a)
			case a.HolderID != nil && *a.HolderID == p.TokenID:
				return errMine
			}
			return heldBy(a)
		})
		return err
	})
	if errors.Is(err, errMine) {
		return out, nil
	}
	return out, wrap("claim", id, err)
}

// errMine ends a claim of an alert p already holds: nothing to change.
var errMine = errors.New("already held by the caller")

// Release hands alert id back, open to any operator. Only its holder may,
// or store operations and admins.
func (s *Service) Release(ctx context.Context, p *ss.Principal, id int64) (Alert, error) {
	now := s.now()
	var out Alert
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = s.change(ctx, tx, id, ChangeReleased, now, `
UPDATE alerts SET status = 'open', holder_token = NULL, holder = '', claimed_at = NULL
WHERE id = $1 AND status = 'claimed' AND (holder_token = $2 OR $3)`, []any{id, p.TokenID, canOverride(p)}, func(a Alert) error {
			switch a.Status {
			case StatusClosed:
				return closedAlready(a)
			case StatusOpen:
				return ss.Errorf(ss.ECONFLICT, "status", "alert %d is not claimed", a.ID)
			}
			return heldBy(a)
		})
		return err
	})
	return out, wrap("release", id, err)
}

// CloseInput is an operator's decision on an alert.
type CloseInput struct {
	Outcome        ss.OutcomeKind `json:"outcome"`
	ValueRecovered *float64       `json:"value_recovered"`
	Note           string         `json:"note"`
}

// MaxNote is the longest note of a close.
const MaxNote = 500

// Close decides alert id with in's outcome, written as its event's outcome
// (at now, responded_at the first claim) in the same transaction. An open
// alert is claimed by the close; one another operator holds is a conflict,
// unless p is store operations or an admin.
func (s *Service) Close(ctx context.Context, p *ss.Principal, id int64, in CloseInput) (Alert, error) {
	if err := ss.CheckText("note", in.Note, MaxNote); err != nil {
		return Alert{}, err
	}
	cur, err := s.Get(ctx, id)
	if err != nil {
		return cur, err
	}
	now := s.now()
	// The outcome path's own rules (kinds, value_recovered) name the field.
	respond := cur.RespondedAt
	if respond == nil {
		t := later(now, cur.Event.OccurredAt)
		respond = &t
	}
	o, err := outcomeOf(cur, in.Outcome, in.ValueRecovered, later(now, cur.Event.OccurredAt), respond)
	if err != nil {
		return cur, err
	}
	return s.close(ctx, cur, o, ChangeClosed, `
UPDATE alerts SET status = 'closed', holder_token = NULL, holder = CASE WHEN status = 'claimed' THEN holder ELSE $2 END,
    claimed_at = COALESCE(claimed_at, $4), responded_at = COALESCE(responded_at, $4), closed_at = $3, closed_by = $2,
    outcome = $5, value_recovered = $6, note = $7
WHERE id = $1 AND (status = 'open' OR status = 'claimed' AND (holder_token = $8 OR $9))`,
		[]any{id, p.Name, o.At, *respond, string(o.Kind), o.ValueRecovered, in.Note, p.TokenID, canOverride(p)},
		func(a Alert) error {
			if a.Status == StatusClosed {
				return closedAlready(a)
			}
			return heldBy(a)
		})
}

// outcomeOf is the event outcome of closing a with kind, checked as the
// outcomes ingest API checks one.
func outcomeOf(a Alert, kind ss.OutcomeKind, value *float64, at time.Time, respond *time.Time) (ss.Outcome, error) {
	in := ss.OutcomeInput{Event: a.Event.ID.String(), Outcome: kind, At: at.Format(time.RFC3339Nano), ValueRecovered: value}
	if respond != nil {
		in.RespondedAt = respond.Format(time.RFC3339Nano)
	}
	var be ss.BatchError
	o, ok := in.Parse(0, at, &be)
	if !ok {
		it := be.Items[0]
		return o, ss.Errorf(ss.EINVALID, it.Field, "%s", it.Message)
	}
	return o, nil
}

// close updates the alert (update, as in change) and stores the event's
// outcome o, both in one transaction through kpi's outcome path.
func (s *Service) close(ctx context.Context, cur Alert, o ss.Outcome, change Change, update string, args []any, refused func(Alert) error) (Alert, error) {
	var out Alert
	row := kpi.ResolvedOutcome{Outcome: o, StoreID: cur.storeID, OccurredAt: cur.Event.OccurredAt}
	_, err := s.outcomes.StoreOutcomesWith(ctx, []kpi.ResolvedOutcome{row}, func(tx pgx.Tx) error {
		var err error
		out, err = s.change(ctx, tx, cur.ID, change, o.At, update, args, refused)
		if err == nil && (out.RespondedAt == nil) != (o.RespondedAt == nil) ||
			err == nil && out.RespondedAt != nil && !out.RespondedAt.Equal(*o.RespondedAt) {
			return ss.Errorf(ss.ECONFLICT, "status", "alert %d changed while it was being closed: try again", cur.ID)
		}
		return err
	})
	if ss.ErrorCode(err) != ss.EINTERNAL {
		var e *ss.Error
		if errors.As(err, &e) {
			return out, e
		}
	}
	return out, wrap("close", cur.ID, err)
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

func wrap(op string, id int64, err error) error {
	var e *ss.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("alerts: %s %d: %w", op, id, err)
}
