package tokens

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	ss "github.com/shrinkscope/shrinkscope"
)

// sessionPrefix marks session ids, so one is never mistaken for a token.
const sessionPrefix = "sss_"

// Sessions are kept server-side so that signing out, expiry and revoking
// the token end them for good: the cookie holds a random id that names a
// row, not the token, and a stolen cookie dies with its row. Times are the
// database's, so every replica agrees on them.

// errNoSession is what every failed lookup says, whatever the reason: an
// unknown id, an expired or idle session, a revoked token.
var errNoSession = ss.Errorf(ss.EUNAUTHORIZED, "", "the session has ended: sign in again")

// StartSession opens a session acting as token tokenID for ttl and returns
// its id (for the cookie) and when it ends at the latest. Sessions already
// past their expiry are swept out on the way.
func (s *Service) StartSession(ctx context.Context, tokenID int64, ttl time.Duration) (id string, expires time.Time, err error) {
	if ttl <= 0 {
		return "", time.Time{}, fmt.Errorf("tokens: start session: ttl %s is not positive", ttl)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("tokens: random: %w", err)
	}
	id = sessionPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	err = s.pool.QueryRow(ctx, `WITH swept AS (DELETE FROM web_sessions WHERE expires_at <= now())
INSERT INTO web_sessions (hash, token_id, expires_at) SELECT $1, id, now() + $3::bigint * interval '1 microsecond'
FROM api_tokens WHERE id = $2 AND revoked_at IS NULL
RETURNING expires_at`, hash(id), tokenID, ttl.Microseconds()).Scan(&expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, ss.Errorf(ss.EUNAUTHORIZED, "", "unknown or revoked token")
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("tokens: start session: %w", err)
	}
	return id, expires, nil
}

// sessionSQL finds a live session ($1 its hash) and its live token; $2 is
// the idle timeout in µs, 0 for none. It records the session as seen at
// most once a minute, in the same round trip.
const sessionSQL = `WITH live AS (
    SELECT w.hash, w.token_id, w.seen_at FROM web_sessions w
    WHERE w.hash = $1 AND w.expires_at > now() AND ($2::bigint = 0 OR w.seen_at > now() - $2::bigint * interval '1 microsecond')),
touched AS (
    UPDATE web_sessions w SET seen_at = now() FROM live
    WHERE w.hash = live.hash AND live.seen_at < now() - interval '1 minute')
SELECT t.id, t.name, t.role, coalesce(t.stores, '{}')
FROM live JOIN api_tokens t ON t.id = live.token_id WHERE t.revoked_at IS NULL`

// Session returns the principal of session id: its token's, while the
// session has not expired, has been used within idle (0: no idle limit)
// and its token is live; else an EUNAUTHORIZED error. Sessions are never
// cached, so that signing out ends one at once on every replica.
func (s *Service) Session(ctx context.Context, id string, idle time.Duration) (*ss.Principal, error) {
	if !strings.HasPrefix(id, sessionPrefix) {
		return nil, errNoSession
	}
	p := &ss.Principal{}
	err := s.pool.QueryRow(ctx, sessionSQL, hash(id), idle.Microseconds()).Scan(&p.TokenID, &p.Name, &p.Role, &p.Stores)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("tokens: session: %w", err)
	}
	return p, nil
}

// EndSession deletes session id; an unknown or ended one is no error.
func (s *Service) EndSession(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE hash = $1`, hash(id)); err != nil {
		return fmt.Errorf("tokens: end session: %w", err)
	}
	return nil
}
