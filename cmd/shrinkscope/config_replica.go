package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/internal/db"
)

// replicaFlags are the read replica's settings.
var replicaFlags = []string{"read-database-url", "read-stale-after", "read-fallback-after"}

// replicaConfig holds them.
type replicaConfig struct {
	// ReadDatabaseURL (SHRINKSCOPE_READ_DATABASE_URL) is a streaming replica's URL; empty: the primary answers every read.
	ReadDatabaseURL string
	// ReadStaleAfter (SHRINKSCOPE_READ_STALE_AFTER) is the replica lag past which pages say "data as of …".
	ReadStaleAfter time.Duration
	// ReadFallbackAfter (SHRINKSCOPE_READ_FALLBACK_AFTER) is the replica lag past which reads go to the primary.
	ReadFallbackAfter time.Duration
}

func replicaSettings(c *Config) []setting {
	dur := func(p *time.Duration) func(string) error {
		return func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("want a positive duration such as 30s, got %q", v)
			}
			*p = d
			return nil
		}
	}
	return []setting{
		{"read-database-url", "SHRINKSCOPE_READ_DATABASE_URL", "", "PostgreSQL URL of a streaming replica of --database-url that answers dashboard pages and the KPI, hotspot, segment, staffing, findings and report reads; writes and reads that must see their own writes stay on the primary; empty: the primary answers every read", func(v string) error {
			if v != "" {
				if _, err := pgxpool.ParseConfig(v); err != nil {
					return fmt.Errorf("want a PostgreSQL URL: %v", err)
				}
			}
			c.ReadDatabaseURL = v
			return nil
		}},
		{"read-stale-after", "SHRINKSCOPE_READ_STALE_AFTER", "30s", "replica lag past which an answer from the replica says how old it is on pages (\"data as of …\"); JSON always carries as_of", dur(&c.ReadStaleAfter)},
		{"read-fallback-after", "SHRINKSCOPE_READ_FALLBACK_AFTER", "5m", "replica lag past which reads go to the primary (as they do while the replica is unreachable), counted by shrinkscope_read_replica_fallbacks_total", dur(&c.ReadFallbackAfter)},
	}
}

// withReplica opens --read-database-url's pool and gives svc the services
// on it and the Reader that chooses between it and the primary; without
// the setting svc reads from the primary. configure applies to the
// replica's services what the primary's were given. release closes the pool.
func withReplica(ctx context.Context, svc app.Services, c *Config, log *slog.Logger, configure func(*app.Services)) (app.Services, func(), error) {
	if c.ReadDatabaseURL == "" {
		return svc, func() {}, nil
	}
	cfg, err := pgxpool.ParseConfig(c.ReadDatabaseURL)
	if err != nil {
		return svc, nil, fmt.Errorf("--read-database-url: %w", err)
	}
	if c.DBMaxConns > 0 {
		cfg.MaxConns = int32(c.DBMaxConns)
	}
	if err := db.InheritExecMode(cfg.ConnConfig, c.ReadDatabaseURL, c.DatabaseExecMode, svc.Pool.Config().ConnConfig.DefaultQueryExecMode); err != nil {
		return svc, nil, fmt.Errorf("--database-exec-mode: %w", err)
	}
	// The pool connects lazily: a replica down at start is a fallback to
	// the primary, not a failure to serve.
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return svc, nil, fmt.Errorf("--read-database-url: open the read pool: %w", err)
	}
	rsvc := newServices(pool, c)
	configure(&rsvc)
	svc.Replica = &rsvc
	svc.Reads = db.NewReader(svc.Pool, pool, db.ReaderOptions{StaleAfter: c.ReadStaleAfter, FallbackAfter: c.ReadFallbackAfter})
	if err := svc.Reads.Probe(ctx); err != nil {
		log.Warn("read replica unreachable: reading from the primary until it answers", "err", err)
	} else {
		lag, _ := svc.Reads.Lag()
		log.Info("reading from a replica", "lag", lag.String())
	}
	return svc, pool.Close, nil
}
