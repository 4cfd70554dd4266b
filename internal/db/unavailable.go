package db

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err means the database could not be reached or
// went away mid-request (refused or broken connections, a server shutting
// down or starting up, too many connections), so the request is worth
// retrying as it is. Errors the server raised about the statement itself,
// such as a constraint violation, are not.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return unavailableState(pgErr.Code)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne):
		return true
	case errors.Is(err, pgconn.ErrConnClosed):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case pgconn.SafeToRetry(err):
		return true
	}
	return false
}

// unavailableState reports whether a SQLSTATE says the server, not the
// statement, is the problem: class 08 (connection exception), 53
// (insufficient resources), 57P01-57P03 (shutdown, crash, not yet accepting
// connections), 58 (system error, e.g. I/O). See PostgreSQL's "Appendix A.
// PostgreSQL Error Codes".
func unavailableState(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"), strings.HasPrefix(code, "58"):
		return true
	case code == "57P01", code == "57P02", code == "57P03":
		return true
	}
	return false
}
