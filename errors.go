package shrinkscope

import (
	"errors"
	"fmt"
)

// Error codes shared by every package; web/ maps each to one HTTP status.
const (
	EINVALID      = "invalid"      // the input is malformed or breaks a rule (422)
	ENOTFOUND     = "not_found"    // the named thing does not exist (404)
	ECONFLICT     = "conflict"     // the request conflicts with stored state (409)
	EUNAUTHORIZED = "unauthorized" // no or unknown credentials (401)
	EFORBIDDEN    = "forbidden"    // credentials lack the role or store scope (403)
	ETOOLARGE     = "too_large"    // the body or batch exceeds a limit (413)
	EUNSUPPORTED  = "unsupported"  // wrong content type (415)
	EUNAVAILABLE  = "unavailable"  // the database cannot be reached, or the server is busy: retry later (503 with Retry-After)
	ETOOMANY      = "rate_limited" // the token sent more than its rate limit: retry later (429 with Retry-After)
	EINTERNAL     = "internal"     // anything else; details are logged, not shown (500)
)

// Error is a domain error: a code, a message for the user and, where one
// field is at fault, its name.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted message.
func Errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ItemError is one invalid item of a batch.
type ItemError struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
	// Fields lists every field at fault where there are several, as in a
	// conflict with a stored item; Field is the first of them.
	Fields []string `json:"fields,omitempty"`
}

// BatchError reports every invalid item of a batch; nothing of the batch was
// stored. Code is EINVALID when empty; ECONFLICT when items clash with stored
// ones or each other.
type BatchError struct {
	Code  string
	Items []ItemError
}

func (e *BatchError) Error() string {
	if len(e.Items) == 0 {
		return "invalid batch"
	}
	first := e.Items[0]
	kind := "invalid"
	if e.Code == ECONFLICT {
		kind = "conflicting"
	}
	return fmt.Sprintf("%d %s item(s); first: item %d %s: %s", len(e.Items), kind, first.Index, first.Field, first.Message)
}

// Add records an invalid item.
func (e *BatchError) Add(index int, field, format string, args ...any) {
	e.Items = append(e.Items, ItemError{Index: index, Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e when it holds items, else nil.
func (e *BatchError) Err() error {
	if len(e.Items) == 0 {
		return nil
	}
	return e
}
