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
	now  func() time.Time

	mu    sync.Mutex
	ttl   time.Duration         // how long a looked-up token is trusted without asking again; 0: always ask
	cache map[[32]byte]cacheHit // by the secret's hash; live tokens only
}

// cacheHit is a token found live, trusted until until.
type cacheHit struct {
	p     ss.Principal
	until time.Time
}

// New returns a Service on pool, without a token cache.
func New(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, now: time.Now, cache: map[[32]byte]cacheHit{}}
}

// SetCacheTTL has Authenticate trust a token it found live for ttl without
// asking the database again (0, the default: ask every time), so that
// bursts of requests do not each take a connection to check their token.
// The price: a token revoked by another process or replica keeps working
// here for up to ttl; one revoked through this Service stops at once.
func (s *Service) SetCacheTTL(ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ttl = max(ttl, 0)
	clear(s.cache)
}

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

// cached returns the principal of a token found live less than the cache's
// TTL ago.
func (s *Service) cached(key [32]byte) (*ss.Principal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hit, ok := s.cache[key]
	if !ok {
		return nil, false
	}
	if !s.now().Before(hit.until) {
		delete(s.cache, key)
		return nil, false
	}
	p := hit.p
	return &p, true
}

func (s *Service) remember(key [32]byte, p *ss.Principal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ttl > 0 {
		s.cache[key] = cacheHit{p: *p, until: s.now().Add(s.ttl)}
	}
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

// Authenticate returns the principal of a live token, or an EUNAUTHORIZED
// error. With a cache TTL set, a token found live is trusted that long.
func (s *Service) Authenticate(ctx context.Context, secret string) (*ss.Principal, error) {
	if !strings.HasPrefix(secret, secretPrefix) {
		return nil, ss.Errorf(ss.EUNAUTHORIZED, "", "unknown or revoked token")
	}
	key := sha256.Sum256([]byte(secret))
	if p, ok := s.cached(key); ok {
		s.recordUse(ctx, p.TokenID)
		return p, nil
	}
	p := &ss.Principal{}
	err := s.pool.QueryRow(ctx, `SELECT id, name, role, coalesce(stores, '{}') FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`,
		key[:]).Scan(&p.TokenID, &p.Name, &p.Role, &p.Stores)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ss.Errorf(ss.EUNAUTHORIZED, "", "unknown or revoked token")
	}
	if err != nil {
		return nil, fmt.Errorf("tokens: authenticate: %w", err)
	}
	s.remember(key, p)
	s.recordUse(ctx, p.TokenID)
	return p, nil
}

// recordUse records a token's use at most once a minute per token (and per
// process, without asking the database), to keep reads free of writes.
func (s *Service) recordUse(ctx context.Context, id int64) {
	now := time.Now()
	if last, ok := s.used.Load(id); !ok || now.Sub(last.(time.Time)) >= time.Minute {
		s.used.Store(id, now)
		_, _ = s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, id)
	}
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
	// This process stops trusting every cached token at once; others do
	// within their cache TTL.
	s.mu.Lock()
	clear(s.cache)
	s.mu.Unlock()
	return n, nil
}
