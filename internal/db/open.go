package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Where a DB's server came from, as DB.Source says.
const (
	// SourceURL means Options.URL (DATABASE_URL) was used.
	SourceURL = "url"
	// SourceLocal means a PostgreSQL already running on this machine was used.
	SourceLocal = "local"
	// SourceEmbedded means a server with data under StateDir was used, started by this or an earlier process.
	SourceEmbedded = "embedded"
)

// DB is an open pool plus what it takes to shut down what Open started.
type DB struct {
	// Pool is the connection pool; Close closes it.
	Pool *pgxpool.Pool
	// URL is the connection URL in use, password redacted, for logs and messages.
	URL string
	// Source is SourceURL, SourceLocal or SourceEmbedded.
	Source string
	// Sessions is what the probe at Open found about the server sessions.
	Sessions Sessions
	// ExecMode is the pool's query exec mode (cache_statement, cache_describe, …).
	ExecMode string

	stop      func() error // stops the server this process started; nil if it started none
	closeOnce sync.Once
	closeErr  error
}

// Close closes the pool and stops the embedded server if this DB's Open
// started it; a server found running is left for whoever started it.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		d.Pool.Close()
		if d.stop != nil {
			d.closeErr = d.stop()
		}
	})
	return d.closeErr
}

// Ping checks that pool can reach its server.
func Ping(ctx context.Context, pool *pgxpool.Pool) error {
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	return nil
}

// probe is what discovery tries, so tests can point it elsewhere.
type probe struct {
	local  []target                                       // servers tried first, database left empty
	users  []string                                       // roles tried on each of them
	binDir func(context.Context) (string, error)          // finds local PostgreSQL binaries
	euid   int                                            // decides whether binaries must drop root
	ports  []int                                          // ports an embedded server may listen on
	start  func(context.Context, launch) (*server, error) // launches without local binaries
}

// defaultPorts start at 54329 so an embedded server never takes the
// well-known 5432 from a system one installed later.
func defaultPorts() []int {
	ports := make([]int, 10)
	for i := range ports {
		ports[i] = 54329 + i
	}
	return ports
}

func defaultProbe() probe {
	return probe{
		local: []target{
			{host: "/var/run/postgresql", port: 5432},
			{host: "/tmp", port: 5432},
			{host: "127.0.0.1", port: 5432},
		},
		users:  defaultUsers(os.Getenv),
		binDir: findBinDir,
		euid:   os.Geteuid(),
		ports:  defaultPorts(),
		start:  startDownloaded,
	}
}

// Open returns a pool on Options.URL if set; else on a PostgreSQL running on
// this machine; else on one it starts with its data under Options.StateDir.
// The database is created if missing, except with Options.URL.
func Open(ctx context.Context, o Options) (*DB, error) {
	return open(ctx, o.withDefaults(), defaultProbe())
}

func open(ctx context.Context, o Options, p probe) (*DB, error) {
	if o.URL != "" {
		return openURL(ctx, o)
	}
	t, localErr := findLocal(ctx, p, o.Database)
	if localErr == nil {
		return openPool(ctx, o, t, SourceLocal, nil)
	}
	l := launch{stateDir: o.StateDir, ports: p.ports, euid: p.euid, logger: o.Logger}
	bin, binErr := p.binDir(ctx)
	var srv *server
	var err error
	switch {
	case binErr == nil:
		l.binDir = bin
		srv, err = startEmbedded(ctx, l)
	case p.euid == 0:
		err = fmt.Errorf("%w; the downloadable ones cannot run as root", binErr)
	default:
		srv, err = p.start(ctx, l)
	}
	if err == nil {
		var d *DB
		if d, err = openEmbedded(ctx, o, srv); err == nil {
			return d, nil
		}
	}
	return nil, notFound(bin, localErr, err)
}

func openEmbedded(ctx context.Context, o Options, srv *server) (*DB, error) {
	var stop func() error
	if srv.started {
		stop = srv.stop
	}
	how := "found running"
	if srv.started {
		how = "started"
	}
	o.Logger.Info("db: embedded PostgreSQL "+how, "data", srv.data, "log", srv.log, "port", srv.port)
	t := srv.target(o.Database)
	if err := ensureDatabase(ctx, t); err != nil {
		return nil, errors.Join(err, stopQuietly(stop))
	}
	d, err := openPool(ctx, o, t, SourceEmbedded, stop)
	if err != nil {
		return nil, errors.Join(err, stopQuietly(stop))
	}
	return d, nil
}

func stopQuietly(stop func() error) error {
	if stop == nil {
		return nil
	}
	return stop()
}

func openURL(ctx context.Context, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		// The parse error may quote the URL, password included.
		return nil, fmt.Errorf("db: DATABASE_URL is not a valid PostgreSQL connection string")
	}
	// pgx reads default_query_exec_mode from the URL; whether the URL chose
	// one is only in the raw parameters.
	pc, err := pgconn.ParseConfig(o.URL)
	if err == nil {
		_, urlMode := pc.RuntimeParams["default_query_exec_mode"]
		o.urlExecMode = urlMode
	}
	return newPool(ctx, o, cfg, redact(o.URL), SourceURL, nil)
}

func openPool(ctx context.Context, o Options, t target, source string, stop func() error) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(t.dsn(poolTimeout))
	if err != nil {
		return nil, fmt.Errorf("db: configure pool for %s: %w", t.url(), err)
	}
	return newPool(ctx, o, cfg, t.url(), source, stop)
}

func newPool(ctx context.Context, o Options, cfg *pgxpool.Config, url, source string, stop func() error) (*DB, error) {
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	sessions, err := chooseExecMode(ctx, o, cfg.ConnConfig, url)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open pool on %s: %w", url, err)
	}
	if err := Ping(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect to %s: %w", url, err)
	}
	mode := ExecModeName(cfg.ConnConfig.DefaultQueryExecMode)
	o.Logger.Info("db: connected", "source", source, "url", url, "sessions", sessions.String(), "exec_mode", mode)
	return &DB{Pool: pool, URL: url, Source: source, Sessions: sessions, ExecMode: mode, stop: stop}, nil
}
