// Package tokens issues, checks and revokes the bearer tokens of the API,
// and keeps the browser sessions opened with them. Only a SHA-256 of each
// secret and session id is stored; a token's secret is shown once.
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
)

// secretPrefix marks shrinkscope tokens so secret scanners can find leaked ones.
const secretPrefix = "sst_"

// Service stores tokens in the api_tokens table and browser sessions in
// web_sessions (sessions.go).
type Service struct {
	pool *pgxpool.Pool
	used sync.Map // token id → time this process last recorded its use
}

// New returns a Service on pool.
func New(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// Token describes an issued token; the secret itself is never stored.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       ss.Role    `json:"role"`
	Stores     []string   `json:"stores"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Create issues a token and returns its secret, which cannot be recovered later.
func (s *Service) Create(ctx context.Context, name string, role ss.Role, stores []string) (secret string, tok Token, err error) {
	if name == "" || ss.TextProblem("name", name, 100) != "" {
		return "", tok, ss.Errorf(ss.EINVALID, "name", "a token needs a name of 1-100 characters")
	}
	if !role.Valid() {
		return "", tok, ss.Errorf(ss.EINVALID, "role", "role %q is not one of %v", role, ss.Roles)
	}
	for _, c := range stores {
		if !ss.ValidCode(c) {
			return "", tok, ss.Errorf(ss.EINVALID, "stores", "store code %q is malformed", c)
		}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", tok, fmt.Errorf("tokens: random: %w", err)
	}
	secret = secretPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	var scope []string
	if len(stores) > 0 {
		scope = stores
	}
	tok = Token{Name: name, Role: role, Stores: scope, Prefix: secret[:len(secretPrefix)+6]}
	err = s.pool.QueryRow(ctx, `INSERT INTO api_tokens (name, role, stores, hash, prefix) VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`,
		name, role, scope, hash(secret), tok.Prefix).Scan(&tok.ID, &tok.CreatedAt)
	if err != nil {
		return "", tok, fmt.Errorf("tokens: create %q: %w", name, err)
	}
	return secret, tok, nil
}

// Authenticate returns the principal of a live token, or an EUNAUTHORIZED error.
func (s *Service) Authenticate(ctx context.Context, secret string) (*ss.Principal, error) {
	if !strings.HasPrefix(secret, secretPrefix) {
		return nil, ss.Errorf(ss.EUNAUTHORIZED, "", "unknown or revoked token")
	}
	p := &ss.Principal{}
	err := s.pool.QueryRow(ctx, `SELECT id, name, role, coalesce(stores, '{}') FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`,
		hash(secret)).Scan(&p.TokenID, &p.Name, &p.Role, &p.Stores)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ss.Errorf(ss.EUNAUTHORIZED, "", "unknown or revoked token")
	}
	if err != nil {
		return nil, fmt.Errorf("tokens: authenticate: %w", err)
	}
	// Record use at most once a minute per token (and per process, without
	// asking the database), to keep reads free of writes.
	now := time.Now()
	if last, ok := s.used.Load(p.TokenID); !ok || now.Sub(last.(time.Time)) >= time.Minute {
		s.used.Store(p.TokenID, now)
		_, _ = s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, p.TokenID)
	}
	return p, nil
}

// List returns every token, newest first.
func (s *Service) List(ctx context.Context) ([]Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, role, stores, prefix, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("tokens: list: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		err := r.Scan(&t.ID, &t.Name, &t.Role, &t.Stores, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("tokens: list: %w", err)
	}
	return list, nil
}

// Revoke revokes the token with the given id or name (every live token of
// that name), ends their browser sessions, and returns how many were revoked.
func (s *Service) Revoke(ctx context.Context, idOrName string) (int, error) {
	id, _ := strconv.ParseInt(idOrName, 10, 64)
	var n int
	err := s.pool.QueryRow(ctx, `WITH r AS (
    UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND (id = $1 OR name = $2) RETURNING id),
ended AS (DELETE FROM web_sessions WHERE token_id IN (SELECT id FROM r))
SELECT count(*) FROM r`, id, idOrName).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("tokens: revoke %s: %w", idOrName, err)
	}
	if n == 0 {
		return 0, ss.Errorf(ss.ENOTFOUND, "token", "no live token with id or name %q", idOrName)
	}
	return n, nil
}
