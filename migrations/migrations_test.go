package migrations_test

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/migrations"
)

func TestUpFromEmptyDownAndUpAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.NewEmpty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if v, _ := migrations.Current(ctx, pool); v != 0 {
		t.Fatalf("empty database at version %d", v)
	}
	if err := migrations.Up(ctx, pool, nil); err != nil {
		t.Fatal(err)
	}
	if v, _ := migrations.Current(ctx, pool); v != migrations.Latest() || v < 3 {
		t.Fatalf("after up: version %d, latest %d", v, migrations.Latest())
	}
	for _, table := range []string{"stores", "zones", "layout_versions", "cameras", "events", "outcomes", "footfall", "sales", "api_tokens", "job_runs"} {
		var ok bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok); err != nil || !ok {
			t.Errorf("table %s missing after up", table)
		}
	}
	var kind string
	_ = pool.QueryRow(ctx, `SELECT relkind::text FROM pg_class WHERE relname = 'events'`).Scan(&kind)
	if kind != "p" {
		t.Errorf("events relkind %q, want p (partitioned)", kind)
	}
	// Up twice is a no-op; status lists every migration as applied.
	if err := migrations.Up(ctx, pool, nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := migrations.Status(ctx, pool, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "pending") || strings.Count(out.String(), "\n") != len(sqlFiles(t)) {
		t.Errorf("status after up:\n%s", out.String())
	}
	// Every Down section works, and the schema comes back.
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to 0: %v", err)
	}
	var ok bool
	_ = pool.QueryRow(ctx, `SELECT to_regclass('events') IS NULL`).Scan(&ok)
	if !ok {
		t.Errorf("events still exists after down to 0")
	}
	if err := migrations.Up(ctx, pool, nil); err != nil {
		t.Fatalf("up after down: %v", err)
	}
}

// sqlFiles lists the embedded migrations; their numbers may have gaps while
// branches that add them are merged.
func sqlFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// A database migrated while a lower-numbered migration had not landed yet
// takes the missing one on its next Up instead of refusing to start.
func TestUpAppliesMigrationsMissingBelowTheVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.NewEmpty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) < 3 {
		t.Fatalf("%d migrations, %v", len(names), err)
	}
	// All but the second-to-last, as on a branch where it had not landed.
	missing := names[len(names)-2]
	early := fstest.MapFS{}
	for _, n := range names {
		if n == missing {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		early[n] = &fstest.MapFile{Data: b}
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, early)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up without %s: %v", missing, err)
	}
	if err := migrations.Up(ctx, pool, nil); err != nil {
		t.Fatalf("up with %s landed: %v", missing, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&n); err != nil || n != len(names) {
		t.Fatalf("%d migrations applied of %d, %v", n, len(names), err)
	}
}

// Replicas started together migrate one at a time: each of four concurrent
// Ups on an empty database succeeds and every migration is applied once.
// Without the lock two of them race to create the same tables and one fails.
func TestConcurrentUpTakesTurns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.NewEmpty(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			pool, err := pgxpool.New(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer pool.Close()
			errs <- migrations.Up(ctx, pool, nil)
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if v, _ := migrations.Current(ctx, pool); v != migrations.Latest() {
		t.Fatalf("version %d after concurrent ups, latest %d", v, migrations.Latest())
	}
	var applied, distinct int
	if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != len(sqlFiles(t)) || distinct != applied {
		t.Errorf("goose_db_version holds %d rows (%d versions), want %d once each", applied, distinct, len(sqlFiles(t)))
	}
}
