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
	// ExecCacheDescribe behind a pooler, unless the sessions probe saw named
	// prepared statements carried across its sessions, ExecCacheStatement
	// everywhere else.
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
	// Known is false when the probe could not connect.
	Known bool
	// Pooler: the backend the connection was told of at its start (its
	// BackendKeyData) is not the server session its queries run in: a pooler
	// such as PgBouncer stands between, in whatever mode.
	Pooler bool
	// PerTransaction: two transactions of one connection were seen to run
	// in different server sessions, as behind PgBouncer in pool_mode
	// transaction (or statement). Not seeing it proves nothing: a pooler may
	// hand a client the same server connection again.
	PerTransaction bool
	// NamedLost: a statement prepared under a name on the connection was
	// unknown in another of its server sessions (PgBouncer before 1.21, or
	// without max_prepared_statements), so cache_statement fails there.
	NamedLost bool
}

// String says what s means, for logs.
func (s Sessions) String() string {
	switch {
	case !s.Known:
		return "unknown"
	case !s.Pooler:
		return "straight to PostgreSQL"
	case s.NamedLost:
		return "a pooler, pooled per transaction, named prepared statements lost between transactions"
	case s.PerTransaction:
		return "a pooler, pooled per transaction"
	}
	return "a pooler"
}

// probeWait bounds each step of the probe: behind a pooler with no server
// connection free, a query waits for one, and the probe gives up instead.
const probeWait = 3 * time.Second

// probeTries is how many transactions the probe runs to find one in
// another server session than the first.
const probeTries = 5

// ProbeSessions tells whether cfg's connections reach PostgreSQL straight
// or through a pooler: PostgreSQL tells a client at its start the process id
// of its session, which pg_backend_pid() repeats; a pooler makes up its own.
// Behind a pooler it then looks for transaction pooling and lost named
// statements: connection a prepares a named statement, b holds a
// transaction open (and with it a server connection, often the one a used
// last: PgBouncer hands out the most recently used first), and a runs
// transactions until one lands in another session, where it runs the
// statement. On an error it returns what it had found before it.
func ProbeSessions(ctx context.Context, cfg *pgx.ConnConfig) (Sessions, error) {
	cfg = cfg.Copy()
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > probeWait {
		cfg.ConnectTimeout = probeWait
	}
	step, cancel := context.WithTimeout(ctx, 2*probeWait)
	defer cancel()
	var s Sessions
	// What was found before a failure stands: a pooler seen is a pooler.
	fail := func(err error) (Sessions, error) { return s, fmt.Errorf("db: probe sessions: %w", err) }
	a, err := pgx.ConnectConfig(step, cfg)
	if err != nil {
		return fail(err)
	}
	defer a.Close(context.Background())
	var first uint32
	if err := a.QueryRow(step, `SELECT pg_backend_pid()`).Scan(&first); err != nil {
		return fail(err)
	}
	s = Sessions{Known: true, Pooler: a.PgConn().PID() != first}
	if !s.Pooler {
		return s, nil
	}
	// A random name: a pooler without prepared-statement support leaves the
	// statement in a server session that others are handed later.
	// It is prepared inside a transaction, so in the one server session
	// whose process id is read there: the first query's session may have
	// gone back to the pool since, and the statement must be looked for in
	// a session other than the one that holds it.
	name := "shrinkscope_probe_" + probeSuffix()
	if _, err := a.Exec(step, `BEGIN`); err != nil {
		return fail(err)
	}
	if err := a.QueryRow(step, `SELECT pg_backend_pid()`).Scan(&first); err != nil {
		return fail(err)
	}
	if _, err := a.PgConn().Prepare(step, name, `SELECT 1`, nil); err != nil {
		return fail(err)
	}
	if _, err := a.Exec(step, `COMMIT`); err != nil {
		return fail(err)
	}
	b, err := pgx.ConnectConfig(step, cfg)
	if err != nil {
		return fail(err)
	}
	defer b.Close(context.Background())
	tx, err := b.Begin(step)
	if err != nil {
		return fail(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(step, `SELECT pg_backend_pid()`); err != nil {
		return fail(err)
	}
	for range probeTries {
		// The session and the statement looked up in one transaction, so in
		// one server session.
		var pid uint32
		if _, err := a.Exec(step, `BEGIN`); err != nil {
			return fail(err)
		}
		if err := a.QueryRow(step, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return fail(err)
		}
		if pid != first {
			s.PerTransaction = true
			err := a.PgConn().ExecPrepared(step, name, nil, nil, nil).Read().Err
			var pe *pgconn.PgError
			switch {
			case errors.As(err, &pe) && pe.Code == "26000": // invalid_sql_statement_name: not in this session
				s.NamedLost = true
			case err != nil:
				return fail(err)
			}
		}
		if _, err := a.Exec(step, `ROLLBACK`); err != nil {
			return fail(err)
		}
		if s.PerTransaction {
			break
		}
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
// URL's default_query_exec_mode, else takes cache_describe behind a pooler
// (it works in every pool mode, at the cost of a parse and plan per query)
// unless the probe saw a named statement survive there, and
// cache_statement straight to PostgreSQL. A mode seen to fail behind the
// pooler fails here, at start, rather than on a query in another session
// ("prepared statement … does not exist").
func chooseExecMode(ctx context.Context, o Options, cfg *pgx.ConnConfig, url string) (Sessions, error) {
	s, err := ProbeSessions(ctx, cfg)
	if err != nil {
		o.Logger.Warn("db: could not tell whether a pooler stands before PostgreSQL", "url", url, "err", err)
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
	case s.Pooler && !(s.PerTransaction && !s.NamedLost):
		// Named statements are kept only where the probe saw one survive a
		// change of session (PgBouncer 1.21+ with max_prepared_statements):
		// they spare a parse and plan per query (docs/BENCHMARKS.md).
		cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	mode := cfg.DefaultQueryExecMode
	switch {
	case s.NamedLost && mode == pgx.QueryExecModeCacheStatement:
		return s, fmt.Errorf("db: %s pools server sessions per transaction (PgBouncer in pool_mode transaction?) and drops named prepared statements between them, "+
			"so exec mode cache_statement (from %s) would fail: use --database-exec-mode cache_describe (or auto), or PgBouncer 1.21 or later with max_prepared_statements", url, from)
	// describe_exec describes a statement in one round trip and runs it in
	// the next, which a transaction pooler may send to another session.
	case s.PerTransaction && mode == pgx.QueryExecModeDescribeExec:
		return s, fmt.Errorf("db: %s pools server sessions per transaction (PgBouncer in pool_mode transaction?), "+
			"where exec mode describe_exec (from %s) runs statements in a session other than the one that described them: use --database-exec-mode cache_describe (or auto)", url, from)
	case s.Pooler && (mode == pgx.QueryExecModeCacheStatement || mode == pgx.QueryExecModeDescribeExec):
		o.Logger.Warn("db: a pooler stands before PostgreSQL: exec mode "+ExecModeName(mode)+" works only if it pools per session, or (cache_statement) carries prepared statements over (PgBouncer 1.21+ max_prepared_statements)",
			"url", url, "from", from)
	}
	return s, nil
}

// InheritExecMode sets the exec mode of cfg, a pool opened beside Open's
// on url (a read replica's, which connects lazily and is not probed): mode
// (--database-exec-mode) when it is not auto, else the URL's own
// default_query_exec_mode, else primary, the mode Open chose: a replica is
// reached as its primary is, through a pooler or not.
func InheritExecMode(cfg *pgx.ConnConfig, url, mode string, primary pgx.QueryExecMode) error {
	if mode != "" && mode != ExecAuto {
		m, ok := execModes[mode]
		if !ok {
			return CheckExecMode(mode)
		}
		cfg.DefaultQueryExecMode = m
		return nil
	}
	if pc, err := pgconn.ParseConfig(url); err == nil {
		if _, ok := pc.RuntimeParams["default_query_exec_mode"]; ok {
			return nil
		}
	}
	cfg.DefaultQueryExecMode = primary
	return nil
}
