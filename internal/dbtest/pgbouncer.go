package dbtest

import (
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PgBouncerURL returns the connection string of database url's database
// through the PgBouncer in transaction pooling mode that `make test` starts
// (scripts/ensure-pgbouncer, TEST_PGBOUNCER_URL), with pgx's exec mode mode
// (cache_describe, …; empty: pgx's default) in default_query_exec_mode. The
// test skips when there is no PgBouncer.
func PgBouncerURL(t testing.TB, url, mode string) string {
	t.Helper()
	bouncer := os.Getenv("TEST_PGBOUNCER_URL")
	if bouncer == "" {
		t.Skip("no PgBouncer: TEST_PGBOUNCER_URL is unset (`make test` starts one with scripts/ensure-pgbouncer)")
	}
	b, err := pgx.ParseConfig(bouncer)
	if err != nil {
		t.Fatalf("dbtest: TEST_PGBOUNCER_URL: %v", err)
	}
	d, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("dbtest: parse %s: %v", redact(url), err)
	}
	dsn := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", b.Host, b.Port, b.User, d.Database)
	if b.Password != "" {
		dsn += " password='" + quote.Replace(b.Password) + "'"
	}
	if mode != "" {
		dsn += " default_query_exec_mode=" + mode
	}
	return dsn
}
