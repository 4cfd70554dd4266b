package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// factCounts sums the rows every write endpoint could have added.
func (f *fixture) factCounts() int {
	f.t.Helper()
	var n int
	err := f.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM stores) + (SELECT count(*) FROM zones)
	    + (SELECT count(*) FROM layout_versions) + (SELECT count(*) FROM events) + (SELECT count(*) FROM kpi_targets)`).Scan(&n)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// TestOddInputRefused sends text with a NUL character to every field that
// takes text, and other input that used to be accepted silently; each gets
// 422 naming the field, and nothing is stored.
func TestOddInputRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-time.Hour)
	store := func(edit func(map[string]any)) map[string]any {
		st := storeJSON("Europe/Paris")
		edit(st)
		return st
	}
	withEvent := func(k, v string) map[string]any {
		e := event("S1", "Z1", at)
		e[k] = v
		return batch(e)
	}
	zoneWith := func(k, v string) map[string]any {
		z := zone("Z9", "toys", 5, 0, 0, 2, 2)
		z["properties"].(map[string]any)[k] = v
		return zonesJSON(z)
	}
	bowTie := zone("Z9", "toys", 5, 0, 0, 2, 2)
	bowTie["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{0, 0}, {4, 3}, {4, 0}, {0, 3}, {0, 0}}}}
	cases := []struct {
		name, method, path string
		body               any
		field              string // the error's field, or "i:field" of a per-item error
	}{
		{"NUL in store name", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) { s["name"] = "Corner\x00shop" }), "name"},
		{"NUL in region", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) { s["region"] = "no\x00rth" }), "region"},
		{"NUL in time zone", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) { s["timezone"] = "Europe/Paris\x00" }), "timezone"},
		{"NUL in zone name", "PUT", "/api/v1/stores/S1/zones", zoneWith("name", "To\x00ys"), "0:properties.name"},
		{"NUL in zone category", "PUT", "/api/v1/stores/S1/zones", zoneWith("category", "to\x00ys"), "0:properties.category"},
		{"NUL in event camera", "POST", "/api/v1/events", withEvent("camera", "C\x001"), "0:camera"},
		{"NUL in event track", "POST", "/api/v1/events", withEvent("track", "t\x00"), "0:track"},
		{"NUL in event category", "POST", "/api/v1/events", withEvent("category", "\x00"), "0:category"},
		{"NUL in target note", "PUT", "/api/v1/targets", map[string]any{"kpi": "events", "op": "<=", "value": 3, "period": "day", "note": "a\x00"}, "note"},
		{"NUL in a query parameter", "GET", "/api/v1/kpis?region=no%00rth", nil, "region"},
		{"NUL in a path parameter", "GET", "/api/v1/stores/S%001", nil, "code"},

		{"self-intersecting zone", "PUT", "/api/v1/stores/S1/zones", zonesJSON(bowTie), "0:geometry.coordinates"},
		{"time zone posixrules", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) { s["timezone"] = "posixrules" }), "timezone"},
		{"time zone Factory", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) { s["timezone"] = "Factory" }), "timezone"},
		{"time zone right/", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) { s["timezone"] = "right/Europe/Paris" }), "timezone"},
		{"opening interval of three", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) {
			s["opening_hours"] = map[string]any{"mon": [][]string{{"08:00", "12:00", "22:00"}}}
		}), "opening_hours.mon[0]"},
		{"opening interval of one", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) {
			s["opening_hours"] = map[string]any{"mon": [][]string{{"08:00"}}}
		}), "opening_hours.mon[0]"},
		{"name of 201 characters", "PUT", "/api/v1/stores/S3", store(func(s map[string]any) { s["name"] = strings.Repeat("é", 201) }), "name"},
		{"effective_from year 1", "PUT", "/api/v1/stores/S1/zones?effective_from=0001-01-01T00:00:00Z", zonesJSON(zone("Z9", "toys", 5, 0, 0, 2, 2)), "effective_from"},
		{"from year 1", "GET", "/api/v1/kpis?from=0001-01-01&to=2026-01-01", nil, "from"},
		{"from instant year 1", "GET", "/api/v1/kpis?from=0001-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", nil, "from"},
	}
	before := f.factCounts()
	for _, c := range cases {
		r := f.do(c.method, c.path, f.admin, c.body)
		got := r.errField()
		if strings.Contains(c.field, ":") {
			got = strings.Join(r.itemFields(), ",")
		}
		if r.Status != http.StatusUnprocessableEntity || !slices.Contains(strings.Split(got, ","), c.field) {
			t.Errorf("%s: status %d field %q, want 422 naming %s: %s", c.name, r.Status, got, c.field, r.Raw)
		}
	}
	if after := f.factCounts(); after != before {
		t.Errorf("refused requests changed the stored rows: %d before, %d after", before, after)
	}
	// The 200-character limit counts characters, not bytes.
	f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/S4", f.admin, store(func(s map[string]any) { s["name"] = strings.Repeat("é", 200) }))
}
