package web

import (
	"strconv"
	"strings"
	"unicode/utf8"

	ss "github.com/shrinkscope/shrinkscope"
)

// decodeEventsFast decodes an events batch, {"events":[{…},…]}, from body
// in one pass, for the common shape senders produce: exact lower-case keys
// of EventInput, each at most once per item; strings without escapes or
// control characters; numbers or null for score and est_value. On anything
// else it answers ok = false and the caller decodes body with encoding/json,
// which then decides (and words any error) exactly as for every other body;
// where it answers ok, the items are what encoding/json would decode (the
// differential test and FuzzEventsDecoder hold it to that). encoding/json
// is about half the CPU of an ingest request; this is several times faster
// and it allocates little: the id and time strings, parsed and dropped with
// the request, share one copy of the body; the few distinct store, zone,
// camera, method and category strings of a batch are copied once each, and
// tracks one by one, so
// nothing that outlives the request (the store directory's cache keeps
// codes) holds the body.
func decodeEventsFast(body []byte) (items []ss.EventInput, ok bool) {
	d := eventsDecoder{s: string(body), seen: map[string]string{}}
	if !d.lit('{') || !d.key("events") || !d.lit(':') || !d.lit('[') {
		return nil, false
	}
	items = make([]ss.EventInput, 0, 16)
	if d.peek() == ']' {
		d.i++
	} else {
		for {
			var e ss.EventInput
			if !d.item(&e) {
				return nil, false
			}
			items = append(items, e)
			if d.lit(',') {
				continue
			}
			if !d.lit(']') {
				return nil, false
			}
			break
		}
	}
	if !d.lit('}') {
		return nil, false
	}
	d.ws()
	return items, d.i == len(d.s)
}

type eventsDecoder struct {
	s    string
	i    int
	seen map[string]string // copies of the repeated strings, by content
}

// own returns a copy of v, not sharing the body: one per distinct value.
func (d *eventsDecoder) own(v string) string {
	if c, ok := d.seen[v]; ok {
		return c
	}
	c := strings.Clone(v)
	d.seen[c] = c
	return c
}

func (d *eventsDecoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, 0 at the end.
func (d *eventsDecoder) peek() byte {
	d.ws()
	if d.i == len(d.s) {
		return 0
	}
	return d.s[d.i]
}

// lit consumes c after white space.
func (d *eventsDecoder) lit(c byte) bool {
	if d.peek() != c {
		return false
	}
	d.i++
	return true
}

// str consumes a string with no escape, no control character (C0, DEL or
// C1: checkJSONText refuses those) and valid UTF-8, and returns its content.
func (d *eventsDecoder) str() (string, bool) {
	if !d.lit('"') {
		return "", false
	}
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			v := d.s[start:d.i]
			d.i++
			return v, utf8.ValidString(v)
		case c == '\\' || c < 0x20 || c == 0x7f:
			return "", false
		case c == 0xc2 && d.i+1 < len(d.s) && d.s[d.i+1] >= 0x80 && d.s[d.i+1] <= 0x9f:
			return "", false // a C1 control: encoding/json's path words the refusal
		}
		d.i++
	}
	return "", false
}

func (d *eventsDecoder) key(want string) bool {
	k, ok := d.str()
	return ok && k == want
}

// number consumes null (nil) or a JSON number that fits a float64.
func (d *eventsDecoder) number() (*float64, bool) {
	switch d.peek() {
	case 'n':
		if len(d.s)-d.i >= 4 && d.s[d.i:d.i+4] == "null" {
			d.i += 4
			return nil, true
		}
		return nil, false
	}
	start := d.i
	if d.i < len(d.s) && d.s[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.s) && d.s[d.i] == '0':
		d.i++
	case d.i < len(d.s) && d.s[d.i] >= '1' && d.s[d.i] <= '9':
		d.digits()
	default:
		return nil, false
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if !d.digits() {
			return nil, false
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if !d.digits() {
			return nil, false
		}
	}
	v, err := strconv.ParseFloat(d.s[start:d.i], 64)
	if err != nil {
		return nil, false
	}
	return &v, true
}

// digits consumes one or more decimal digits.
func (d *eventsDecoder) digits() bool {
	start := d.i
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}

// item decodes one event object.
func (d *eventsDecoder) item(e *ss.EventInput) bool {
	if !d.lit('{') {
		return false
	}
	if d.lit('}') {
		return true
	}
	var seen uint16
	for {
		k, ok := d.str()
		if !ok || !d.lit(':') {
			return false
		}
		var bit uint16
		var dst *string
		var num **float64
		shared, unique := false, false // shared: parsed, not kept, so it may share the body; unique: one per item
		switch k {
		case "id":
			bit, dst, shared = 1<<0, &e.ID, true
		case "store":
			bit, dst = 1<<1, &e.Store
		case "zone":
			bit, dst = 1<<2, &e.Zone
		case "camera":
			bit, dst = 1<<3, &e.Camera
		case "track":
			bit, dst, unique = 1<<4, &e.Track, true
		case "occurred_at":
			bit, dst, shared = 1<<5, &e.OccurredAt, true
		case "category":
			bit, dst = 1<<6, &e.Category
		case "method":
			bit = 1 << 7
		case "score":
			bit, num = 1<<8, &e.Score
		case "est_value":
			bit, num = 1<<9, &e.EstValue
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		switch {
		case num != nil:
			if *num, ok = d.number(); !ok {
				return false
			}
		case dst != nil:
			v, ok := d.str()
			if !ok {
				return false
			}
			switch {
			case unique:
				v = strings.Clone(v)
			case !shared:
				v = d.own(v)
			}
			*dst = v
		default:
			m, ok := d.str()
			if !ok {
				return false
			}
			e.Method = ss.Method(d.own(m))
		}
		if d.lit(',') {
			continue
		}
		return d.lit('}')
	}
}
