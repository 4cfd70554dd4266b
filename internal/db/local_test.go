package db

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestOpenFindsLocalPostgres is discovery end to end: no URL, a PostgreSQL
// on this machine, a database that does not exist yet.
func TestOpenFindsLocalPostgres(t *testing.T) {
	t.Parallel()
	requireSystemPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := randomName("ss_dbtest_")
	dropAtCleanup(t, name)
	start := time.Now()
	d, err := Open(ctx, Options{Database: name, StateDir: t.TempDir(), MaxConns: 2, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer d.Close()
	t.Logf("found %s in %v", d.URL, time.Since(start))
	if d.Source != SourceLocal {
		t.Errorf("Source = %q, want %q", d.Source, SourceLocal)
	}
	var got string
	if err := d.Pool.QueryRow(ctx, "SELECT current_database()").Scan(&got); err != nil || got != name {
		t.Fatalf("current_database() = %q, %v; want %q", got, err, name)
	}
	if d.Pool.Config().MaxConns != 2 {
		t.Errorf("MaxConns = %d, want 2", d.Pool.Config().MaxConns)
	}
	if err := Ping(ctx, d.Pool); err != nil {
		t.Fatal(err)
	}
	// A second Open finds the database that the first created.
	d2, err := Open(ctx, Options{Database: name, StateDir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	d2.Close()
}

// TestFindLocalOverTCP pins discovery to 127.0.0.1:5432, which the socket
// candidates would otherwise answer first on this machine.
func TestFindLocalOverTCP(t *testing.T) {
	t.Parallel()
	requireSystemPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := randomName("ss_dbtest_")
	dropAtCleanup(t, name)
	p := probe{
		local: []target{{host: "127.0.0.1", port: 5432}},
		users: []string{"no_such_role_" + name, "postgres"}, // the first fails, the next is tried
	}
	tg, err := findLocal(ctx, p, name)
	if err != nil {
		t.Fatal(err)
	}
	if tg.user != "postgres" || tg.database != name {
		t.Fatalf("findLocal = %+v, want user postgres on %s", tg, name)
	}
}

// TestEnsureDatabaseRace has several processes' worth of connections create
// the same database at once; all must succeed.
func TestEnsureDatabaseRace(t *testing.T) {
	t.Parallel()
	requireSystemPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := randomName("ss_dbtest_")
	dropAtCleanup(t, name)
	tg := target{host: "127.0.0.1", port: 5432, user: "postgres", database: name}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() { errs[i] = ensureDatabase(ctx, tg) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("ensureDatabase #%d: %v", i, err)
		}
	}
}

func TestOpenURL(t *testing.T) {
	t.Parallel()
	requireSystemPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := Open(ctx, Options{URL: systemURL, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Source != SourceURL || d.URL != systemURL {
		t.Errorf("Source, URL = %q, %q; want %q, %q", d.Source, d.URL, SourceURL, systemURL)
	}
	if _, err := Open(ctx, Options{URL: "postgres://127.0.0.1:1/x?connect_timeout=1&sslmode=disable"}); err == nil {
		t.Fatal("Open with a dead URL succeeded; it must not fall back to discovery")
	}
}
