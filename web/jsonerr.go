package web

import (
	"encoding/json"
	"errors"
	"strings"
)

// jsonErrorField returns the field an encoding/json error names, if any: the
// field of the JSON error body.
func jsonErrorField(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return typ.Field
	}
	if s, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(s, `"`)
	}
	return ""
}
