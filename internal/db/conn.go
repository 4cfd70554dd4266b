package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Timeouts, in seconds, for connecting: discovery must fall through fast on a
// machine without PostgreSQL; the pool may wait longer on a busy server.
const (
	probeTimeout = 2
	poolTimeout  = 10
)

// target is one server, role and database to connect to.
type target struct {
	host     string // an IP address or a Unix socket directory
	port     int
	user     string
	password string // empty: trust or peer auth, or ~/.pgpass / PGPASSWORD
	database string
}

var dsnQuote = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// dsn renders t as keyword/value pairs, which, unlike a URL, need no
// escaping rules for socket paths.
func (t target) dsn(timeout int) string {
	kv := func(k, v string) string { return k + "='" + dsnQuote.Replace(v) + "'" }
	parts := []string{
		kv("host", t.host),
		"port=" + strconv.Itoa(t.port),
		kv("user", t.user),
		kv("dbname", t.database),
		"sslmode=disable",
		"connect_timeout=" + strconv.Itoa(timeout),
	}
	if t.password != "" {
		parts = append(parts, kv("password", t.password))
	}
	return strings.Join(parts, " ")
}

// url renders t as a URL with the password redacted, for logs and DB.URL.
func (t target) url() string {
	u := url.URL{Scheme: "postgres", User: url.User(t.user), Path: "/" + t.database}
	if t.password != "" {
		u.User = url.UserPassword(t.user, t.password)
	}
	q := url.Values{"sslmode": {"disable"}}
	if strings.HasPrefix(t.host, "/") {
		q.Set("host", t.host)
		q.Set("port", strconv.Itoa(t.port))
	} else {
		u.Host = net.JoinHostPort(t.host, strconv.Itoa(t.port))
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// where names t's server for messages.
func (t target) where() string {
	if strings.HasPrefix(t.host, "/") {
		return fmt.Sprintf("%s (port %d)", t.host, t.port)
	}
	return net.JoinHostPort(t.host, strconv.Itoa(t.port))
}

// redact hides the password in a user-supplied URL or keyword/value string.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return kvPassword.ReplaceAllString(s, "password=xxxxx")
}

// kvPassword matches a password in a keyword/value connection string,
// quoted (with backslash escapes) or not.
var kvPassword = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

func connect(ctx context.Context, t target) (*pgx.Conn, error) {
	return pgx.Connect(ctx, t.dsn(probeTimeout))
}

// ensureDatabase makes sure t.database exists, creating it through the
// maintenance database if needed.
func ensureDatabase(ctx context.Context, t target) error {
	c, err := connect(ctx, t)
	if err == nil {
		return c.Close(ctx)
	}
	if !hasCode(err, "3D000") { // invalid_catalog_name: anything else is not "missing database"
		return err
	}
	admin := t
	admin.database = "postgres"
	c, err = connect(ctx, admin)
	if hasCode(err, "3D000") {
		admin.database = "template1"
		c, err = connect(ctx, admin)
	}
	if err != nil {
		return fmt.Errorf("db: connect to create database %q: %w", t.database, err)
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{t.database}.Sanitize())
	// Another process may create it between our check and our CREATE; the
	// loser sees duplicate_database, or unique_violation on pg_database.
	if err != nil && !hasCode(err, "42P04") && !hasCode(err, "23505") {
		return fmt.Errorf("db: create database %q on %s: %w", t.database, t.where(), err)
	}
	return nil
}

func hasCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// serverAnswered reports whether err came from a server, as opposed to no
// server being there at all.
func serverAnswered(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}
