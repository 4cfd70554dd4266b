package web_test

import (
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// The fixture's estate has three events on one day: far too little for a
// recommendation, so every store is marked and none is recommended a model.
func TestSegmentsOverHTTP(t *testing.T) {
	t.Parallel()
	f := kpiFixture(t)
	planner := f.token(ss.RolePlanner)
	r := f.mustStatus(200, "GET", "/api/v1/segments?from=2026-01-05&to=2026-01-11", planner, nil)
	if r.Body["from"] != "2026-01-05" || r.Body["to"] != "2026-01-11" || r.Body["days"] != 7.0 {
		t.Errorf("window %s", r.Raw)
	}
	segs := r.Body["stores"].([]any)
	if len(segs) != 2 {
		t.Fatalf("segments %s", r.Raw)
	}
	for _, s := range segs {
		m := s.(map[string]any)
		data := m["data"].(map[string]any)
		if m["status"] != "insufficient_data" || m["recommended_model"] != nil || m["returns"] != nil || m["tier"] != nil ||
			!strings.HasPrefix(m["rationale"].(string), "Too little data") || data["needed_days"] != 7.0 {
			t.Errorf("segment %v", m)
		}
		// S1's concealments are expected ones: e2 lost and e3 open, less e3's false share (the
		// estate's 1/2, from e1 and e2): 2 − 1 × 1/2 = 1.5.
		if m["store"] == "S1" && (data["days"] != 1.0 || data["events"] != 1.5) {
			t.Errorf("S1 data %v, want 1 day and 1.5 concealments", data)
		}
	}
	// days is a shorthand for from; the default is the 90 days to yesterday.
	r = f.mustStatus(200, "GET", "/api/v1/segments?to=2026-01-11&days=30", planner, nil)
	if r.Body["from"] != "2025-12-13" || r.Body["days"] != 30.0 {
		t.Errorf("days=30: %s", r.Raw)
	}
	r = f.mustStatus(200, "GET", "/api/v1/segments", planner, nil)
	y := time.Now().UTC().AddDate(0, 0, -1)
	if r.Body["to"] != y.Format(time.DateOnly) || r.Body["from"] != y.AddDate(0, 0, -89).Format(time.DateOnly) || r.Body["days"] != 90.0 {
		t.Errorf("default window %s", r.Raw)
	}
	for _, c := range []struct{ query, field string }{
		{"days=3", "days"},
		{"days=ninety", "days"},
		{"from=2026-01-05", "to"},
		{"from=2026-01-05&to=2026-02-05&days=30", "days"},
		{"from=5 Jan&to=2026-02-05", "from"},
		{"from=2026-01-05T00:00:00Z&to=2026-02-05", "from"},
		{"from=2026-02-05&to=2026-01-05", "to"},
		{"from=2020-01-01&to=2026-01-05", "days"},
	} {
		if r := f.do("GET", "/api/v1/segments?"+strings.ReplaceAll(c.query, " ", "%20"), planner, nil); r.Status != 422 || r.errField() != c.field {
			t.Errorf("%s: %d %q, want 422 %q: %s", c.query, r.Status, r.errField(), c.field, r.Raw)
		}
	}
}
