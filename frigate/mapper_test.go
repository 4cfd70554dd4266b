package frigate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/vision"
)

const testConfig = `server: {url: "http://127.0.0.1:8080", token: t}
store: S1
spool: /tmp/spool
mqtt: {broker: "tcp://127.0.0.1:1883"}
methods: {pocket: pocket, bag: bag, hidden: under_clothing}
cameras:
  - name: aisle
    zones: {aisle_a: A, aisle_b: B}
    entrance_zones: [door]
  - name: top
    width: 100
    height: 100
    calibration:
      - {image: [0, 0], floor: [0, 0]}
      - {image: [100, 0], floor: [10, 0]}
      - {image: [100, 100], floor: [10, 10]}
      - {image: [0, 100], floor: [0, 10]}
`

func mapper(t *testing.T) *Mapper {
	t.Helper()
	cfg, err := ParseConfig([]byte(testConfig), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return NewMapper(cfg)
}

func msg(t *testing.T, after string) *Message {
	t.Helper()
	var m Message
	if err := json.Unmarshal([]byte(`{"type":"update","before":null,"after":`+after+`}`), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// Every way a message becomes an event, a visitor or nothing. The top
// camera's calibration is 10 cm a pixel, so the box bottom centre (u, v)
// stands at (u/10, v/10) m; zone A is x < 5, B x ≥ 5.
func TestMap(t *testing.T) {
	t.Parallel()
	m := mapper(t)
	zones := vision.NewZoneIndex([]ss.Zone{
		{Code: "A", Polygon: ss.Rect(0, 0, 5, 10)}, {Code: "B", Polygon: ss.Rect(5, 0, 10, 10)},
	})
	const start = 1764670000.25
	base := func(extra string) string {
		return fmt.Sprintf(`{"id":"1764670000.25-abc","camera":"aisle","start_time":%v,"top_score":0.8,"false_positive":false%s}`, start, extra)
	}
	for _, c := range []struct {
		name, after      string
		zone, method, at string // event wanted; "" for none
		visitor          bool
		drop             string
	}{
		{"pocket in a mapped zone", base(`,"label":"pocket","current_zones":["aisle_a"]`), "A", "pocket", "2025-12-02T10:06:40.25Z", false, ""},
		{"false positive", base(`,"label":"pocket","current_zones":["aisle_a"],"false_positive":true`), "", "", "", false, "false positive"},
		{"unmapped zone only", base(`,"label":"pocket","current_zones":["till"]`), "", "", "", false, "in no zone"},
		{"last entered mapped zone", base(`,"label":"pocket","current_zones":[],"entered_zones":["aisle_a","till","aisle_b"]`), "B", "pocket", "", false, ""},
		{"sub-label string wins", base(`,"label":"person_item","sub_label":"bag","current_zones":["aisle_a"]`), "A", "bag", "", false, ""},
		{"sub-label [name, score] of 0.14", base(`,"label":"pocket","sub_label":["hidden",0.91],"current_zones":["aisle_b"]`), "B", "under_clothing", "", false, ""},
		{"unmapped sub-label falls back to label", base(`,"label":"bag","sub_label":"red","current_zones":["aisle_b"]`), "B", "bag", "", false, ""},
		{"unmapped label", base(`,"label":"car","current_zones":["aisle_a"]`), "", "", "", false, "label car is not mapped to a method"},
		{"0.14 snapshot time", base(`,"label":"bag","current_zones":["aisle_a"],"snapshot":{"frame_time":1764670003.5,"box":[1,2,3,4],"score":0.9}`), "A", "bag", "2025-12-02T10:06:43.5Z", false, ""},
		{"older snapshot_time", base(`,"label":"bag","current_zones":["aisle_a"],"snapshot_time":1764670002.75`), "A", "bag", "2025-12-02T10:06:42.75Z", false, ""},
		{"person entering the door", base(`,"label":"person","entered_zones":["aisle_a","door"]`), "", "", "", true, ""},
		{"person not at the door", base(`,"label":"person","entered_zones":["aisle_a"]`), "", "", "", false, "person outside the entrance zones"},
		{"calibrated camera, box in B", strings.Replace(base(`,"label":"pocket","box":[60,10,80,90]`), `"aisle"`, `"top"`, 1), "B", "pocket", "", false, ""},
		{"calibrated camera, snapshot box in A", strings.Replace(base(`,"label":"pocket","box":[60,10,80,90],"snapshot":{"frame_time":1764670001,"box":[10,10,30,90]}`), `"aisle"`, `"top"`, 1), "A", "pocket", "", false, ""},
		{"calibrated camera, off the plan", strings.Replace(base(`,"label":"pocket","box":[60,10,80,120]`), `"aisle"`, `"top"`, 1), "", "", "", false, "in no zone"},
		{"camera not configured", strings.Replace(base(`,"label":"pocket"`), `"aisle"`, `"garage"`, 1), "", "", "", false, "camera garage is not in the config"},
	} {
		d := m.Map(msg(t, c.after), zones)
		switch {
		case c.zone != "":
			if d.Event == nil {
				t.Errorf("%s: no event (%s)", c.name, d.Drop)
				continue
			}
			if d.Event.Zone != c.zone || string(d.Event.Method) != c.method || d.Event.Store != "S1" || *d.Event.Score != 0.8 {
				t.Errorf("%s: event %+v, want zone %s method %s", c.name, d.Event, c.zone, c.method)
			}
			if c.at != "" && d.Event.OccurredAt != c.at {
				t.Errorf("%s: occurred_at %s, want %s", c.name, d.Event.OccurredAt, c.at)
			}
		case c.visitor:
			if !d.Visitor || !d.At.Equal(time.Unix(1764670000, 250e6)) {
				t.Errorf("%s: %+v, want a visitor at the start", c.name, d)
			}
		default:
			if d.Event != nil || d.Visitor || d.Drop != c.drop {
				t.Errorf("%s: %+v, want dropped for %q", c.name, d, c.drop)
			}
		}
	}
}

// The id of a Frigate object is a UUIDv7 whose time is the object's start,
// the same for every message of it and different for another camera or
// object.
func TestEventID(t *testing.T) {
	t.Parallel()
	ms := int64(1764670000250) // 0x019ade874c7a (python3: hex(1764670000250))
	id := EventID("S1", "aisle", "1764670000.25-abc", ms)
	if !strings.HasPrefix(id, "019ade87-4c7a-7") || len(id) != 36 || !strings.ContainsAny(id[19:20], "89ab") {
		t.Errorf("id %s is not a UUIDv7 of %x", id, ms)
	}
	if EventID("S1", "aisle", "1764670000.25-abc", ms) != id {
		t.Error("the same object got another id")
	}
	if EventID("S1", "door", "1764670000.25-abc", ms) == id || EventID("S1", "aisle", "1764670000.25-abd", ms) == id {
		t.Error("another camera or object got the same id")
	}
}

// A calibration point outside the detect frame, and a camera with neither
// zones nor calibration, are refused naming the camera.
func TestConfigRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ edit, old, want string }{
		{"{image: [100, 100], floor: [10, 10]}", "{image: [100, 100], floor: [10, 10]}", ""},
		{"{image: [120, 100], floor: [12, 10]}", "{image: [100, 100], floor: [10, 10]}", "camera top: calibration point 2 (120, 100) lies outside its 100×100 detect frame"},
		{"", "    zones: {aisle_a: A, aisle_b: B}\n", "camera aisle: give either zones"},
		{"methods: {person: pocket}", "methods: {pocket: pocket, bag: bag, hidden: under_clothing}", "methods names the person label"},
	} {
		_, err := ParseConfig([]byte(strings.Replace(testConfig, c.old, c.edit, 1)), func(string) string { return "" })
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%q: err %v, want %q", c.edit, err, c.want)
		}
	}
}
