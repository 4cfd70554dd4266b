package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// startEmbedded starts a PostgreSQL from the local binaries in l.binDir with
// its data under l.stateDir/pg<major>, or finds the one already running
// there. As root it runs the binaries as another user (see pickRunUser).
func startEmbedded(ctx context.Context, l launch) (*server, error) {
	major, err := binMajor(ctx, l.binDir)
	if err != nil {
		return nil, err
	}
	s, unlock, err := lockedServer(ctx, l.stateDir, major)
	if err != nil {
		return nil, err
	}
	defer unlock()
	u, err := pickRunUser(l.euid, s.data)
	if err != nil {
		return nil, err
	}
	if err := u.canTraverse(s.dir); err != nil {
		return nil, err
	}
	if found, err := s.findRunning(ctx); err != nil {
		return nil, err
	} else if found {
		return s, nil
	}
	if err := s.initdb(ctx, l, u); err != nil {
		return nil, err
	}
	for _, port := range l.ports {
		if !portFree(port) {
			continue
		}
		err := s.pgCtlStart(ctx, l.binDir, u, port)
		if err == nil {
			s.port, s.started = port, true
			s.stop = func() error { return s.pgCtlStop(l.binDir, u) }
			return s, nil
		}
		// Only a port taken between our check and the server's bind is
		// worth another try; anything else would fail on every port.
		if pid, _, ok := readPostmasterPID(s.data); portFree(port) || (ok && alive(pid)) {
			return nil, err
		}
		l.logger.Warn("db: port taken while starting PostgreSQL, trying the next", "port", port)
	}
	return nil, fmt.Errorf("db: no free port for PostgreSQL among 127.0.0.1:%v", l.ports)
}

// initdb prepares the server's directories for the user it runs as and
// creates the cluster the first time only.
func (s *server) initdb(ctx context.Context, l launch, u runUser) error {
	for _, d := range []struct {
		path string
		mode fs.FileMode
	}{{s.data, 0o700}, {s.socketDir(), 0o755}} {
		if err := os.Mkdir(d.path, d.mode); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("db: create %s: %w", d.path, err)
		}
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("db: open log %s: %w", s.log, err)
	}
	defer logf.Close()
	if err := u.own(s.dir, s.data, s.socketDir(), s.log); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.data, "PG_VERSION")); err == nil {
		return nil
	}
	// initdb wants an empty directory; never wipe one we do not recognise.
	if entries, err := os.ReadDir(s.data); err != nil || len(entries) > 0 {
		return fmt.Errorf("db: %s is neither empty nor a PostgreSQL data directory; move it away so shrinkscope can create a fresh one", s.data)
	}
	l.logger.Info("db: creating PostgreSQL data directory", "data", s.data, "bin", l.binDir, "user", u.name)
	cmd := u.command(ctx, s.dir, filepath.Join(l.binDir, "initdb"),
		"-D", s.data, "-U", embeddedRole, "--auth=trust", "-E", "UTF8", "--locale=C")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("db: initdb %s as %s: %w\n%s", s.data, u.name, err, logTail(s.log))
	}
	return nil
}

// pgCtlStart starts the server on 127.0.0.1:port and waits until it accepts
// connections; pg_ctl detaches it, so it outlives this process.
func (s *server) pgCtlStart(ctx context.Context, binDir string, u runUser, port int) error {
	sock := ""
	if s.socketOK(port) {
		sock = s.socketDir()
	}
	// pg_ctl hands -o to a shell.
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s", port, shellQuote(sock))
	logf, err := os.OpenFile(s.log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("db: open log %s: %w", s.log, err)
	}
	defer logf.Close()
	cmd := u.command(ctx, s.dir, filepath.Join(binDir, "pg_ctl"),
		"start", "-w", "-t", "60", "-D", s.data, "-l", s.log, "-o", opts)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("db: start PostgreSQL in %s on port %d as %s: %w\n%s", s.data, port, u.name, err, logTail(s.log))
	}
	return nil
}

// pgCtlStop stops the server with a fast shutdown: open transactions roll
// back, committed data is safe.
func (s *server) pgCtlStop(binDir string, u runUser) error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	unlock, err := lockDir(ctx, s.dir)
	if err != nil {
		return err
	}
	defer unlock()
	logf, err := os.OpenFile(s.log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("db: open log %s: %w", s.log, err)
	}
	defer logf.Close()
	cmd := u.command(ctx, s.dir, filepath.Join(binDir, "pg_ctl"), "stop", "-m", "fast", "-w", "-D", s.data)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("db: stop PostgreSQL in %s: %w\n%s", s.data, err, logTail(s.log))
	}
	return nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// lockedServer makes a server's folders and takes its folder lock, so only
// one process at a time runs initdb, start or stop on that data.
func lockedServer(ctx context.Context, stateDir string, major int) (*server, func(), error) {
	s := newServer(stateDir, major)
	if err := s.makeDirs(); err != nil {
		return nil, nil, err
	}
	unlock, err := lockDir(ctx, s.dir)
	if err != nil {
		return nil, nil, err
	}
	return s, unlock, nil
}
