package migrations_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/migrations"
)

// migratedTo is an empty database migrated up to version, with the goose
// provider that steps it further (UpTo, DownTo), for a test of one
// migration on the rows the schema before it held. Both close with t.
func migratedTo(t *testing.T, version int64) (*pgxpool.Pool, *goose.Provider) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.NewEmpty(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return pool, p
}

// withEstateCuts gives a database at a version before 00039 the empty
// kpi_estate_cuts table (with 00042's parts), which today's kpi refresh writes and its estate
// reads read: the tests of an older migration run today's kpi code on
// that migration's schema.
func withEstateCuts(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	b, err := fs.ReadFile(migrations.FS, "00039_estate_cuts.sql")
	if err != nil {
		t.Fatal(err)
	}
	up := string(b)
	up = up[strings.Index(up, "CREATE TABLE"):strings.Index(up, "-- Filled in place")]
	if _, err := pool.Exec(context.Background(), up); err != nil {
		t.Fatal(err)
	}
	// And 00042's parts, which today's refresh writes.
	if b, err = fs.ReadFile(migrations.FS, "00042_estate_cut_parts.sql"); err != nil {
		t.Fatal(err)
	}
	up = string(b)
	up = up[strings.Index(up, "ALTER TABLE"):strings.Index(up, "WITH src")]
	if _, err := pool.Exec(context.Background(), up); err != nil {
		t.Fatal(err)
	}
}

// packedZoneRows applies 00045's Up (on) or Down (off), out of order, to a
// database at a version before it: today's refresh writes the zone rows it
// packs (kpi_method_days and kpi_method_weeks), and today's reads sum them
// where kpi_daily and kpi_weekly were. A DownTo rolls it back with the versions above its
// target; an UpTo needs it off, as goose applies no version below one
// applied.
func packedZoneRows(t *testing.T, p *goose.Provider, on bool) {
	t.Helper()
	if _, err := p.ApplyVersion(context.Background(), 45, on); err != nil {
		t.Fatal(err)
	}
}

// todaysRollups runs f, which runs today's kpi code, on a database at a
// version before 00045: the migrations whose tables today's refresh and
// reads use (00038's packed method hours, 00045's packed zone rows) and
// that are not applied are applied for f alone, out of order, and rolled
// back after it. Each converts its tables in place and back, losing
// nothing (their own tests).
func todaysRollups(t *testing.T, p *goose.Provider, f func()) {
	t.Helper()
	ctx := context.Background()
	status, err := p.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var apply []int64
	for _, s := range status {
		if (s.Source.Version == 38 || s.Source.Version == 45) && s.State != goose.StateApplied {
			apply = append(apply, s.Source.Version)
		}
	}
	for _, v := range apply {
		if _, err := p.ApplyVersion(ctx, v, true); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for i := len(apply) - 1; i >= 0; i-- {
			if _, err := p.ApplyVersion(ctx, apply[i], false); err != nil {
				t.Fatal(err)
			}
		}
	}()
	f()
}
