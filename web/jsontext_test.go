package web

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

// TestCheckJSONText: every string of a body is checked and named by its
// path; text that is merely unusual (escapes, surrogate pairs, a U+FFFD
// sent as such, tabs and newlines) passes.
func TestCheckJSONText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		body  string
		field string // "" when the body passes; "i:field" for a batch item
		want  string // in the message
	}{
		{`{"name":"Corner shop"}`, "", ""},
		{`{"name":"tab\tand\nnew line\r"}`, "", ""},
		{`{"name":"escaped \"quote\" \\ \/ \t \n"}`, "", ""},
		{`{"name":"a smile \ud83d\ude00"}`, "", ""},
		{"{\"name\":\"a smile \xf0\x9f\x98\x80\"}", "", ""},
		{`{"name":"sent as such: \ufffd \uFFFD"}`, "", ""},
		{"{\"name\":\"sent as such: \xef\xbf\xbd\"}", "", ""},
		{`{"name":"é \u00e9"}`, "", ""},
		{`not JSON at all \u0000`, "", ""},
		{`{"name":"a\u0000"}`, "name", "NUL"},
		{"{\"name\":\"a\xff\"}", "name", "not UTF-8"},
		{`{"name":"\ud800"}`, "name", "lone UTF-16 surrogate"},
		{`{"name":"\udc00\ud800"}`, "name", "lone UTF-16 surrogate"},
		{`{"name":"\u001b[31m"}`, "name", "U+001B"},
		{`{"name":"bell\b"}`, "name", "U+0008"},
		{`{"name":"feed\f"}`, "name", "U+000C"},
		{"{\"name\":\"del\x7f\"}", "name", "U+007F"},
		{"{\"name\":\"c1\xc2\x85\"}", "name", "U+0085"},
		{`{"profile":{"a":1,"note":"ok","deep":{"x":["ok","b\u0000"]}}}`, "profile.deep.x[1]", "NUL"},
		{`{"zones":["Z1","Z\u00002"]}`, "zones[1]", "NUL"},
		{`{"opening_hours":{"mon":[["08:00","\u0007"]]}}`, "opening_hours.mon[0][1]", "U+0007"},
		{`["ok",{"k":"\u0000"}]`, "[1].k", "NUL"},
		{`"\u0000"`, "body", "NUL"},
		{`{"k\u0000":"v"}`, "body", "a key of body must not contain the NUL"},
		{`{"profile":{"\u0007":1}}`, "profile", "a key of profile must not contain the control character U+0007"},
		{`{"events":[{"id":"a"},{"id":"b","camera":"\u0000"}]}`, "1:camera", "NUL"},
		{`{"features":[{"type":"Feature","properties":{"name":"\u0007"}}]}`, "0:properties.name", "U+0007"},
		{`{"events":["\u0000"]}`, "events[0]", "NUL"},
	} {
		err := checkJSONText([]byte(c.body))
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v, want it to pass", c.body, err)
			}
			continue
		}
		var de *ss.Error
		var be *ss.BatchError
		got, msg := "", ""
		switch {
		case errors.As(err, &be):
			got, msg = strconv.Itoa(be.Items[0].Index)+":"+be.Items[0].Field, be.Items[0].Message
		case errors.As(err, &de):
			got, msg = de.Field, de.Message
		}
		if got != c.field || !strings.Contains(msg, c.want) || de != nil && de.Code != ss.EINVALID {
			t.Errorf("%s: field %q message %q (%v), want field %q and %q", c.body, got, msg, err, c.field, c.want)
		}
	}
}
