package db

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// DefaultDatabase is the database Open uses, and creates if missing, when
// Options.Database is empty.
const DefaultDatabase = "shrinkscope"

// Options says where Open looks for PostgreSQL.
type Options struct {
	// URL is DATABASE_URL; when set it is used as is and nothing else is tried.
	URL string
	// StateDir is where an embedded server keeps its data; default StateDir(os.Getenv).
	StateDir string
	// Database is the database to use, created if missing, when discovering; default DefaultDatabase.
	Database string
	// MaxConns is the pool size; 0 keeps the pgxpool default.
	MaxConns int32
	// ExecMode is how pgx sends queries (--database-exec-mode): ExecAuto (or
	// empty, the default), ExecCacheStatement, ExecCacheDescribe,
	// describe_exec, exec or simple_protocol. Behind a pooler in transaction
	// mode that drops named prepared statements, cache_statement fails at Open.
	ExecMode string
	// urlExecMode: URL names default_query_exec_mode, which ExecAuto keeps.
	urlExecMode bool
	// Logger hears what Open decided; nil means slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.StateDir == "" {
		o.StateDir = StateDir(os.Getenv)
	}
	if o.Database == "" {
		o.Database = DefaultDatabase
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// StateDir returns where shrinkscope keeps state such as an embedded
// server's data: $XDG_STATE_HOME/shrinkscope if set, /var/lib/shrinkscope for
// root, else $HOME/.local/state/shrinkscope.
func StateDir(getenv func(string) string) string {
	return stateDir(getenv, os.Geteuid())
}

func stateDir(getenv func(string) string, euid int) string {
	// The XDG spec says relative values are invalid and must be ignored.
	if x := getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "shrinkscope")
	}
	// Root's home is 0700, so the unprivileged user PostgreSQL runs as could
	// not reach a data directory under it.
	if euid == 0 {
		return "/var/lib/shrinkscope"
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "shrinkscope")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("shrinkscope-%d", euid))
}
