package shrinkscope

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// JSONErrorMessage turns an encoding/json error into a sentence that names
// the field or position at fault. It stays in the root, not in web, because
// the GeoJSON decoder here words a feature's bad properties with it.
func JSONErrorMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %s must be %s, got JSON %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return "empty body: a JSON document is required"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON document"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	default:
		return err.Error()
	}
}
