package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
)

// embeddedProbe skips local discovery and downloads, so Open must start a
// server from the local binaries.
func embeddedProbe(t *testing.T, port int) probe {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := findBinDir(ctx); err != nil {
		t.Skipf("no local PostgreSQL binaries to launch: %v", err)
	}
	return probe{
		binDir: findBinDir,
		euid:   os.Geteuid(),
		ports:  []int{port},
		start: func(context.Context, launch) (*server, error) {
			return nil, errors.New("test: downloading PostgreSQL is not allowed here")
		},
	}
}

func countRows(ctx context.Context, t *testing.T, d *DB) int {
	t.Helper()
	var n int
	if err := d.Pool.QueryRow(ctx, "SELECT count(*) FROM kept").Scan(&n); err != nil {
		t.Fatalf("query %s: %v", d.URL, err)
	}
	return n
}

// TestEmbeddedLifecycle starts a server from local binaries (dropping root
// if the test runs as root), reuses it, stops it, and restarts it on the same
// data; then a separate process starts it and this one finds it.
func TestEmbeddedLifecycle(t *testing.T) {
	t.Parallel()
	state := stateTempDir(t)
	stopAtCleanup(t, state)
	port := freePort(t)
	p := embeddedProbe(t, port)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	o := Options{StateDir: state, Database: "app", Logger: testLogger(t)}.withDefaults()

	first, err := open(ctx, o, p)
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	defer first.Close()
	if first.Source != SourceEmbedded || first.stop == nil {
		t.Fatalf("first open: Source %q, owns server %v; want embedded, true", first.Source, first.stop != nil)
	}
	if want := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/app?sslmode=disable", port); first.URL != want {
		t.Errorf("URL = %q, want %q", first.URL, want)
	}
	if _, err := first.Pool.Exec(ctx, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	data := dataDir(t, state)
	if os.Geteuid() == 0 {
		st, _ := os.Stat(data)
		if uid := st.Sys().(*syscall.Stat_t).Uid; uid == 0 {
			t.Errorf("%s is owned by root; PostgreSQL cannot run as root", data)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(data), "postgres.log")); err != nil {
		t.Errorf("no log under the state dir: %v", err)
	}

	second, err := open(ctx, o, p)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	if second.stop != nil || second.URL != first.URL {
		t.Errorf("second open started its own server (%s) instead of reusing %s", second.URL, first.URL)
	}
	if n := countRows(ctx, t, second); n != 2 {
		t.Errorf("second open sees %d rows, want 2", n)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countRows(ctx, t, first); n != 2 {
		t.Errorf("after closing the second DB the first sees %d rows, want 2", n)
	}

	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, _, ok := readPostmasterPID(data); ok || !portFree(port) {
		t.Fatal("server still running after the DB that started it closed")
	}

	third, err := open(ctx, o, p)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if third.stop == nil {
		t.Error("reopen did not start the server")
	}
	if n := countRows(ctx, t, third); n != 2 {
		t.Errorf("after restart %d rows, want 2", n)
	}
	if err := third.Close(); err != nil {
		t.Fatal(err)
	}

	// Another process starts it and exits; the server must outlive it.
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperStartEmbedded$")
	cmd.Env = append(os.Environ(), "DB_TEST_HELPER_STATE="+state, "DB_TEST_HELPER_PORT="+strconv.Itoa(port))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	fourth, err := open(ctx, o, p)
	if err != nil {
		t.Fatalf("open after another process started the server: %v", err)
	}
	if fourth.stop != nil {
		t.Error("did not find the server the helper process left running")
	}
	if n := countRows(ctx, t, fourth); n != 2 {
		t.Errorf("server started by the helper sees %d rows, want 2", n)
	}
	fourth.Close()
	if _, _, ok := readPostmasterPID(data); !ok {
		t.Error("closing a DB that found the server running stopped it")
	}
	// stopAtCleanup stops it.
}

// TestHelperStartEmbedded is the other process in TestEmbeddedLifecycle.
func TestHelperStartEmbedded(t *testing.T) {
	state := os.Getenv("DB_TEST_HELPER_STATE")
	if state == "" {
		t.Skip("only runs as TestEmbeddedLifecycle's helper process")
	}
	port, _ := strconv.Atoi(os.Getenv("DB_TEST_HELPER_PORT"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := Options{StateDir: state, Database: "app", Logger: testLogger(t)}.withDefaults()
	d, err := open(ctx, o, embeddedProbe(t, port))
	if err != nil {
		t.Fatal(err)
	}
	if d.stop == nil {
		t.Fatal("helper expected to start the server")
	}
	d.Pool.Close() // but not d.Close: leave the server running
}

func dataDir(t *testing.T, state string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(state, "pg*", "data"))
	if len(dirs) != 1 {
		t.Fatalf("want one data dir under %s, got %q", state, dirs)
	}
	return dirs[0]
}

// TestNotFoundAsRoot is what a root user on a machine without PostgreSQL
// sees: one sentence saying what to do, then why.
func TestNotFoundAsRoot(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dead := freePort(t)
	p := probe{
		local:  []target{{host: t.TempDir(), port: 5432}, {host: "127.0.0.1", port: dead}},
		users:  []string{"postgres"},
		binDir: func(context.Context) (string, error) { return "", errors.New("db: no PostgreSQL server binaries") },
		euid:   0,
		ports:  []int{freePort(t)},
		start: func(context.Context, launch) (*server, error) {
			t.Fatal("tried to download PostgreSQL as root")
			return nil, nil
		},
	}
	start := time.Now()
	_, err := open(ctx, Options{StateDir: t.TempDir(), Database: "x", Logger: testLogger(t)}, p)
	if err == nil {
		t.Fatal("open succeeded with nothing to find")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("giving up took %v; a machine without PostgreSQL must fall through fast", time.Since(start))
	}
	msg := err.Error()
	t.Logf("error:\n%s", msg)
	first, _, _ := strings.Cut(msg, "\n")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(first, "set DATABASE_URL") || !strings.Contains(first, "apt-get install postgresql") {
		t.Errorf("first line %q should say to set DATABASE_URL or install PostgreSQL", first)
	}
	if !strings.Contains(msg, "cannot run as root") || !strings.Contains(msg, fmt.Sprint(dead)) {
		t.Errorf("causes should mention the tried port %d and the root restriction:\n%s", dead, msg)
	}
}

// TestDownloadedLauncher runs the embedded-postgres path with the local
// binaries standing in for a download, so it needs no network. Those
// binaries refuse root, and that path cannot drop root, so root skips it.
func TestDownloadedLauncher(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("embedded-postgres cannot run as root; run the test binary as another user to cover it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin, err := findBinDir(ctx)
	if err != nil {
		t.Skipf("no local PostgreSQL binaries to stand in for a download: %v", err)
	}
	major, err := binMajor(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	binaries := filepath.Join(t.TempDir(), "binaries")
	if err := os.MkdirAll(binaries, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(binaries, "bin")); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	stopAtCleanup(t, state)
	l := launch{
		stateDir: state,
		ports:    []int{freePort(t)},
		euid:     os.Geteuid(),
		logger:   testLogger(t),
		download: download{version: downloadVersionFor(t, major), major: major, binaries: binaries},
	}
	srv, err := startDownloaded(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if !srv.started || srv.password == "" {
		t.Fatalf("started %v, password set %v; want both", srv.started, srv.password != "")
	}
	again, err := startDownloaded(ctx, l)
	if err != nil || again.started || again.port != srv.port {
		t.Fatalf("second start: %v, started %v, port %d; want it to find port %d running", err, again != nil && again.started, again.port, srv.port)
	}
	if err := ensureDatabase(ctx, again.target("app")); err != nil {
		t.Fatal(err)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if !portFree(srv.port) {
		t.Fatal("server still listening after stop")
	}
}

// downloadVersionFor names an embedded-postgres version whose major matches
// the local binaries, as its data directory check wants.
func downloadVersionFor(t *testing.T, major int) embeddedpostgres.PostgresVersion {
	for _, v := range []embeddedpostgres.PostgresVersion{embeddedpostgres.V18, embeddedpostgres.V17, embeddedpostgres.V16, embeddedpostgres.V15, embeddedpostgres.V14} {
		if strings.HasPrefix(string(v), strconv.Itoa(major)+".") {
			return v
		}
	}
	t.Skipf("embedded-postgres has no version %d", major)
	return ""
}

// TestStalePIDFile is a data directory after a container restart: its
// postmaster.pid names a pid that now belongs to some other process.
func TestStalePIDFile(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to tell a postgres process from another")
	}
	s := newServer(t.TempDir(), 15)
	if err := os.MkdirAll(s.data, 0o700); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(s.data, "postmaster.pid")
	content := fmt.Sprintf("%d\n%s\n1700000000\n%d\n\n127.0.0.1\n", os.Getpid(), s.data, freePort(t))
	if err := os.WriteFile(pidFile, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	found, err := s.findRunning(context.Background())
	if found || err != nil {
		t.Fatalf("findRunning = %v, %v; want false, nil for a pid that is not postgres", found, err)
	}
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale %s still there (%v); postgres would refuse to start", pidFile, err)
	}
}
