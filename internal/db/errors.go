package db

import (
	"errors"
	"strings"
)

// ErrNotFound is what Open's error wraps when it found no PostgreSQL and
// could not start one, so callers can tell "install something" apart.
var ErrNotFound = errors.New("no PostgreSQL found")

// notFoundError is one sentence saying what to install or set, then the
// causes, one per line, for whoever has to debug it.
type notFoundError struct {
	advice string
	causes []error
}

func (e *notFoundError) Error() string {
	var b strings.Builder
	b.WriteString(ErrNotFound.Error() + ": " + e.advice)
	for _, c := range e.causes {
		for _, line := range strings.Split(c.Error(), "\n") {
			b.WriteString("\n    " + line)
		}
	}
	return b.String()
}

func (e *notFoundError) Unwrap() []error { return append([]error{ErrNotFound}, e.causes...) }

// notFound builds Open's final error; binDir is where local binaries were
// found, "" if none, because then the advice is to install them.
func notFound(binDir string, causes ...error) error {
	advice := "set DATABASE_URL, or install PostgreSQL (Debian: apt-get install postgresql; macOS: brew install postgresql) so shrinkscope can start one itself"
	if binDir != "" {
		advice = "set DATABASE_URL, or fix what stopped shrinkscope from starting PostgreSQL from " + binDir + " (below)"
	}
	e := &notFoundError{advice: advice}
	for _, c := range causes {
		if c != nil {
			e.causes = append(e.causes, c)
		}
	}
	return e
}
