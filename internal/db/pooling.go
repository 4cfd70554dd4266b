package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Exec modes, as --database-exec-mode and pgx's default_query_exec_mode name them.
const (
	// ExecAuto keeps the URL's default_query_exec_mode when it has one; else it is
	// ExecCacheDescribe where the sessions probe finds a transaction pooler that
	// drops named prepared statements, ExecCacheStatement everywhere else.
	ExecAuto = "auto"
	// ExecCacheStatement prepares each statement once per connection under a name
	// (pgx's default): one round trip per query, but the name lives in a server
	// session, which a pooler in transaction mode hands to other clients.
	ExecCacheStatement = "cache_statement"
	// ExecCacheDescribe caches each statement's description and sends it unnamed,
	// parsed with every execution: one round trip per query, and nothing that
	// must outlive the transaction, so it works through any pooler.
	ExecCacheDescribe = "cache_describe"
)

var execModes = map[string]pgx.QueryExecMode{
	ExecCacheStatement: pgx.QueryExecModeCacheStatement,
	ExecCacheDescribe:  pgx.QueryExecModeCacheDescribe,
	"describe_exec":    pgx.QueryExecModeDescribeExec,
	"exec":             pgx.QueryExecModeExec,
	"simple_protocol":  pgx.QueryExecModeSimpleProtocol,
}

// CheckExecMode says whether s is an exec mode Options.ExecMode accepts.
func CheckExecMode(s string) error {
	if _, ok := execModes[s]; ok || s == ExecAuto || s == "" {
		return nil
	}
	return fmt.Errorf("want auto, cache_statement, cache_describe, describe_exec, exec or simple_protocol, got %q", s)
}

// ExecModeName is the name of m, as default_query_exec_mode spells it.
func ExecModeName(m pgx.QueryExecMode) string {
	for n, v := range execModes {
		if v == m {
			return n
		}
	}
	return m.String()
}

// Sessions is what the sessions probe found about the server sessions behind
// a connection.
type Sessions struct {
	// Known is false when the probe could not tell (the pooler had no second
	// server connection free, or a probe query failed).
	Known bool
	// PerTransaction: two transactions of one connection ran in different
	// server sessions, as behind PgBouncer in pool_mode transaction (or statement).
	PerTransaction bool
	// NamedStatements: a statement prepared under a name on the connection
	// could still be run from another transaction in another session, as
	// behind PgBouncer 1.21 or later with max_prepared_statements set. Always
	// true when sessions are not pooled per transaction.
	NamedStatements bool
}

// String says what s means, for logs.
func (s Sessions) String() string {
	switch {
	case !s.Known:
		return "unknown"
	case !s.PerTransaction:
		return "one server session per connection"
	case s.NamedStatements:
		return "pooled per transaction, named prepared statements carried over by the pooler"
	}
	return "pooled per transaction, named prepared statements lost between transactions"
}

// probeWait bounds each step of the probe: behind a pooler with no server
// connection free, a query waits for one, and the probe gives up instead.
const probeWait = 3 * time.Second

// ProbeSessions tells whether cfg's connections keep one server session (a
// direct connection, or a pooler in session mode) or are pooled per
// transaction, and then whether named prepared statements survive there. It
// opens two connections: a prepares a named statement, b holds a transaction
// open, and a runs again. Behind a transaction pooler b's transaction holds
// the server connection a used last (PgBouncer hands out the most recently
// used one first), so a's next statement runs in another session, where its
// statement is unknown unless the pooler carries it over.
func ProbeSessions(ctx context.Context, cfg *pgx.ConnConfig) (Sessions, error) {
	cfg = cfg.Copy()
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > probeWait {
		cfg.ConnectTimeout = probeWait
	}
	a, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return Sessions{}, fmt.Errorf("db: probe sessions: %w", err)
	}
	defer a.Close(context.Background())
	b, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return Sessions{}, fmt.Errorf("db: probe sessions: %w", err)
	}
	defer b.Close(context.Background())

	step, cancel := context.WithTimeout(ctx, probeWait)
	defer cancel()
	var first, second, held int32
	if err := a.QueryRow(step, `SELECT pg_backend_pid()`).Scan(&first); err != nil {
		return Sessions{}, fmt.Errorf("db: probe sessions: %w", err)
	}
	// A random name: a pooler without prepared-statement support leaves the
	// statement in a server session that others are handed later.
	name := "shrinkscope_probe_" + probeSuffix()
	if _, err := a.PgConn().Prepare(step, name, `SELECT 1`, nil); err != nil {
		return Sessions{}, fmt.Errorf("db: probe sessions: prepare: %w", err)
	}
	tx, err := b.Begin(step)
	if err != nil {
		return Sessions{}, fmt.Errorf("db: probe sessions: %w", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if err := tx.QueryRow(step, `SELECT pg_backend_pid()`).Scan(&held); err != nil {
		return Sessions{}, fmt.Errorf("db: probe sessions: %w", err)
	}
	if err := a.QueryRow(step, `SELECT pg_backend_pid()`).Scan(&second); err != nil {
		if step.Err() != nil {
			return Sessions{}, nil // no second server connection free: cannot tell
		}
		return Sessions{}, fmt.Errorf("db: probe sessions: %w", err)
	}
	if second == first {
		return Sessions{Known: true, NamedStatements: true}, nil
	}
	s := Sessions{Known: true, PerTransaction: true}
	rr := a.PgConn().ExecPrepared(step, name, nil, nil, nil).Read()
	var pe *pgconn.PgError
	switch {
	case rr.Err == nil:
		s.NamedStatements = true
	case errors.As(rr.Err, &pe) && pe.Code == "26000": // invalid_sql_statement_name: not in this session
	default:
		return Sessions{}, fmt.Errorf("db: probe sessions: run the prepared statement: %w", rr.Err)
	}
	return s, nil
}

func probeSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// chooseExecMode probes the sessions behind cfg and sets cfg's exec mode
// from o.ExecMode: an explicit mode is used as given; ExecAuto keeps the
// URL's default_query_exec_mode, else takes cache_describe where named
// prepared statements would be lost between transactions. A pool whose mode
// needs named statements there fails here, at start, rather than on its
// first query in another session ("prepared statement … does not exist").
func chooseExecMode(ctx context.Context, o Options, cfg *pgx.ConnConfig, url string) (Sessions, error) {
	s, err := ProbeSessions(ctx, cfg)
	if err != nil {
		o.Logger.Warn("db: could not tell whether sessions are pooled per transaction", "url", url, "err", err)
	}
	from := "auto"
	switch {
	case o.ExecMode != "" && o.ExecMode != ExecAuto:
		m, ok := execModes[o.ExecMode]
		if !ok {
			return s, fmt.Errorf("db: exec mode: %v", CheckExecMode(o.ExecMode))
		}
		cfg.DefaultQueryExecMode, from = m, "--database-exec-mode"
	case o.urlExecMode:
		from = "default_query_exec_mode in DATABASE_URL"
	case s.PerTransaction && !s.NamedStatements:
		cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
		o.Logger.Info("db: sessions are pooled per transaction without named prepared statements: exec mode cache_describe", "url", url)
	}
	if s.PerTransaction && !s.NamedStatements && cfg.DefaultQueryExecMode == pgx.QueryExecModeCacheStatement {
		return s, fmt.Errorf("db: %s pools server sessions per transaction (PgBouncer in pool_mode transaction?) and drops named prepared statements between them, "+
			"so exec mode cache_statement (from %s) would fail: use --database-exec-mode cache_describe (or auto), or PgBouncer 1.21 or later with max_prepared_statements", url, from)
	}
	// describe_exec describes a statement in one round trip and runs it in
	// the next, which a transaction pooler may send to another session.
	if s.PerTransaction && cfg.DefaultQueryExecMode == pgx.QueryExecModeDescribeExec {
		return s, fmt.Errorf("db: %s pools server sessions per transaction (PgBouncer in pool_mode transaction?), "+
			"where exec mode describe_exec (from %s) runs statements in a session other than the one that described them: use --database-exec-mode cache_describe (or auto)", url, from)
	}
	return s, nil
}
