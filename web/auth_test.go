package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

func TestRolesAndScopes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ops := f.token(ss.RoleOps)
	s1ingest := f.token(ss.RoleIngest, "S1")
	s2ops := f.token(ss.RoleOps, "S2")
	at := time.Now().Add(-time.Hour)
	cases := []struct {
		name   string
		method string
		path   string
		token  string
		body   any
		status int
	}{
		{"no token", "GET", "/api/v1/stores", "", nil, 401},
		{"unknown token", "GET", "/api/v1/stores", "sst_nope", nil, 401},
		{"not a bearer", "GET", "/api/v1/stores", "", nil, 401},
		{"ingest reads nothing", "GET", "/api/v1/stores", f.ingest, nil, 403},
		{"ingest cannot read a store", "GET", "/api/v1/stores/S1", f.ingest, nil, 403},
		{"ingest cannot change stores", "PUT", "/api/v1/stores/S3", f.ingest, storeJSON("UTC"), 403},
		{"ops cannot write events", "POST", "/api/v1/events", ops, batch(event("S1", "Z1", at)), 403},
		{"ops cannot change zones", "PUT", "/api/v1/stores/S1/zones", ops, zonesJSON(zone("Z1", "x", 1, 0, 0, 1, 1)), 403},
		{"scoped ingest writes its store", "POST", "/api/v1/events", s1ingest, batch(event("S1", "Z1", at)), 200},
		{"scoped ingest cannot write another", "POST", "/api/v1/events", s1ingest, batch(event("S1", "Z1", at), event("S2", "Z1", at)), 403},
		{"scoped ingest footfall elsewhere", "POST", "/api/v1/footfall", s1ingest, map[string]any{"footfall": []any{map[string]any{"store": "S2", "hour": rfc(at.Truncate(time.Hour).Add(30 * time.Minute)), "visitors": 3}}}, 403},
		{"scoped ingest reads its zones", "GET", "/api/v1/stores/S1/zones", s1ingest, nil, 200},
		{"scoped ingest zones of another", "GET", "/api/v1/stores/S2/zones", s1ingest, nil, 404},
		{"scoped ops sees its store", "GET", "/api/v1/stores/S2", s2ops, nil, 200},
		{"scoped ops cannot see another", "GET", "/api/v1/stores/S1", s2ops, nil, 404},
		{"scoped ops zones of another", "GET", "/api/v1/stores/S1/zones", s2ops, nil, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.count("events")
			r := f.do(c.method, c.path, c.token, c.body)
			if c.name == "not a bearer" {
				req, _ := http.NewRequest("GET", f.url+c.path, nil)
				req.Header.Set("Authorization", "Basic YWRtaW46YWRtaW4=")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				r.Status = res.StatusCode
			}
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Raw)
			}
			if c.status >= 400 && c.method != "GET" && f.count("events") != before {
				t.Errorf("a refused request stored events")
			}
		})
	}
	// A scoped token lists only its own stores.
	r := f.mustStatus(200, "GET", "/api/v1/stores", s2ops, nil)
	stores := r.Body["stores"].([]any)
	if len(stores) != 1 || stores[0].(map[string]any)["code"] != "S2" {
		t.Errorf("scoped list %s, want only S2", r.Raw)
	}
	r = f.mustStatus(200, "GET", "/api/v1/stores", ops, nil)
	if len(r.Body["stores"].([]any)) != 2 {
		t.Errorf("unscoped list %s, want S1 and S2", r.Raw)
	}
}

func TestRevokedTokenIsRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	secret, tok, err := f.tokens.Create(context.Background(), "temp", ss.RoleOps, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.mustStatus(200, "GET", "/api/v1/me", secret, nil)
	if _, err := f.tokens.Revoke(context.Background(), "temp"); err != nil {
		t.Fatal(err)
	}
	f.mustStatus(401, "GET", "/api/v1/me", secret, nil)
	var hash []byte
	_ = f.pool.QueryRow(context.Background(), `SELECT hash FROM api_tokens WHERE id = $1`, tok.ID).Scan(&hash)
	if len(hash) != 32 || string(hash) == secret {
		t.Errorf("stored %d-byte hash; want a 32-byte SHA-256, never the secret", len(hash))
	}
}

func TestStoresAndZones(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// Replacing S1 answers 200 and changes it.
	st := storeJSON("America/New_York")
	st["operating_model"] = "checkout"
	f.mustStatus(200, "PUT", "/api/v1/stores/S1", f.admin, st)
	r := f.mustStatus(200, "GET", "/api/v1/stores/S1", f.admin, nil)
	if r.Body["timezone"] != "America/New_York" || r.Body["operating_model"] != "checkout" {
		t.Errorf("store after replace: %s", r.Raw)
	}
	bad := []struct {
		name, field string
		mutate      func(m map[string]any)
	}{
		{"unknown zone", "timezone", func(m map[string]any) { m["timezone"] = "Mars/Olympus" }},
		{"model", "operating_model", func(m map[string]any) { m["operating_model"] = "guards" }},
		{"no name", "name", func(m map[string]any) { delete(m, "name") }},
		{"hours reversed", "opening_hours.mon[0]", func(m map[string]any) { m["opening_hours"] = map[string]any{"mon": [][]string{{"22:00", "08:00"}}} }},
		{"bad weekday", "opening_hours", func(m map[string]any) { m["opening_hours"] = map[string]any{"monday": [][]string{{"08:00", "20:00"}}} }},
		{"negative profile", "profile.theft_index", func(m map[string]any) {
			m["profile"] = map[string]any{"urban_density": 1, "theft_index": -1, "staffing_capacity": 1}
		}},
	}
	for _, b := range bad {
		m := storeJSON("UTC")
		b.mutate(m)
		r := f.do("PUT", "/api/v1/stores/S9", f.admin, m)
		if r.Status != 422 || r.errField() != b.field {
			t.Errorf("%s: status %d field %q, want 422 %q: %s", b.name, r.Status, r.errField(), b.field, r.Raw)
		}
	}
	f.mustStatus(404, "GET", "/api/v1/stores/S9", f.admin, nil)

	// A new zone set is version 2; Z2 left out is retired and no longer takes events.
	r = f.mustStatus(200, "PUT", "/api/v1/stores/S1/zones", f.admin, zonesJSON(zone("Z1", "cosmetics", 14, 0, 0, 5, 4), zone("Z3", "razors", 25, 5, 0, 9, 4)))
	if r.Body["layout_version"] != 2.0 {
		t.Errorf("second layout answered %s, want layout_version 2", r.Raw)
	}
	r = f.mustStatus(200, "GET", "/api/v1/stores/S1/zones", f.admin, nil)
	if feats := r.Body["features"].([]any); len(feats) != 2 {
		t.Errorf("zones after replace: %s", r.Raw)
	}
	ev := f.do("POST", "/api/v1/events", f.ingest, batch(event("S1", "Z2", time.Now().Add(-time.Minute))))
	if ev.Status != 422 {
		t.Errorf("event in a retired zone: status %d, want 422", ev.Status)
	}
	badZones := []struct{ name, item string }{
		{"open ring", "0:geometry.coordinates"},
		{"duplicate id", "1:properties.id"},
		{"bad kind", "0:properties.kind"},
	}
	for _, b := range badZones {
		var fc map[string]any
		switch b.name {
		case "open ring":
			z := zone("Z1", "c", 1, 0, 0, 1, 1)
			z["geometry"].(map[string]any)["coordinates"] = [][][]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}
			fc = zonesJSON(z)
		case "duplicate id":
			fc = zonesJSON(zone("Z1", "c", 1, 0, 0, 1, 1), zone("Z1", "c", 1, 2, 2, 3, 3))
		case "bad kind":
			z := zone("Z1", "c", 1, 0, 0, 1, 1)
			z["properties"].(map[string]any)["kind"] = "roof"
			fc = zonesJSON(z)
		}
		r := f.do("PUT", "/api/v1/stores/S1/zones", f.admin, fc)
		found := false
		for _, it := range r.itemFields() {
			found = found || it == b.item
		}
		if r.Status != 422 || !found {
			t.Errorf("%s: status %d items %v, want 422 naming %s: %s", b.name, r.Status, r.itemFields(), b.item, r.Raw)
		}
	}
	var versions int
	_ = f.pool.QueryRow(context.Background(), `SELECT count(*) FROM layout_versions lv JOIN stores s ON s.id = lv.store_id WHERE s.code = 'S1'`).Scan(&versions)
	if versions != 2 {
		t.Errorf("%d layout versions after rejected uploads, want 2", versions)
	}
}
