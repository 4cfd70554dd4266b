package migrations_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
	"github.com/shrinkscope/shrinkscope/migrations"
)

// Every migration applies through PgBouncer in transaction mode (serve's
// --migrate behind it), each in its own transaction, and a second Up finds
// nothing to do.
func TestUpThroughPgBouncer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.PgBouncerURL(t, dbtest.NewEmpty(t), "cache_describe"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for range 2 {
		if err := migrations.Up(ctx, pool, nil); err != nil {
			t.Fatal(err)
		}
		if v, err := migrations.Current(ctx, pool); err != nil || v != migrations.Latest() {
			t.Fatalf("through PgBouncer: version %d (%v), latest %d", v, err, migrations.Latest())
		}
	}
}
