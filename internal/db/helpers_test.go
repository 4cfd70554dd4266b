package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// systemURL is the PostgreSQL that `make test` keeps running on this machine.
const systemURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func requireSystemPostgres(t *testing.T) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second)
	if err != nil {
		t.Skipf("no PostgreSQL on 127.0.0.1:5432 to discover: %v", err)
	}
	c.Close()
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// dropAtCleanup drops database on the system server when the test ends.
func dropAtCleanup(t *testing.T, database string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, systemURL)
		if err != nil {
			t.Logf("drop %s: %v", database, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{database}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", database, err)
		}
	})
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// stateTempDir is a temp dir that the unprivileged user PostgreSQL runs as
// under root can enter: t.TempDir and its parent are 0700.
func stateTempDir(t *testing.T) string {
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "state") // Open must create it
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// stopAtCleanup shuts down any server left running in stateDir when the test
// ends, pass or fail. It signals the postmaster directly (fast shutdown, then
// immediate) because a failed test may not have the user to run pg_ctl as.
func stopAtCleanup(t *testing.T, stateDir string) {
	t.Cleanup(func() {
		dirs, _ := filepath.Glob(filepath.Join(stateDir, "pg*", "data"))
		for _, data := range dirs {
			pid, _, ok := readPostmasterPID(data)
			if !ok {
				continue
			}
			for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT} {
				if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
					t.Logf("signal postmaster %d: %v", pid, err)
				}
				if waitGone(data, 15*time.Second) {
					break
				}
			}
		}
	})
}

// waitGone waits for the postmaster to remove its pid file, which it does
// last on shutdown; a zombie would still pass kill(pid, 0).
func waitGone(data string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, _, ok := readPostmasterPID(data); !ok {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
