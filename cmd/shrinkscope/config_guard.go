package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/web"
)

// guardFlags are the settings that protect serve from its clients: browser
// sessions, rate limits, the read gate, the token cache and the ingest
// pool.
var guardFlags = []string{"session-ttl", "session-idle", "rate-limit", "read-concurrency", "read-wait", "token-cache-ttl", "db-ingest-conns",
	"body-grace", "body-min-rate"}

func guardSettings(c *Config) []setting {
	dur := func(p *time.Duration, zeroOK bool) func(string) error {
		return func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d == 0 && !zeroOK {
				want := "a positive duration such as 12h"
				if zeroOK {
					want = "a duration such as 2h, or 0"
				}
				return fmt.Errorf("want %s, got %q", want, v)
			}
			*p = d
			return nil
		}
	}
	return []setting{
		{"session-ttl", "SHRINKSCOPE_SESSION_TTL", "12h", "how long a browser session lasts from sign-in, enforced by the server", dur(&c.SessionTTL, false)},
		{"session-idle", "SHRINKSCOPE_SESSION_IDLE", "2h", "a browser session unused this long ends; 0: no idle limit", dur(&c.SessionIdle, true)},
		{"rate-limit", "SHRINKSCOPE_RATE_LIMIT", web.DefaultRateLimits, "requests per token by role, a token bucket of N refilled every s or m, in each replica (role=N/s or role=N/m, comma-separated; roles left out are not limited; none: no limits)", func(v string) error {
			if v == "none" {
				c.RateLimits = nil
				return nil
			}
			m, err := web.ParseRateLimits(v)
			if err != nil {
				return err
			}
			c.RateLimits = m
			return nil
		}},
		{"read-concurrency", "SHRINKSCOPE_READ_CONCURRENCY", "0", "reads (GETs that need a token) served at once; more wait up to --read-wait; 0: half of --db-max-conns; -1: no limit", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < -1 {
				return fmt.Errorf("want a count, 0 or -1, got %q", v)
			}
			c.ReadConcurrency = n
			return nil
		}},
		{"read-wait", "SHRINKSCOPE_READ_WAIT", "2s", "longest a read waits for its turn; then 503 with Retry-After", dur(&c.ReadWait, false)},
		{"token-cache-ttl", "SHRINKSCOPE_TOKEN_CACHE_TTL", "5s", "how long a token found live is trusted without asking the database; a revoked token keeps working on other replicas up to this long; 0: no cache", dur(&c.TokenCacheTTL, true)},
		{"db-ingest-conns", "SHRINKSCOPE_DB_INGEST_CONNS", "4", "connections of a pool of their own for ingest and token lookups, so reads never take them; 0: share the main pool", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("want a non-negative integer, got %q", v)
			}
			c.DBIngestConns = n
			return nil
		}},
		{"body-grace", "SHRINKSCOPE_BODY_GRACE", "10s", "how long a request body may take before --body-min-rate applies", dur(&c.BodyGrace, false)},
		{"body-min-rate", "SHRINKSCOPE_BODY_MIN_RATE", "1024", "bytes a second a request body must average after --body-grace, or it is cut with 408 (a trickled body holding a connection open); far below any store uplink", func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return fmt.Errorf("want a positive number of bytes a second, got %q", v)
			}
			c.BodyMinRate = n
			return nil
		}},
	}
}

// webGuards are the server options of the guard settings.
func webGuards(c *Config, o *web.Options) {
	o.SessionTTL, o.SessionIdle = c.SessionTTL, c.SessionIdle
	if c.SessionIdle == 0 {
		o.SessionIdle = -1 // web.Options: negative is no idle limit
	}
	o.RateLimits = c.RateLimits
	if o.RateLimits == nil {
		o.RateLimits = map[ss.Role]web.Rate{} // none asked for: limit nothing
	}
	o.ReadWait = c.ReadWait
	o.BodyGrace, o.MinBodyRate = c.BodyGrace, c.BodyMinRate
	switch c.ReadConcurrency {
	case 0:
		conns := c.DBMaxConns
		if conns == 0 { // pgxpool's own default size
			conns = max(4, runtime.NumCPU())
		}
		o.ReadConcurrency = max(1, conns/2)
	case -1:
		o.ReadConcurrency = 0 // web.Options: no gate
	default:
		o.ReadConcurrency = c.ReadConcurrency
	}
}

// ingestPool opens the pool of --db-ingest-conns on main's server, or
// returns main itself when none is asked for; release closes it.
func ingestPool(ctx context.Context, main *pgxpool.Pool, conns int) (pool *pgxpool.Pool, release func(), err error) {
	if conns <= 0 {
		return main, func() {}, nil
	}
	cfg := main.Config().Copy()
	cfg.MaxConns, cfg.MinConns = int32(conns), 0
	pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("--db-ingest-conns: open the ingest pool: %w", err)
	}
	return pool, pool.Close, nil
}
