package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"github.com/shrinkscope/shrinkscope/alerts"
	"github.com/shrinkscope/shrinkscope/internal/db"
	"github.com/shrinkscope/shrinkscope/reports"
)

// poolConfig holds the settings for running behind a connection pooler
// such as PgBouncer in transaction mode.
type poolConfig struct {
	// DatabaseExecMode (SHRINKSCOPE_DATABASE_EXEC_MODE) is how queries are
	// sent: auto (the default), cache_statement, cache_describe,
	// describe_exec, exec or simple_protocol (db.Options.ExecMode).
	DatabaseExecMode string
	// ListenDatabaseURL (SHRINKSCOPE_LISTEN_DATABASE_URL) is the PostgreSQL URL
	// the alert stream LISTENs on, straight to PostgreSQL; default empty: the
	// pool's own, or polling where a pooler stands (listenConfig).
	ListenDatabaseURL string

	// For tests: the scheduler's clock and six-field schedules, and a
	// function told of each job run as it starts.
	jobClock   reports.Clock
	jobSeconds bool
	onJob      func(name string)
}

func poolSettings(c *Config) []setting {
	return []setting{
		// An explicit flag rather than only pgx's default_query_exec_mode in the URL:
		// a discovered or embedded database has no URL to carry it, and the
		// flag's auto probes the server sessions at start, so a pooler that
		// would break the mode in use stops the start with the fix named
		// instead of failing queries later.
		{"database-exec-mode", "SHRINKSCOPE_DATABASE_EXEC_MODE", db.ExecAuto, "how queries are sent: cache_statement (named prepared statements, one round trip), " +
			"cache_describe (unnamed statements, one round trip; for PgBouncer in pool_mode transaction before 1.21, or without max_prepared_statements), " +
			"exec, simple_protocol; auto: default_query_exec_mode in DATABASE_URL if it has one, else cache_describe behind a pooler (a probe at start tells) unless it carries prepared statements over, " +
			"else cache_statement; a mode the probe sees fail behind the pooler fails the start", func(v string) error {
			if err := db.CheckExecMode(v); err != nil {
				return err
			}
			c.DatabaseExecMode = v
			return nil
		}},
		{"listen-database-url", "SHRINKSCOPE_LISTEN_DATABASE_URL", "", "PostgreSQL URL the alert stream LISTENs on for new alerts, straight to PostgreSQL: " +
			"LISTEN does not pass PgBouncer in pool_mode transaction; empty: the database URL, unless a pooler stands there: then consoles hear of alerts by polling the outbox every second", func(v string) error {
			if v != "" {
				if _, err := pgx.ParseConfig(v); err != nil {
					return fmt.Errorf("not a valid PostgreSQL connection string")
				}
			}
			c.ListenDatabaseURL = v
			return nil
		}},
	}
}

// listenConfig sets where the alert stream LISTENs: --listen-database-url
// when given (a start that cannot reach it, or finds it pooled per
// transaction, fails naming it), else the pool's own connection, unless a
// pooler stands there, where a LISTEN may hear nothing: then the stream polls.
func listenConfig(ctx context.Context, c *Config, d *db.DB, log *slog.Logger, cfg *alerts.Config) error {
	if c.ListenDatabaseURL == "" {
		if d.Sessions.Pooler {
			cfg.NoListen = true
			log.Warn("a pooler stands before the database, and through one in transaction mode LISTEN hears nothing: alert consoles hear of alerts by polling the outbox; set --listen-database-url to a URL straight to PostgreSQL")
		}
		return nil
	}
	lc, err := pgx.ParseConfig(c.ListenDatabaseURL)
	if err != nil {
		return fmt.Errorf("--listen-database-url: not a valid PostgreSQL connection string")
	}
	s, err := db.ProbeSessions(ctx, lc)
	if err != nil {
		return fmt.Errorf("--listen-database-url: %w", err)
	}
	if s.PerTransaction {
		return fmt.Errorf("--listen-database-url: its sessions are pooled per transaction (a PgBouncer in pool_mode transaction?), where LISTEN hears nothing: give a URL straight to PostgreSQL")
	}
	if s.Pooler {
		log.Warn("--listen-database-url: a pooler stands there; LISTEN works through it only if it pools per session", "url", c.ListenDatabaseURL)
	}
	cfg.Listen = lc
	return nil
}
