package db

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// defaultUsers are the roles a stock install lets a local user in as without
// a password: the one asked for, the OS user (peer auth), then postgres.
func defaultUsers(getenv func(string) string) []string {
	var users []string
	add := func(u string) {
		for _, have := range users {
			if have == u {
				return
			}
		}
		if u != "" {
			users = append(users, u)
		}
	}
	add(getenv("PGUSER"))
	if u, err := user.Current(); err == nil {
		add(u.Username)
	} else {
		add(getenv("USER"))
	}
	add("postgres")
	return users
}

// findLocal looks for a PostgreSQL already running on this machine and
// returns a target on database there, creating the database if missing.
func findLocal(ctx context.Context, p probe, database string) (target, error) {
	var tried, failures []string
	for _, t := range p.local {
		tried = append(tried, t.where())
		if strings.HasPrefix(t.host, "/") {
			sock := filepath.Join(t.host, ".s.PGSQL."+strconv.Itoa(t.port))
			if _, err := os.Stat(sock); err != nil {
				continue // no server there; not worth a line in the error
			}
		}
		t.database = database
		for _, u := range p.users {
			t.user = u
			err := ensureDatabase(ctx, t)
			if err == nil {
				return t, nil
			}
			if ctx.Err() != nil {
				return target{}, fmt.Errorf("db: look for local PostgreSQL: %w", ctx.Err())
			}
			failures = append(failures, fmt.Sprintf("%s as %s: %v", t.where(), u, err))
			if !serverAnswered(err) {
				break // nobody listening; other roles won't help
			}
		}
	}
	msg := "no running PostgreSQL answered on " + strings.Join(tried, ", ")
	if len(tried) == 0 {
		msg = "no local PostgreSQL tried"
	}
	if len(failures) > 0 {
		msg += ":\n" + strings.Join(failures, "\n")
	}
	return target{}, fmt.Errorf("db: %s", msg)
}
