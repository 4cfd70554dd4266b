package db

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serverBinaries are what an embedded server needs from an installation.
var serverBinaries = []string{"initdb", "pg_ctl", "postgres"}

// findBinDir returns the first directory holding initdb, pg_ctl and postgres,
// preferring what pg_config names, then the newest of the usual install
// locations, then $PATH.
func findBinDir(ctx context.Context) (string, error) {
	var dirs []string
	if pgc, err := exec.LookPath("pg_config"); err == nil {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		out, err := exec.CommandContext(cctx, pgc, "--bindir").Output()
		cancel()
		if err == nil {
			dirs = append(dirs, strings.TrimSpace(string(out)))
		}
	}
	dirs = append(dirs, newestFirst("/usr/lib/postgresql/*/bin")...)
	dirs = append(dirs, "/usr/local/pgsql/bin")
	dirs = append(dirs, newestFirst("/opt/homebrew/opt/postgresql*/bin")...)
	dirs = append(dirs, newestFirst("/usr/local/opt/postgresql*/bin")...)
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if hasServerBinaries(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("db: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in pg_config --bindir, /usr/lib/postgresql/*/bin, /usr/local/pgsql/bin, Homebrew or $PATH")
}

var versionRE = regexp.MustCompile(`\d+(\.\d+)?`)

// newestFirst globs pattern and orders the matches by the version number in
// their parent directory's name (15, postgresql@16), highest first.
func newestFirst(pattern string) []string {
	dirs, _ := filepath.Glob(pattern)
	version := func(d string) float64 {
		v, _ := strconv.ParseFloat(versionRE.FindString(filepath.Base(filepath.Dir(d))), 64)
		return v
	}
	slices.SortStableFunc(dirs, func(a, b string) int {
		va, vb := version(a), version(b)
		switch {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
	return dirs
}

func hasServerBinaries(dir string) bool {
	if dir == "" {
		return false
	}
	for _, name := range serverBinaries {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

var majorRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// binMajor returns the major version of the server in binDir, which names the
// data directory because a data directory only works with one major version.
func binMajor(ctx context.Context, binDir string) (int, error) {
	bin := filepath.Join(binDir, "postgres")
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("db: run %s --version: %w", bin, err)
	}
	m := majorRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("db: no version in %q from %s --version", strings.TrimSpace(string(out)), bin)
	}
	return strconv.Atoi(string(m[1]))
}
