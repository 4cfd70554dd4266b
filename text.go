package shrinkscope

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// TextProblem says what is wrong with free text s for a field of at most max
// characters (Unicode code points, not bytes), or "" when nothing is.
// PostgreSQL text cannot hold the NUL character, so it is refused here with
// the field named rather than failing in the database.
func TextProblem(field, s string, max int) string {
	if strings.IndexByte(s, 0) >= 0 {
		return field + ` must not contain the NUL character (\u0000)`
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("%s is at most %d characters, got %d", field, max, n)
	}
	return ""
}

// CheckText returns an EINVALID *Error naming field when TextProblem finds
// one, else nil.
func CheckText(field, s string, max int) error {
	if p := TextProblem(field, s, max); p != "" {
		return Errorf(EINVALID, field, "%s", p)
	}
	return nil
}
