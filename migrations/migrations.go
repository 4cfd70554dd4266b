// Package migrations holds the schema as ordered goose SQL migrations,
// embedded in the binary, and applies them.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// FS is the embedded migration files.
var FS = files

func provider(pool *pgxpool.Pool) (*goose.Provider, *sql.DB, error) {
	db := stdlib.OpenDBFromPool(pool)
	// Migration numbers are reserved per change while changes are made side
	// by side, so a database migrated before one landed has a gap below its
	// version: goose applies the missing ones then rather than refusing.
	// Each migration stands alone; none depends on a later-numbered one.
	//
	// Replicas starting together take turns through goose's lock table (a
	// leased row, kept alive by a heartbeat), not a session advisory lock: a
	// session lock would stick to whichever server connection PgBouncer lent
	// in transaction mode. A replica that dies holding it frees it when the
	// lease runs out.
	locker, err := lock.NewPostgresTableLocker(
		lock.WithTableName("shrinkscope_migration_lock"),
		lock.WithTableLockTimeout(500*time.Millisecond, 1200), // 10 minutes
	)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files, goose.WithAllowOutofOrder(true), goose.WithLocker(locker))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	return p, db, nil
}

// Up applies every pending migration, each in its own transaction. Concurrent
// callers, in one process or many, take turns on the migration lock table.
func Up(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	p, db, err := provider(pool)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: up: %w", err)
	}
	for _, r := range res {
		if log != nil {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
		}
	}
	return nil
}

// Latest is the version of the newest embedded migration.
func Latest() int64 {
	entries, _ := files.ReadDir(".")
	var v int64
	for _, e := range entries {
		var n int64
		if _, err := fmt.Sscanf(e.Name(), "%05d_", &n); err == nil && n > v {
			v = n
		}
	}
	return v
}

// Current returns the version applied to the database, 0 when none.
func Current(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("migrations: current version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int64
	err := pool.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("migrations: current version: %w", err)
	}
	return v, nil
}

// Status writes one line per migration: version, applied time or "pending", file.
func Status(ctx context.Context, pool *pgxpool.Pool, w io.Writer) error {
	p, db, err := provider(pool)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("migrations: status: %w", err)
	}
	for _, s := range st {
		when := "pending"
		if s.State == goose.StateApplied {
			when = s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(w, "%05d  %-20s  %s\n", s.Source.Version, when, s.Source.Path)
	}
	return nil
}
