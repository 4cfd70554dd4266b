package alerts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Evidence is a short clip of the moment an alert is about (DESIGN.md,
// Private): the only images that leave a camera. It is kept for
// EvidenceRetention, shown only to operators of the alert's store, every
// view recorded, and never put in a report, an export or a webhook.

// EvidenceType is the one kind of clip kept: H.264 in MP4.
const EvidenceType = "video/mp4"

// isMP4 reports whether b starts as an ISO base media file does: a box
// whose type is ftyp (ISO/IEC 14496-12, 4.3).
func isMP4(b []byte) bool { return len(b) >= 12 && bytes.Equal(b[4:8], []byte("ftyp")) }

// PutEvidence stores clip as the evidence of event id, an event of a store
// in p's scope that has an alert. The same clip again changes nothing; a
// different one for the same event is a conflict (a clip is the record of
// one moment).
func (s *Service) PutEvidence(ctx context.Context, p *ss.Principal, id uuid.UUID, clip []byte) error {
	if !isMP4(clip) {
		return ss.Errorf(ss.EINVALID, "body", "the clip is not an MP4 file (no ftyp box at its start)")
	}
	sum := sha256.Sum256(clip)
	now := s.now()
	return wrap("evidence of event", 0, pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		a, err := scanAlert(tx.QueryRow(ctx, `SELECT `+alertCols+` FROM alerts a JOIN store_directory s ON s.id = a.store_id WHERE a.event_id = $1`, id))
		if err == pgx.ErrNoRows || err == nil && !p.CanSeeStore(a.Store) {
			// Scope hides existence: another store's event reads as unknown.
			return ss.Errorf(ss.ENOTFOUND, "id", "no alert of event %s: clips are kept only for alerts of soc stores", id)
		}
		if err != nil {
			return err
		}
		var stored []byte
		err = tx.QueryRow(ctx, `INSERT INTO alert_evidence (event_id, content_type, bytes, sha256, uploaded_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING sha256`, id, EvidenceType, clip, sum[:], now).Scan(&stored)
		if err == pgx.ErrNoRows {
			if err := tx.QueryRow(ctx, `SELECT sha256 FROM alert_evidence WHERE event_id = $1`, id).Scan(&stored); err != nil {
				return err
			}
			if !bytes.Equal(stored, sum[:]) {
				return ss.Errorf(ss.ECONFLICT, "body", "event %s already has a different clip", id)
			}
			return nil // the same clip again
		}
		if err != nil {
			return err
		}
		a.Evidence = true
		return writeChanges(ctx, tx, ChangeEvidence, now, a)
	}))
}

// ChangeEvidence is the stream message of a clip that arrived for an alert.
const ChangeEvidence Change = "evidence"

// View is one recorded view of a clip.
type View struct {
	Viewer   string    `json:"viewer"`
	Role     ss.Role   `json:"role"`
	TokenID  int64     `json:"token_id"`
	ViewedAt time.Time `json:"viewed_at"`
}

// Evidence returns alert id's clip for p, recording the view in the same
// transaction: a clip is never served without its record.
func (s *Service) Evidence(ctx context.Context, p *ss.Principal, id int64) ([]byte, error) {
	var clip []byte
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT e.bytes FROM alert_evidence e JOIN alerts a ON a.event_id = e.event_id WHERE a.id = $1`, id).Scan(&clip)
		if err == pgx.ErrNoRows {
			return ss.Errorf(ss.ENOTFOUND, "id", "alert %d has no clip (none was uploaded, or it is past its retention)", id)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO alert_evidence_views (alert_id, token_id, viewer, role, viewed_at) VALUES ($1, $2, $3, $4, $5)`,
			id, p.TokenID, p.Name, string(p.Role), s.now())
		return err
	})
	return clip, wrap("evidence", id, err)
}

// Views lists who viewed alert id's clip and when, oldest first.
func (s *Service) Views(ctx context.Context, id int64) ([]View, error) {
	rows, err := s.pool.Query(ctx, `SELECT viewer, role, token_id, viewed_at FROM alert_evidence_views WHERE alert_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("alerts: views of %d: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (View, error) {
		var v View
		err := r.Scan(&v.Viewer, &v.Role, &v.TokenID, &v.ViewedAt)
		v.ViewedAt = v.ViewedAt.UTC()
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("alerts: views of %d: %w", id, err)
	}
	if out == nil {
		out = []View{}
	}
	return out, nil
}

// PurgeEvidence deletes the clips uploaded more than EvidenceRetention ago
// (their view records stay).
func (s *Service) PurgeEvidence(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM alert_evidence WHERE uploaded_at <= $1`, s.now().Add(-s.cfg.EvidenceRetention))
	if err != nil {
		return 0, fmt.Errorf("alerts: purge evidence: %w", err)
	}
	return tag.RowsAffected(), nil
}

// EventStore returns the store code of the alert of event id, for the
// route that names an event by id.
func (s *Service) EventStore(ctx context.Context, id uuid.UUID) (string, error) {
	var code string
	err := s.pool.QueryRow(ctx, `SELECT s.code FROM alerts a JOIN store_directory s ON s.id = a.store_id WHERE a.event_id = $1`, id).Scan(&code)
	if err == pgx.ErrNoRows {
		return "", ss.Errorf(ss.ENOTFOUND, "id", "no alert of event %s: clips are kept only for alerts of soc stores", id)
	}
	if err != nil {
		return "", fmt.Errorf("alerts: store of event %s: %w", id, err)
	}
	return code, nil
}
