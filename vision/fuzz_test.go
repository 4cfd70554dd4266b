package vision

import (
	"errors"
	"math"
	"testing"

	ss "github.com/shrinkscope/shrinkscope"
)

// FuzzConfig reads arbitrary vision configurations: none may panic, every
// refusal is a domain error naming its field, and an accepted one has
// what the pipeline relies on: a store code, a rule whose k fits in n, and
// for each camera a homography of finite numbers. `make fuzz` runs it.
func FuzzConfig(f *testing.F) {
	good := `
server: {url: "http://127.0.0.1:8080", token: "$TOKEN"}
store: S1
spool: /tmp/spool
model: {path: m.onnx, classes: [person, pocket, bag], methods: {pocket: pocket, bag: bag}}
cameras:
  - id: cam-1
    source: {kind: folder, path: /tmp/frames}
    calibration:
      - {image: [0, 0], floor: [0, 0]}
      - {image: [100, 0], floor: [5, 0]}
      - {image: [100, 100], floor: [5, 5]}
      - {image: [0, 100], floor: [0, 5]}
`
	for _, s := range []string{good, "", "{}", "store: [", "cameras: [{id: a, calibration: [{image: [0, 0], floor: [0, 0]}]}]",
		good + "rule: {k: 9, n: 2}\n", good + "thresholds: {max_reprojection_m: -1}\n",
		"a: &a [*a, *a, *a]\nstore: *a\n",
		"server: {url: \"http://h\", token: \"$\"}\nstore: \"S\\0\"\n",
	} {
		f.Add([]byte(s))
	}
	env := func(k string) string { return map[string]string{"TOKEN": "sst_x"}[k] }
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, env)
		if err != nil {
			var e *ss.Error
			if !errors.As(err, &e) || e.Field == "" || e.Code != ss.EINVALID {
				t.Fatalf("refusal without a field: %v (%T)", err, err)
			}
			return
		}
		if !ss.ValidCode(c.Store) || c.Rule.K < 1 || c.Rule.K > c.Rule.N || len(c.Cameras) == 0 {
			t.Fatalf("accepted %q: store %q, rule %+v, %d cameras", data, c.Store, c.Rule, len(c.Cameras))
		}
		for _, cam := range c.Cameras {
			if math.IsNaN(cam.Reprojection) || math.IsInf(cam.Reprojection, 0) {
				t.Fatalf("accepted camera %s with reprojection error %v", cam.ID, cam.Reprojection)
			}
			for _, h := range cam.Homography {
				if math.IsNaN(h) || math.IsInf(h, 0) {
					t.Fatalf("accepted camera %s with homography %v", cam.ID, cam.Homography)
				}
			}
		}
	})
}
