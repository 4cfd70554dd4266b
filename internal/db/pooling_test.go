package db

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shrinkscope/shrinkscope/internal/dbtest"
)

// The probe tells a direct connection from PgBouncer in transaction mode,
// and Open picks, keeps or refuses the exec mode accordingly.
func TestExecModeBehindPgBouncer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, direct := dbtest.NewWithURL(t)
	bouncer := dbtest.PgBouncerURL(t, direct, "")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	for _, tc := range []struct {
		url  string
		want Sessions
	}{
		{direct, Sessions{Known: true}},
		// Debian's PgBouncer 1.18 has no max_prepared_statements.
		{bouncer, Sessions{Known: true, Pooler: true, PerTransaction: true, NamedLost: true}},
	} {
		cfg, err := pgx.ParseConfig(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ProbeSessions(ctx, cfg)
		if err != nil || got != tc.want {
			t.Errorf("probe %s: %+v %v, want %+v", tc.url, got, err, tc.want)
		}
	}

	for _, tc := range []struct {
		name, url, mode string
		want            string // the exec mode in use; "" wants Open to fail
	}{
		{"direct, auto", direct, "", ExecCacheStatement},
		{"pgbouncer, auto", bouncer, "", ExecCacheDescribe},
		{"pgbouncer, auto keeps the URL's mode", bouncer + " default_query_exec_mode=exec", ExecAuto, "exec"},
		{"pgbouncer, the flag wins over the URL", bouncer + " default_query_exec_mode=exec", "simple_protocol", "simple_protocol"},
		{"pgbouncer, cache_statement given", bouncer, ExecCacheStatement, ""},
		{"pgbouncer, cache_statement in the URL", bouncer + " default_query_exec_mode=cache_statement", "", ""},
		{"pgbouncer, describe_exec given", bouncer, "describe_exec", ""},
	} {
		d, err := Open(ctx, Options{URL: tc.url, ExecMode: tc.mode, Logger: quiet})
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), "--database-exec-mode cache_describe") {
				t.Errorf("%s: Open = %v, want a refusal naming --database-exec-mode", tc.name, err)
			}
			if d != nil {
				d.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d.ExecMode != tc.want {
			t.Errorf("%s: exec mode %s, want %s", tc.name, d.ExecMode, tc.want)
		}
		// The same statements, many times over, from many connections at once:
		// through the pooler each transaction may land in another session.
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				var err error
				for i := 0; i < 25 && err == nil; i++ {
					var n int
					if err = d.Pool.QueryRow(ctx, `SELECT $1::int + 1`, i).Scan(&n); err == nil && n != i+1 {
						err = fmt.Errorf("got %d for %d + 1", n, i)
					}
					b := &pgx.Batch{}
					b.Queue(`SELECT $1::int`, i)
					b.Queue(`SELECT count(*) FROM goose_db_version WHERE version_id >= $1`, 0)
					if err == nil {
						err = d.Pool.SendBatch(ctx, b).Close()
					}
				}
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Errorf("%s: queries: %v", tc.name, err)
			}
		}
		d.Close()
	}
}

func TestInheritExecMode(t *testing.T) {
	t.Parallel()
	const url = "postgres://u@replica:5432/db"
	for _, tc := range []struct {
		url, mode string
		primary   pgx.QueryExecMode
		want      pgx.QueryExecMode
	}{
		{url, "", pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeCacheDescribe},
		{url, ExecAuto, pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheStatement},
		{url, "exec", pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeExec},
		{url + "?default_query_exec_mode=simple_protocol", "", pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeSimpleProtocol},
		{url + "?default_query_exec_mode=simple_protocol", ExecCacheDescribe, pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe},
	} {
		cfg, err := pgx.ParseConfig(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if err := InheritExecMode(cfg, tc.url, tc.mode, tc.primary); err != nil || cfg.DefaultQueryExecMode != tc.want {
			t.Errorf("%s, mode %q, primary %v: %v %v, want %v", tc.url, tc.mode, tc.primary, cfg.DefaultQueryExecMode, err, tc.want)
		}
	}
}
