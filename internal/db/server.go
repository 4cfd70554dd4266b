package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// launch is what starting an embedded server needs.
type launch struct {
	stateDir string
	binDir   string // local binaries; empty when they must be downloaded
	ports    []int
	euid     int
	logger   *slog.Logger
	download download // what startDownloaded fetches; zero means defaultDownload
}

// server is an embedded PostgreSQL, started by this process or found running.
type server struct {
	dir      string // StateDir/pg<major>: data, socket directory, log
	data     string
	log      string
	port     int
	password string // empty: trust auth
	started  bool   // this process started it, so this process stops it
	stop     func() error
}

// embeddedRole is the superuser an embedded cluster is created with.
const embeddedRole = "postgres"

func newServer(stateDir string, major int) *server {
	dir := filepath.Join(stateDir, "pg"+strconv.Itoa(major))
	return &server{dir: dir, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "postgres.log")}
}

func (s *server) target(database string) target {
	return target{host: "127.0.0.1", port: s.port, user: embeddedRole, password: s.password, database: database}
}

// socketDir is where the server puts its Unix socket: not the compiled-in
// default, which may be unwritable or belong to a system server.
func (s *server) socketDir() string { return filepath.Join(s.dir, "run") }

// sockPathMax is sun_path's size less its NUL on Linux; macOS allows 103.
const sockPathMax = 103

// socketOK reports whether the socket path fits in sun_path; when it does
// not, the server gets no Unix socket, since clients here use TCP anyway.
func (s *server) socketOK(port int) bool {
	return len(filepath.Join(s.socketDir(), ".s.PGSQL."+strconv.Itoa(port))) <= sockPathMax
}

// makeDirs creates the server's directory and any missing parents 0755,
// whatever the umask, so that the unprivileged user PostgreSQL runs as under
// root can pass through them.
func (s *server) makeDirs() error {
	var missing []string
	for d := s.dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("db: create %s: %w", s.dir, err)
	}
	for _, d := range missing {
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("db: chmod %s: %w", d, err)
		}
	}
	return nil
}

// findRunning reports whether the data directory has a live postmaster, as
// left by an earlier process, and if so waits until it answers.
func (s *server) findRunning(ctx context.Context) (bool, error) {
	pid, port, ok := readPostmasterPID(s.data)
	if !ok || !alive(pid) {
		return false, nil // a dead pid's file is stale, and postgres sees that itself
	}
	if !isPostgres(pid) {
		// After a reboot or container restart the pid may belong to some
		// other process, and postgres would refuse to start over its file.
		pidFile := filepath.Join(s.data, "postmaster.pid")
		if err := os.Remove(pidFile); err != nil {
			return false, fmt.Errorf("db: remove stale %s (pid %d is not PostgreSQL): %w", pidFile, pid, err)
		}
		return false, nil
	}
	s.port = port
	// It may still be starting (or recovering) for the process that launched it.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		c, err := connect(ctx, s.target("postgres"))
		if err == nil {
			return true, c.Close(ctx)
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("db: PostgreSQL (pid %d) is running on %s but does not answer on 127.0.0.1:%d: %w", pid, s.data, port, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// readPostmasterPID reads the pid and port that a running postmaster writes
// on the first and fourth lines of postmaster.pid.
func readPostmasterPID(dataDir string) (pid, port int, ok bool) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
	return pid, port, err1 == nil && err2 == nil && pid > 0
}

// alive reports whether pid exists; EPERM means it does but belongs to
// another user, as a server we started as postgres does for a later non-root process.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// isPostgres reports whether pid is a live postgres process, where /proc
// can tell; elsewhere it trusts that the pid is alive.
func isPostgres(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	// "pid (comm) state ...": comm may hold spaces and parentheses, state follows the last ')'.
	lp, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
	if lp < 0 || end < lp || end+2 >= len(b) {
		return true
	}
	comm, state := string(b[lp+1:end]), b[end+2]
	return comm == "postgres" && state != 'Z' && state != 'X'
}

// portFree reports whether nothing listens on 127.0.0.1:port.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// lockDir holds an exclusive lock on dir/.lock until unlock, so two
// processes never initdb, start or stop the same cluster at once.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	path := filepath.Join(dir, ".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("db: open lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("db: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("db: wait for lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logTail returns the end of the server log, where PostgreSQL explains why
// it did not start.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return strings.TrimSpace(string(b))
}
