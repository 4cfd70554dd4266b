package shrinkscope

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// TextProblem says what is wrong with free text s for a field of at most max
// characters (Unicode code points, not bytes), or "" when nothing is. Every
// string the service takes, in a JSON body, a form, a query or a path,
// passes this one check:
//   - PostgreSQL text cannot hold the NUL character, so it is refused here
//     with the field named rather than failing in the database;
//   - bytes that are not UTF-8 are refused, not silently replaced (Go's JSON
//     decoder would store U+FFFD in their place);
//   - control characters other than tab, newline and carriage return (C0,
//     DEL and C1) are refused: no text a person types holds them, and they
//     garble logs, pages and exports.
func TextProblem(field, s string, max int) string {
	if !utf8.ValidString(s) {
		return field + " must be UTF-8 text: it holds bytes that are not UTF-8"
	}
	if i := strings.IndexFunc(s, forbiddenControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		if r == 0 {
			return field + ` must not contain the NUL character (\u0000)`
		}
		return fmt.Sprintf("%s must not contain the control character %U", field, r)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("%s is at most %d characters, got %d", field, max, n)
	}
	return ""
}

// forbiddenControl reports whether r is a control character that text may
// not hold: any but tab, newline and carriage return.
func forbiddenControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7f && r <= 0x9f
}

// CheckText returns an EINVALID *Error naming field when TextProblem finds
// one, else nil.
func CheckText(field, s string, max int) error {
	if p := TextProblem(field, s, max); p != "" {
		return Errorf(EINVALID, field, "%s", p)
	}
	return nil
}
