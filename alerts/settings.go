package alerts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// Settings returns store code's escalation settings (the defaults where it
// has set none).
func (s *Service) Settings(ctx context.Context, code string) (Settings, error) {
	st := Settings{Store: code}
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(t.claim_seconds, $2), COALESCE(t.expire_minutes, $3)
FROM store_directory s LEFT JOIN alert_settings t ON t.store_id = s.id WHERE s.code = $1`,
		code, DefaultClaimSeconds, DefaultExpireMinutes).Scan(&st.ClaimSeconds, &st.ExpireMinutes)
	if err == pgx.ErrNoRows {
		return st, ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", code)
	}
	if err != nil {
		return st, fmt.Errorf("alerts: settings of %s: %w", code, err)
	}
	return st, nil
}

// SetSettings validates and stores st for its store.
func (s *Service) SetSettings(ctx context.Context, st Settings) (Settings, error) {
	if err := st.Validate(); err != nil {
		return st, err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO alert_settings (store_id, claim_seconds, expire_minutes)
SELECT id, $2, $3 FROM store_directory WHERE code = $1
ON CONFLICT (store_id) DO UPDATE SET claim_seconds = excluded.claim_seconds,
    expire_minutes = excluded.expire_minutes, updated_at = now()`, st.Store, st.ClaimSeconds, st.ExpireMinutes)
	if err != nil {
		return st, fmt.Errorf("alerts: set settings of %s: %w", st.Store, err)
	}
	if tag.RowsAffected() == 0 {
		return st, ss.Errorf(ss.ENOTFOUND, "store", "no store with code %q", st.Store)
	}
	return st, nil
}
