package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	ss "github.com/shrinkscope/shrinkscope"
)

// checkJSONText holds every string of a JSON body to ss.TextProblem, naming
// the first bad one by its path ("events[3].camera"), before the body is
// decoded: encoding/json replaces bytes that are not UTF-8, and escapes of
// lone surrogates, with U+FFFD without a word, and lets NUL and other
// control characters through as escapes. Length limits stay with each
// field's own validation. A body that is not JSON passes: the decoder then
// words the syntax error. In a batch the error is a *ss.BatchError naming
// the item.
func checkJSONText(body []byte) error {
	if plainText(body) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var path []pathStep
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		top := len(path) - 1
		isKey := top >= 0 && !path[top].array && path[top].wantKey
		if top >= 0 && !isKey {
			if d, ok := tok.(json.Delim); !ok || d == '{' || d == '[' {
				path[top].next() // a value starts
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				path = append(path, pathStep{wantKey: true})
			case '[':
				path = append(path, pathStep{array: true, index: -1})
			default:
				path = path[:top]
			}
			continue
		case string:
			raw := body[off:dec.InputOffset()]
			field := pathName(path)
			if isKey {
				// A bad key is named by where it stands, not by itself.
				path[top].wantKey = false
				field = pathName(path[:top])
				if p := stringProblem("a key of "+field, t, raw); p != "" {
					return ss.Errorf(ss.EINVALID, field, "%s", p)
				}
				path[top].key = t
				continue
			}
			if len(path) > 2 && batchKeys[path[0].key] && path[1].array {
				// An item of a batch: a per-item error, as its other
				// validation words them ("index 3, field camera").
				field = pathName(path[2:])
				if p := stringProblem(field, t, raw); p != "" {
					var be ss.BatchError
					be.Add(path[1].index, field, "%s", p)
					return &be
				}
				continue
			}
			if p := stringProblem(field, t, raw); p != "" {
				return ss.Errorf(ss.EINVALID, field, "%s", p)
			}
		}
	}
}

// batchKeys are the top-level keys of the bodies that are batches of items
// (ingest batches, a store's zones as GeoJSON features): a bad string in an
// item is a per-item error, index and field, like the items' own checks.
var batchKeys = map[string]bool{"events": true, "outcomes": true, "footfall": true, "sales": true, "features": true}

// pathStep is one level of a JSON document: an object, whose current key
// is key, or an array, at index.
type pathStep struct {
	array   bool
	index   int
	key     string
	wantKey bool // an object expecting a key next
}

// next moves the step past a value: an array to its next index, an object
// to its next key.
func (p *pathStep) next() {
	if p.array {
		p.index++
	} else {
		p.wantKey = true
	}
}

// pathName names a position as error fields do: "features[0].properties.name".
func pathName(path []pathStep) string {
	var b strings.Builder
	for _, p := range path {
		if p.array {
			b.WriteString("[" + strconv.Itoa(p.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.key)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

// stringProblem checks a decoded JSON string s whose source (with the
// separator before it) is raw.
func stringProblem(field, s string, raw []byte) string {
	if !utf8.Valid(raw) {
		return field + " must be UTF-8 text: it holds bytes that are not UTF-8"
	}
	if strings.ContainsRune(s, utf8.RuneError) && !bytes.Contains(raw, []byte("\uFFFD")) &&
		!bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)) {
		return field + " holds a \\u escape of a lone UTF-16 surrogate, which is not a character"
	}
	return ss.TextProblem(field, s, len(s))
}

// plainText reports, in one pass, that body cannot hold a string
// TextProblem refuses: it is UTF-8 with no \u, \b or \f escape, no DEL and
// no C1 character. (JSON holds no raw control character in a string.)
// Nearly every body is plain, so the token walk above is rare.
func plainText(body []byte) bool {
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c == '\\' && i+1 < len(body):
			switch body[i+1] {
			case 'u', 'b', 'f':
				return false
			}
			i++
		case c == 0x7f:
			return false
		case c == 0xc2 && i+1 < len(body) && body[i+1] >= 0x80 && body[i+1] <= 0x9f:
			return false
		}
	}
	return utf8.Valid(body)
}
