package web

import (
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

// checkFastAgainstStd holds decodeEventsFast to encoding/json: where the
// fast decoder accepts a body, encoding/json accepts it too and decodes the
// same items.
func checkFastAgainstStd(t *testing.T, body []byte) bool {
	t.Helper()
	fast, ok := decodeEventsFast(body)
	if !ok {
		return false
	}
	std, err := decodeItems[ss.EventInput](body, "events", 1<<30)
	if err != nil {
		t.Fatalf("fast decoder accepted %q, encoding/json refused it: %v", body, err)
	}
	if len(fast) != len(std) || len(fast) > 0 && !reflect.DeepEqual(fast, std) {
		t.Fatalf("body %q:\nfast %+v\nstd  %+v", body, fast, std)
	}
	return true
}

const fastEvent = `{"id":"0190b0b0-0000-7000-8000-000000000001","store":"S1","zone":"Z1","camera":"C1",` +
	`"track":"t-9","occurred_at":"2026-06-01T10:00:00Z","score":0.91,"method":"pocket","category":"spirits","est_value":12.5}`

func TestDecodeEventsFast(t *testing.T) {
	accepted := []string{
		`{"events":[` + fastEvent + `]}`,
		`{"events":[` + fastEvent + `,` + fastEvent + `]}`,
		" \n{ \"events\" :\t[ {\"score\": null, \"est_value\": -0.0e+1 } , {} ] } \r\n",
		`{"events":[{"score":1E-3,"est_value":0},{"store":"Sé ☃"}]}`,
		`{"events":[]}`,
	}
	for _, b := range accepted {
		if !checkFastAgainstStd(t, []byte(b)) {
			t.Errorf("fast decoder declined %q", b)
		}
	}
	// Each of these is left to encoding/json: it is wrong, or right in a
	// way (escapes, keys in another case, repeated keys, null strings,
	// invalid UTF-8) whose meaning encoding/json defines.
	declined := []string{
		``, `{}`, `{"events":null}`, `{"events":[1]}`, `{"events":[{"id":"a\u0041"}]}`,
		`{"events":[{"ID":"x"}]}`, `{"Events":[]}`, `{"events":[{"id":"a","id":"b"}]}`,
		`{"events":[{"id":null}]}`, "{\"events\":[{\"id\":\"\xff\"}]}", "{\"events\":[{\"id\":\"\x01\"}]}",
		`{"events":[{"score":01}]}`, `{"events":[{"score":1.}]}`, `{"events":[{"score":1e999}]}`,
		`{"events":[{"score":"1"}]}`, `{"events":[{"extra":1}]}`, `{"events":[]}x`, `{"events":[]}{}`,
		`{"events":[],"other":1}`, `{"events":[{"score":1,}]}`, `{"events":[{},]}`, `{"events":[{"score":nul}]}`,
		`{"events":[{"score":-}]}`, `{"events":[{"score":1e}]}`, `{"events":[{"store":"S1"`,
	}
	for _, b := range declined {
		if checkFastAgainstStd(t, []byte(b)) {
			t.Errorf("fast decoder accepted %q", b)
		}
	}
}

// FuzzEventsDecoder: on any body the fast decoder either declines or agrees
// with encoding/json.
func FuzzEventsDecoder(f *testing.F) {
	f.Add([]byte(`{"events":[` + fastEvent + `]}`))
	f.Add([]byte(`{"events":[{"score":null,"est_value":1e2},{}]}`))
	f.Add([]byte(strings.Replace(`{"events":[`+fastEvent+`]}`, `"S1"`, `"S\u00001"`, 1)))
	f.Fuzz(func(t *testing.T, body []byte) { checkFastAgainstStd(t, body) })
}

// What outlives a request must not hold its body: the store directory
// caches store codes. A 10 MB batch whose one kept string is its first
// store code must leave next to nothing reachable once the items are gone.
func TestDecodeEventsFastKeepsNoBody(t *testing.T) {
	body := eventsBody(40_000, func(int) string { return fastEvent })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := map[string]bool{}
	func() {
		items, ok := decodeEventsFast(body)
		if !ok || len(items) != 40_000 {
			t.Fatalf("decoded %d items, ok %v", len(items), ok)
		}
		keep[items[0].Store], keep[items[0].Zone], keep[string(items[0].Method)] = true, true, true
		keep[items[0].Camera], keep[items[0].Category], keep[items[0].Track] = true, true, true
	}()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > int64(len(body))/10 {
		t.Fatalf("heap grew by %d bytes keeping %d short strings of a %d-byte body", grew, len(keep), len(body))
	}
	runtime.KeepAlive(body)
}

// BenchmarkDecodeEvents decodes a batch of 5,000 events with the fast
// decoder and with encoding/json.
func BenchmarkDecodeEvents(b *testing.B) {
	body := eventsBody(5000, func(i int) string { return strings.Replace(fastEvent, `"t-9"`, `"t-`+strconv.Itoa(i)+`"`, 1) })
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, ok := decodeEventsFast(body); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := decodeItems[ss.EventInput](body, "events", 1<<30); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// eventsBody is an events batch of n items, item i being event(i).
func eventsBody(n int, event func(i int) string) []byte {
	var b strings.Builder
	b.WriteString(`{"events":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(event(i))
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// TestDecodeEventsFastDeclinesControls: a string holding DEL or a C1
// control is left to encoding/json's path, which refuses it naming the
// item, as the text check of every body does.
func TestDecodeEventsFastDeclinesControls(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"\x7f", "\u0085", "\u009f"} {
		body := []byte(`{"events":[` + strings.Replace(fastEvent, `"C1"`, `"C`+c+`"`, 1) + `]}`)
		if checkFastAgainstStd(t, body) {
			t.Errorf("fast decoder accepted camera %q", c)
		}
		if _, err := decodeItems[ss.EventInput](body, "events", 1<<30); err == nil || !strings.Contains(err.Error(), "camera") {
			t.Errorf("camera %q: %v, want refused naming camera", c, err)
		}
	}
}
