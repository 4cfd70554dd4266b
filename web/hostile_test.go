package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// hostileCase is one request of the hostile-input table: who sends what,
// and the answer: a 4xx whose error (field and message) contains want.
type hostileCase struct {
	name         string
	method, path string
	body         any    // JSON (marshalled), []byte (sent as is) or url.Values (a form)
	token        string // a key of the table's tokens
	status       int
	want         string // in the error's field or message, naming the problem
}

// hostileTables are the tables whose contents a refused request must
// leave as they were (digested whole, so an update counts as well as an
// insert).
var hostileTables = []string{"stores", "zones", "layout_versions", "layout_changes", "layout_evaluations",
	"recommendations", "events", "outcomes", "footfall", "sales", "kpi_targets", "kpi_dirty",
	"staffing_policies", "staffing_plans", "report_webhooks", "report_deliveries", "report_snapshots",
	"segment_snapshots", "job_runs", "checkout_policy", "checkout_items", "checkout_presence", "checkout_exits"}

// digest sums up the stored state: each table's rows, and the number of
// tokens and sessions (whose last-use times a request may move).
func (f *fixture) digest() string {
	f.t.Helper()
	var b strings.Builder
	for _, t := range hostileTables {
		var d string
		q := `SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ` + t + ` t`
		if err := f.pool.QueryRow(context.Background(), q).Scan(&d); err != nil {
			f.t.Fatal(err)
		}
		b.WriteString(t + "=" + d + " ")
	}
	var tokens, sessions int
	if err := f.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM api_tokens), (SELECT count(*) FROM web_sessions)`).Scan(&tokens, &sessions); err != nil {
		f.t.Fatal(err)
	}
	fmt.Fprintf(&b, "api_tokens=%d web_sessions=%d", tokens, sessions)
	return b.String()
}

// raw marshals v and then puts bad, as raw bytes, where v's strings hold
// the marker RAW~: bytes that are not UTF-8, or escapes json.Marshal would
// not write.
func raw(v any, bad string) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return bytes.ReplaceAll(b, []byte("RAW~"), []byte(bad))
}

// sendHostile sends one case.
func (f *fixture) sendHostile(c hostileCase, token string) response {
	f.t.Helper()
	if form, ok := c.body.(url.Values); ok {
		return f.doType(c.method, c.path, token, "application/x-www-form-urlencoded", form.Encode())
	}
	return f.do(c.method, c.path, token, c.body)
}

// TestHostileInput sends well over 80 hostile requests across every write
// endpoint and read parameter: text with NUL, bytes that are not UTF-8,
// control characters and lone surrogates; dates from year 1 to 9999;
// overlapping zones; cut opening hours; ids and stores outside the token's
// scope. Each answers a 4xx naming the problem, stores nothing, and the
// server still answers /healthz after it.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	tok := map[string]string{
		"admin": f.admin, "ingest": f.ingest,
		"adminS1": f.token(ss.RoleAdmin, "S1"), "ingestS1": f.token(ss.RoleIngest, "S1"),
		"ops": f.token(ss.RoleOps), "opsS1": f.token(ss.RoleOps, "S1"),
		"planner": f.token(ss.RolePlanner), "plannerS1": f.token(ss.RolePlanner, "S1"),
		"merch": f.token(ss.RoleMerchandiser), "merchS1": f.token(ss.RoleMerchandiser, "S1"),
		"till": f.token(ss.RoleCheckout), "tillS1": f.token(ss.RoleCheckout, "S1"),
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	day := func(k int) string { return today.AddDate(0, 0, -k).Format(time.DateOnly) }
	// State the cases refer to: S2's event, a layout change and a
	// recommendation of each store.
	at := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	s2event := event("S2", "Z1", at)
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(s2event))
	r := f.mustStatus(http.StatusCreated, "POST", "/api/v1/stores/S2/layout-changes", f.admin,
		map[string]any{"zones": []string{"Z1"}, "implemented_at": day(10), "kind": "relocate", "description": "razors to the till"})
	s2change := jsonNum(r.Body["id"])
	rec := func(store string) string {
		var id int64
		if err := f.pool.QueryRow(ctx, `INSERT INTO recommendations (store_id, kind, zones, rationale, expected_rr, expected_low, expected_high, based_on)
SELECT id, 'protective_fixtures', '{Z1}', 'fit locked cases', 0.8, 0.6, 1.0, 0 FROM stores WHERE code = $1 RETURNING id`, store).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(id, 10)
	}
	s1rec, s2rec := rec("S1"), rec("S2")
	// S1 gets a till (lane 1) and an entrance, and a track with a
	// concealment, for the checkout cases.
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/S1/zones", f.admin, zonesJSON(
		zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4), zone("Z2", "spirits", 30, 5, 0, 10, 4), till("K1", "1", 0, 5, 2, 7), entrance("E1", 3, 5, 5, 7)))
	presence := func(k string, v any) map[string]any {
		x := map[string]any{"store": "S1", "lane": "1", "track": "f-h", "at": rfc(at)}
		x[k] = v
		return presenceBatch(x)
	}
	tillOutcome := func(k string, v any) map[string]any {
		x := map[string]any{"store": "S1", "lane": "1", "track": "f-h", "outcome": "paid"}
		x[k] = v
		return map[string]any{"outcomes": []any{x}}
	}

	store := func(edit func(map[string]any)) map[string]any {
		st := storeJSON("Europe/Paris")
		edit(st)
		return st
	}
	zoneWith := func(k string, v any) map[string]any {
		z := zone("Z9", "toys", 5, 20, 0, 22, 2)
		z["properties"].(map[string]any)[k] = v
		return zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4), z)
	}
	change := func(k string, v any) map[string]any {
		c := map[string]any{"zones": []string{"Z1"}, "implemented_at": day(5), "kind": "relocate", "description": "moved"}
		c[k] = v
		return c
	}
	target := func(k string, v any) map[string]any {
		t := map[string]any{"store": "S1", "kpi": "events", "op": "<=", "value": 3, "note": "weekly"}
		t[k] = v
		return t
	}
	withEvent := func(k string, v any) map[string]any {
		e := event("S1", "Z1", at)
		e[k] = v
		return batch(e)
	}
	solve := func(edit func(map[string]any)) map[string]any {
		q := map[string]any{"opening_hours": map[string][]string{"2026-03-02": {"08:00", "12:00"}},
			"requirements": []map[string]any{{"day": "2026-03-02", "hour": 9, "required": 1}},
			"shift_rules":  map[string]int{"min_hours": 2, "max_hours": 4}}
		edit(q)
		return q
	}
	webhook := func(k string, v any) map[string]any {
		w := map[string]any{"url": "https://hooks.example.com/x", "events": []string{"job.failed"}, "secret": "0123456789abcdef0123"}
		w[k] = v
		return w
	}
	outcome := func(k string, v any) map[string]any {
		o := map[string]any{"event": s2event["id"], "outcome": "walked_out", "at": rfc(at.Add(time.Minute))}
		o[k] = v
		return map[string]any{"outcomes": []any{o}}
	}
	footfall := func(k string, v any) map[string]any {
		x := map[string]any{"store": "S1", "hour": rfc(at.Truncate(time.Hour)), "visitors": 10}
		x[k] = v
		return map[string]any{"footfall": []any{x}}
	}
	sales := func(k string, v any) map[string]any {
		x := map[string]any{"store": "S1", "day": day(2), "amount": 1000}
		x[k] = v
		return map[string]any{"sales": []any{x}}
	}
	policy := func(k string, v any) map[string]any {
		p := map[string]any{"incidents_per_staffer": 2, "min_staff": 1, "max_staff": 4, "shift_rules": map[string]int{"min_hours": 4, "max_hours": 8},
			"hourly_cost": 15, "handle_seconds": 120, "service_level": 0.8, "answer_seconds": 60}
		p[k] = v
		return p
	}
	const (
		put, post, get, del = "PUT", "POST", "GET", "DELETE"
		bad                 = http.StatusUnprocessableEntity
	)
	cases := []hostileCase{
		// Stores.
		{"store name with NUL", put, "/api/v1/stores/S9", store(func(s map[string]any) { s["name"] = "Corner\x00shop" }), "admin", bad, "name must not contain the NUL"},
		{"store name not UTF-8", put, "/api/v1/stores/S9", raw(store(func(s map[string]any) { s["name"] = "Corner RAW~ shop" }), "\xff\xfe"), "admin", bad, "name must be UTF-8"},
		{"region with BEL", put, "/api/v1/stores/S9", store(func(s map[string]any) { s["region"] = "no\arth" }), "admin", bad, "region must not contain the control character U+0007"},
		{"region with a lone surrogate", put, "/api/v1/stores/S9", raw(store(func(s map[string]any) { s["region"] = "RAW~" }), `\ud800`), "admin", bad, "region holds a \\u escape of a lone UTF-16 surrogate"},
		{"region with DEL", put, "/api/v1/stores/S9", raw(store(func(s map[string]any) { s["region"] = "RAW~" }), "\x7f"), "admin", bad, "region must not contain the control character U+007F"},
		{"time zone with a C1 character", put, "/api/v1/stores/S9", store(func(s map[string]any) { s["timezone"] = "Europe/Paris\u0085" }), "admin", bad, "timezone must not contain the control character U+0085"},
		{"opening interval of three", put, "/api/v1/stores/S9", store(func(s map[string]any) {
			s["opening_hours"] = map[string]any{"mon": [][]string{{"08:00", "12:00", "22:00"}}}
		}), "admin", bad, "opening_hours.mon[0]"},
		{"unknown store field", put, "/api/v1/stores/S9", store(func(s map[string]any) { s["colour"] = "red" }), "admin", bad, `unknown field "colour"`},
		{"store code with a space", put, "/api/v1/stores/S%209", storeJSON("Europe/Paris"), "admin", bad, "store code"},
		{"store code with NUL", put, "/api/v1/stores/S%009", storeJSON("Europe/Paris"), "admin", bad, "code must not contain the NUL"},
		{"store code not UTF-8", get, "/api/v1/stores/S%FF", nil, "ops", bad, "code must be UTF-8"},
		{"operating model unknown", put, "/api/v1/stores/S9", store(func(s map[string]any) { s["operating_model"] = "guards" }), "admin", bad, "operating_model"},
		{"negative theft index", put, "/api/v1/stores/S9", store(func(s map[string]any) {
			s["profile"] = map[string]any{"urban_density": 1, "theft_index": -1, "staffing_capacity": 1}
		}), "admin", bad, "profile.theft_index"},
		{"store of another scope", put, "/api/v1/stores/S2", storeJSON("Asia/Kolkata"), "adminS1", http.StatusForbidden, `may not write store "S2"`},
		{"store body as text", put, "/api/v1/stores/S9", "name=x", "admin", bad, "malformed JSON"},

		// Zones.
		{"zone fixture with NUL", put, "/api/v1/stores/S1/zones", zoneWith("fixture", "peg\x00"), "merch", bad, "1:properties.fixture"},
		{"zone name not UTF-8", put, "/api/v1/stores/S1/zones", raw(zoneWith("name", "Toys RAW~"), "\xc3\x28"), "merch", bad, "1:properties.name"},
		{"zone category with ESC", put, "/api/v1/stores/S1/zones", zoneWith("category", "\x1b[31mtoys"), "merch", bad, "1:properties.category"},
		{"zone fixture of 65 characters", put, "/api/v1/stores/S1/zones", zoneWith("fixture", strings.Repeat("é", 65)), "merch", bad, "1:properties.fixture"},
		{"zones overlapping in part", put, "/api/v1/stores/S1/zones", zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4), zone("Z2", "spirits", 30, 4, 0, 10, 4)), "merch", bad, `1:geometry.coordinates zone "Z2" overlaps zone "Z1"`},
		{"zones with one outline", put, "/api/v1/stores/S1/zones", zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4), zone("Z2", "spirits", 30, 0, 0, 5, 4)), "merch", bad, `overlaps zone "Z1"`},
		{"zones from year 1", put, "/api/v1/stores/S1/zones?effective_from=0001-01-01T00:00:00Z", zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4)), "merch", bad, "effective_from"},
		{"zones from year 9999", put, "/api/v1/stores/S1/zones?effective_from=9999-01-01T00:00:00Z", zonesJSON(zone("Z1", "cosmetics", 12.5, 0, 0, 5, 4)), "merch", bad, "effective_from"},
		{"zones of another scope", put, "/api/v1/stores/S2/zones", zonesJSON(zone("Z1", "razors", 25, 0, 0, 3, 3)), "merchS1", http.StatusForbidden, `may not write store "S2"`},
		{"zones read at year 1", get, "/api/v1/stores/S1/zones?at=0001-01-01", nil, "ops", bad, "at 0001-01-01 is outside"},
		{"zones read at year 9999", get, "/api/v1/stores/S1/zones?at=9999-12-31", nil, "ops", bad, "at 9999-12-31 is outside"},
		{"zones read at no date", get, "/api/v1/stores/S1/zones?at=tomorrow", nil, "ops", bad, "at must be a date"},

		// Layout changes.
		{"change description with NUL", post, "/api/v1/stores/S1/layout-changes", change("description", "moved\x00"), "merch", bad, "description must not contain the NUL"},
		{"change description not UTF-8", post, "/api/v1/stores/S1/layout-changes", raw(change("description", "RAW~"), "\x80"), "merch", bad, "description must be UTF-8"},
		{"change description of 2001 characters", post, "/api/v1/stores/S1/layout-changes", change("description", strings.Repeat("é", 2001)), "merch", bad, "description is at most 2000"},
		{"change in 1900", post, "/api/v1/stores/S1/layout-changes", change("implemented_at", "1900-01-01"), "merch", bad, "implemented_at 1900-01-01 is outside"},
		{"change in year 1", post, "/api/v1/stores/S1/layout-changes", change("implemented_at", "0001-01-01"), "merch", bad, "implemented_at 0001-01-01 is outside"},
		{"change in year 9999", post, "/api/v1/stores/S1/layout-changes", change("implemented_at", "9999-12-31"), "merch", bad, "implemented_at"},
		{"change of no kind", post, "/api/v1/stores/S1/layout-changes", change("kind", "paint"), "merch", bad, "kind must be one of"},
		{"change zone with NUL", post, "/api/v1/stores/S1/layout-changes", change("zones", []string{"Z\x001"}), "merch", bad, "zones[0] must not contain the NUL"},
		{"change window too short", post, "/api/v1/stores/S1/layout-changes", change("before_days", 3), "merch", bad, "before_days"},
		{"change for another store's recommendation", post, "/api/v1/stores/S1/layout-changes", change("recommendation", json.Number(s2rec)), "merch", bad, "no recommendation " + s2rec + " for store S1"},
		{"change of another scope", post, "/api/v1/stores/S2/layout-changes", change("zones", []string{"Z1"}), "merchS1", http.StatusForbidden, `may not write store "S2"`},

		// Recommendations and evaluations by id.
		{"reject reason with NUL", post, "/api/v1/recommendations/" + s1rec + "/reject", map[string]any{"reason": "no\x00"}, "merch", bad, "reason must not contain the NUL"},
		{"reject reason not UTF-8", post, "/api/v1/recommendations/" + s1rec + "/reject", raw(map[string]any{"reason": "RAW~"}, "\xe2\x28\xa1"), "merch", bad, "reason must be UTF-8"},
		{"reject without reason", post, "/api/v1/recommendations/" + s1rec + "/reject", map[string]any{}, "merch", bad, "a rejection needs a reason"},
		{"reject reason of 2001 characters", post, "/api/v1/recommendations/" + s1rec + "/reject", map[string]any{"reason": strings.Repeat("x", 2001)}, "merch", bad, "reason is at most 2000"},
		{"accept id not a number", post, "/api/v1/recommendations/abc/accept", nil, "merch", bad, "id must be a positive integer"},
		{"accept a missing id", post, "/api/v1/recommendations/99999999/accept", nil, "merchS1", http.StatusNotFound, "no recommendation 99999999"},
		{"accept another scope's", post, "/api/v1/recommendations/" + s2rec + "/accept", nil, "merchS1", http.StatusNotFound, "no recommendation " + s2rec},
		{"reject another scope's", post, "/api/v1/recommendations/" + s2rec + "/reject", map[string]any{"reason": "x"}, "merchS1", http.StatusNotFound, "no recommendation " + s2rec},
		{"evaluation of a missing change", get, "/api/v1/layout-changes/99999999/evaluation", nil, "opsS1", http.StatusNotFound, "no layout change 99999999"},
		{"evaluation of another scope's change", get, "/api/v1/layout-changes/" + s2change + "/evaluation", nil, "opsS1", http.StatusNotFound, "no layout change " + s2change},
		{"evaluation id zero", get, "/api/v1/layout-changes/0/evaluation", nil, "ops", bad, "id must be a positive integer"},

		// Targets.
		{"target note with NUL", put, "/api/v1/targets", target("note", "a\x00"), "ops", bad, "note must not contain the NUL"},
		{"target note not UTF-8", put, "/api/v1/targets", raw(target("note", "RAW~"), "\xf0\x28\x8c\x28"), "ops", bad, "note must be UTF-8"},
		{"target kpi unknown", put, "/api/v1/targets", target("kpi", "happiness"), "ops", bad, "kpi"},
		{"target op unknown", put, "/api/v1/targets", target("op", "<"), "ops", bad, "op"},
		{"target of another scope", put, "/api/v1/targets", target("store", "S2"), "opsS1", http.StatusForbidden, `may not write store "S2"`},
		{"target delete store with NUL", del, "/api/v1/targets?store=S%001&kpi=events", nil, "ops", bad, "store must not contain the NUL"},

		// KPI reads.
		{"kpis from year 1", get, "/api/v1/kpis?from=0001-01-01&to=2026-01-01", nil, "ops", bad, "from 0001-01-01 is before 2000-01-01"},
		{"kpis in year 9999", get, "/api/v1/kpis?from=9999-12-01&to=9999-12-31", nil, "ops", bad, "to 9999-12-31 is outside"},
		{"kpis instant in year 9999", get, "/api/v1/kpis?from=2026-01-01T00:00:00Z&to=9999-01-01T00:00:00Z", nil, "ops", bad, "to 9999-01-01 is outside"},
		{"kpis by colour", get, "/api/v1/kpis?by=colour", nil, "ops", bad, "by"},
		{"kpis region not UTF-8", get, "/api/v1/kpis?region=no%FFrth", nil, "ops", bad, "region must be UTF-8"},
		{"kpis category with NUL", get, "/api/v1/kpis?category=a%00", nil, "ops", bad, "category must not contain the NUL"},
		{"kpis zone with BEL", get, "/api/v1/kpis?zone=Z%07", nil, "ops", bad, "zone must not contain the control character U+0007"},
		{"kpis CSV from no date", get, "/api/v1/kpis?format=csv&from=x&to=y", nil, "ops", bad, "from"},
		{"kpis store of another scope", get, "/api/v1/kpis?store=S2", nil, "opsS1", http.StatusNotFound, `no store with code "S2"`},
		{"kpis parameter name not UTF-8", get, "/api/v1/kpis?%FF=1", nil, "ops", bad, "must be UTF-8"},

		// Hotspots.
		{"hotspots in year 1", get, "/api/v1/stores/S1/hotspots?from=0001-01-01&to=0001-01-28", nil, "ops", bad, "before 2000-01-01"},
		{"hotspots to year 9999", get, "/api/v1/stores/S1/hotspots?to=9999-12-31", nil, "ops", bad, "to 9999-12-31 is outside"},
		{"hotspots from year 9999", get, "/api/v1/stores/S1/hotspots?from=9999-01-01", nil, "ops", bad, "is outside"},
		{"hotspots over 367 days", get, "/api/v1/stores/S1/hotspots?from=2024-01-01&to=2025-06-01", nil, "ops", bad, "between 1 and 367 days"},
		{"hotspots of another scope", get, "/api/v1/stores/S2/hotspots", nil, "opsS1", http.StatusNotFound, `no store with code "S2"`},

		// Staffing.
		{"policy unknown field", put, "/api/v1/stores/S1/staffing-policy", policy("colour", "red"), "planner", bad, `unknown field "colour"`},
		{"policy min above max", put, "/api/v1/stores/S1/staffing-policy", policy("min_staff", 9), "planner", bad, "min_staff"},
		{"policy of another scope", put, "/api/v1/stores/S2/staffing-policy", policy("min_staff", 1), "plannerS1", http.StatusForbidden, `may not write store "S2"`},
		{"plan for year 1", post, "/api/v1/stores/S1/staffing-plans?week=0001-01-01", nil, "planner", bad, "week must lie between 2000 and 2100"},
		{"plan for no week", post, "/api/v1/stores/S1/staffing-plans?week=soon", nil, "planner", bad, "week must be a date"},
		{"plan read for year 9999", get, "/api/v1/stores/S1/staffing-plans/9999-01-04", nil, "ops", bad, "week must lie between"},
		{"plan read as pdf", get, "/api/v1/stores/S1/staffing-plans/2026-03-02?format=pdf", nil, "ops", bad, "format must be json, csv or xlsx"},
		{"plans zip of no week", get, "/api/v1/staffing-plans/x%00?format=csv", nil, "ops", bad, "week must not contain the NUL"},
		{"solve interval of three", post, "/api/v1/staffing/solve", solve(func(q map[string]any) {
			q["opening_hours"] = map[string][]string{"2026-03-02": {"08:00", "12:00", "16:00"}}
		}), "planner", bad, "opening_hours.2026-03-02"},
		{"solve interval of one", post, "/api/v1/staffing/solve", solve(func(q map[string]any) {
			q["opening_hours"] = map[string][]string{"2026-03-02": {"08:00"}}
		}), "planner", bad, "got 1 values"},
		{"solve in year 1", post, "/api/v1/staffing/solve", solve(func(q map[string]any) {
			q["opening_hours"] = map[string][]string{"0001-01-01": {"08:00", "12:00"}}
		}), "planner", bad, "opening_hours.0001-01-01 0001-01-01 is outside"},
		{"solve in year 9999", post, "/api/v1/staffing/solve", solve(func(q map[string]any) {
			q["opening_hours"] = map[string][]string{"9999-01-04": {"08:00", "12:00"}}
		}), "planner", bad, "9999-01-04 is outside"},
		{"solve requirement day with NUL", post, "/api/v1/staffing/solve", solve(func(q map[string]any) {
			q["requirements"] = []map[string]any{{"day": "2026-03-02\x00", "hour": 9, "required": 1}}
		}), "planner", bad, "requirements[0].day must not contain the NUL"},
		{"solve unknown field", post, "/api/v1/staffing/solve", solve(func(q map[string]any) { q["fast"] = true }), "planner", bad, `unknown field "fast"`},
		{"erlang service level above 1", post, "/api/v1/staffing/erlang", map[string]any{"alerts_per_hour": 10, "handle_seconds": 120, "service_level": 2, "answer_seconds": 60}, "planner", bad, "service_level"},
		{"soc staffing without stores", get, "/api/v1/soc-staffing?week=2026-03-02", nil, "ops", bad, "stores is required"},
		{"soc staffing store with NUL", get, "/api/v1/soc-staffing?stores=S1,S%002&week=2026-03-02", nil, "ops", bad, "stores must not contain the NUL"},
		{"soc staffing in year 1", get, "/api/v1/soc-staffing?stores=S1&week=0001-01-01", nil, "ops", bad, "week must lie between"},
		{"soc staffing of another scope", get, "/api/v1/soc-staffing?stores=S1,S2&week=2026-03-02", nil, "opsS1", http.StatusNotFound, `no store with code "S2"`},

		// Segments, jobs, reports, webhooks.
		{"segment history from year 1", get, "/api/v1/segments/history?from=0001-01-01&to=2026-01-01", nil, "ops", bad, "from"},
		{"segment history store not UTF-8", get, "/api/v1/segments/history?store=S%C0", nil, "ops", bad, "store must be UTF-8"},
		{"job runs of a name with NUL", get, "/api/v1/jobs/x%00/runs", nil, "ops", bad, "name must not contain the NUL"},
		{"job runs limit with NUL", get, "/api/v1/jobs/reports/runs?limit=1%00", nil, "ops", bad, "limit must not contain the NUL"},
		{"job run by a scoped admin", post, "/api/v1/jobs/reports/run", nil, "adminS1", http.StatusForbidden, "whole estate"},
		{"report id not a number", get, "/api/v1/reports/abc", nil, "ops", bad, "id must be a positive integer"},
		{"report missing", get, "/api/v1/reports/99999999", nil, "opsS1", http.StatusNotFound, "99999999"},
		{"webhook secret with NUL", post, "/api/v1/webhooks", webhook("secret", "0123456789abcdef\x00"), "admin", bad, "secret must not contain the NUL"},
		{"webhook secret not UTF-8", post, "/api/v1/webhooks", raw(webhook("secret", "0123456789abcdefRAW~"), "\xff"), "admin", bad, "secret must be UTF-8"},
		{"webhook url with SOH", post, "/api/v1/webhooks", webhook("url", "https://hooks.example.com/\x01"), "admin", bad, "url must not contain the control character U+0001"},
		{"webhook event with NUL", post, "/api/v1/webhooks", webhook("events", []string{"job.failed\x00"}), "admin", bad, "events[0] must not contain the NUL"},
		{"webhook to loopback", post, "/api/v1/webhooks", webhook("url", "http://127.0.0.1:5432/"), "admin", bad, "url"},
		{"webhook by a scoped admin", post, "/api/v1/webhooks", webhook("secret", "0123456789abcdef0123"), "adminS1", http.StatusForbidden, "whole estate"},
		{"webhook delete id not a number", del, "/api/v1/webhooks/abc", nil, "admin", bad, "id"},

		// Ingest.
		{"event camera not UTF-8", post, "/api/v1/events", raw(withEvent("camera", "CRAW~"), "\xff"), "ingest", bad, "0:camera"},
		{"event track with ESC", post, "/api/v1/events", withEvent("track", "\x1b[2J"), "ingest", bad, "0:track"},
		{"event category with a lone surrogate", post, "/api/v1/events", raw(withEvent("category", "RAW~"), `\udfff`), "ingest", bad, "0:category"},
		{"event in year 1", post, "/api/v1/events", withEvent("occurred_at", "0001-01-01T00:00:00Z"), "ingest", bad, "0:occurred_at"},
		{"event in year 9999", post, "/api/v1/events", withEvent("occurred_at", "9999-01-01T00:00:00Z"), "ingest", bad, "0:occurred_at"},
		{"event unknown field", post, "/api/v1/events", withEvent("face", "x"), "ingest", bad, `unknown field "face"`},
		{"event of another scope", post, "/api/v1/events", batch(event("S2", "Z1", at)), "ingestS1", http.StatusForbidden, "S2"},
		{"event id of another store's event", post, "/api/v1/events", withEvent("id", s2event["id"]), "ingest", http.StatusConflict, "0:id"},
		{"outcome for another scope's event", post, "/api/v1/outcomes", outcome("outcome", "walked_out"), "ingestS1", bad, "0:event"},
		{"outcome kind with NUL", post, "/api/v1/outcomes", outcome("outcome", "paid\x00"), "ingest", bad, "0:outcome"},
		{"outcome in year 1", post, "/api/v1/outcomes", outcome("at", "0001-01-01T00:00:00Z"), "ingest", bad, "0:at"},
		{"footfall in year 1", post, "/api/v1/footfall", footfall("hour", "0001-01-01T00:00:00Z"), "ingest", bad, "0:hour"},
		{"footfall zone with NUL", post, "/api/v1/footfall", footfall("zone", "Z\x001"), "ingest", bad, "0:zone"},
		{"sales in 1900", post, "/api/v1/sales", sales("day", "1900-01-01"), "ingest", bad, "0:day"},
		{"sales store not UTF-8", post, "/api/v1/sales", raw(sales("store", "S1RAW~"), "\xff"), "ingest", bad, "0:store"},
		{"empty batch", post, "/api/v1/events", batch(), "ingest", bad, "events must hold at least one item"},

		// The checkout hand-off.
		{"presence track with ESC", post, "/api/v1/checkout/presence", presence("track", "\x1b[2J"), "ingest", bad, "presence[0].track"},
		{"presence lane not UTF-8", post, "/api/v1/checkout/presence", raw(presence("lane", "1RAW~"), "\xff"), "ingest", bad, "lane"},
		{"presence in year 1", post, "/api/v1/checkout/presence", presence("at", "0001-01-01T00:00:00Z"), "ingest", bad, "0:at"},
		{"presence left before it came", post, "/api/v1/checkout/presence", presence("left_at", rfc(at.Add(-time.Second))), "ingest", bad, "0:left_at"},
		{"presence unknown lane", post, "/api/v1/checkout/presence", presence("lane", "7"), "ingest", bad, "0:lane"},
		{"presence at a lane and an entrance", post, "/api/v1/checkout/presence", presence("zone", "E1"), "ingest", bad, "0:zone"},
		{"presence exit through an aisle", post, "/api/v1/checkout/presence", presenceBatch(map[string]any{"store": "S1", "zone": "Z1", "track": "f-h", "at": rfc(at)}), "ingest", bad, "0:zone"},
		{"presence unknown field", post, "/api/v1/checkout/presence", presence("face", "x"), "ingest", bad, `unknown field "face"`},
		{"presence of another scope", post, "/api/v1/checkout/presence", presence("store", "S2"), "ingestS1", http.StatusForbidden, "S2"},
		{"presence by a till", post, "/api/v1/checkout/presence", presence("track", "f-h"), "till", http.StatusForbidden, ""},
		{"empty presence batch", post, "/api/v1/checkout/presence", presenceBatch(), "ingest", bad, "presence must hold at least one item"},
		{"lane with NUL", get, "/api/v1/checkout/lanes/S1/1%00", nil, "till", bad, "lane must not contain the NUL"},
		{"lane not UTF-8", get, "/api/v1/checkout/lanes/S1/%FF", nil, "till", bad, "lane must be UTF-8"},
		{"lane unknown", get, "/api/v1/checkout/lanes/S1/7", nil, "till", http.StatusNotFound, `no lane "7"`},
		{"lane of another scope", get, "/api/v1/checkout/lanes/S2/1", nil, "tillS1", http.StatusNotFound, `no store with code "S2"`},
		{"till outcome kind with NUL", post, "/api/v1/checkout/outcomes", tillOutcome("outcome", "paid\x00"), "till", bad, "0:outcome"},
		{"till outcome not a till's", post, "/api/v1/checkout/outcomes", tillOutcome("outcome", "false_positive"), "till", bad, "0:outcome"},
		{"till outcome event not a UUID", post, "/api/v1/checkout/outcomes", map[string]any{"outcomes": []any{map[string]any{"store": "S1", "lane": "1", "events": []string{"x"}, "outcome": "paid"}}}, "till", bad, "0:events"},
		{"till outcome negative value", post, "/api/v1/checkout/outcomes", tillOutcome("value_recovered", -1), "till", bad, "0:value_recovered"},
		{"till outcome with nothing open", post, "/api/v1/checkout/outcomes", tillOutcome("track", "f-none"), "till", bad, "0:track"},
		{"till outcome unknown field", post, "/api/v1/checkout/outcomes", tillOutcome("photo", "x"), "till", bad, `unknown field "photo"`},
		{"till outcome of another scope", post, "/api/v1/checkout/outcomes", tillOutcome("store", "S2"), "tillS1", http.StatusForbidden, "S2"},
		{"checkout policy visit 0", put, "/api/v1/stores/S1/checkout-policy", map[string]any{"visit_minutes": 0}, "admin", bad, "visit_minutes"},
		{"checkout policy half a penny", put, "/api/v1/stores/S1/checkout-policy", map[string]any{"block_min_value": 10.005}, "admin", bad, "block_min_value"},
		{"checkout policy unknown field", put, "/api/v1/stores/S1/checkout-policy", map[string]any{"block_all": true}, "admin", bad, `unknown field "block_all"`},
		{"checkout policy of another scope", put, "/api/v1/stores/S2/checkout-policy", map[string]any{"visit_minutes": 30}, "adminS1", http.StatusForbidden, `may not write store "S2"`},
		{"checkout friction in year 1", get, "/api/v1/stores/S1/checkout-friction?from=0001-01-01&to=0001-01-02", nil, "ops", bad, "from"},
		{"checkout friction of an instant", get, "/api/v1/stores/S1/checkout-friction?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z", nil, "ops", bad, "from"},

		// Page forms (a bearer token: no CSRF token needed).
		{"staffing form store with NUL", post, "/staffing/plan", url.Values{"store": {"S1\x00"}, "week": {"2026-03-02"}}, "planner", bad, "store must not contain the NUL"},
		{"staffing form store not UTF-8", post, "/staffing/plan", url.Values{"store": {"S\xff"}, "week": {"2026-03-02"}}, "planner", bad, "store must be UTF-8"},
		{"staffing form in year 1", post, "/staffing/plan", url.Values{"store": {"S1"}, "week": {"0001-01-01"}}, "planner", bad, "week must lie between"},
		{"page reject reason with NUL", post, "/stores/S1/layout/recommendations/" + s1rec + "/reject", url.Values{"reason": {"no\x00"}}, "merch", bad, "reason must not contain the NUL"},
		{"page reject reason not UTF-8", post, "/stores/S1/layout/recommendations/" + s1rec + "/reject", url.Values{"reason": {"\xc0\xaf"}}, "merch", bad, "reason must be UTF-8"},
		{"page accept of another store's", post, "/stores/S1/layout/recommendations/" + s2rec + "/accept", url.Values{}, "merch", http.StatusNotFound, "no recommendation " + s2rec},
		{"page accept of a missing one", post, "/stores/S1/layout/recommendations/99999999/accept", url.Values{}, "merch", http.StatusNotFound, "no recommendation 99999999"},
		{"page implement description with NUL", post, "/stores/S1/layout/recommendations/" + s1rec + "/implement", url.Values{"description": {"x\x00"}}, "merch", bad, "description must not contain the NUL"},
		{"page target note with NUL", post, "/stores/S1/targets", url.Values{"kpi": {"events"}, "op": {"<="}, "value": {"5"}, "note": {"\x00"}}, "ops", bad, "note must not contain the NUL"},
		{"page target of another scope", post, "/stores/S2/targets", url.Values{"kpi": {"events"}, "op": {"<="}, "value": {"5"}}, "opsS1", http.StatusForbidden, `may not write store "S2"`},
		{"sign-in token with NUL", post, "/login", url.Values{"token": {"sst_\x00"}}, "", bad, "token must not contain the NUL"},
		{"job form field with BEL", post, "/jobs/reports/run", url.Values{"x": {"\a"}}, "admin", bad, "x must not contain the control character U+0007"},
	}
	if len(cases) < 80 {
		t.Fatalf("%d cases; the table holds at least 80", len(cases))
	}
	for _, c := range cases {
		before := f.digest()
		token := ""
		if c.token != "" {
			token = tok[c.token]
			if token == "" {
				t.Fatalf("%s: no token %q", c.name, c.token)
			}
		}
		r := f.sendHostile(c, token)
		e, _ := r.Body["error"].(map[string]any)
		got := fmt.Sprint(e["field"], " ", e["message"])
		if items := r.itemFields(); len(items) > 0 {
			for _, it := range e["items"].([]any) {
				m := it.(map[string]any)
				got += fmt.Sprintf(" %v:%v %v", m["index"], m["field"], m["message"])
			}
		}
		if r.Status != c.status || !strings.Contains(got, c.want) {
			t.Errorf("%s: %s %s answered %d %q, want %d naming %q", c.name, c.method, c.path, r.Status, got, c.status, c.want)
		}
		if after := f.digest(); after != before {
			t.Errorf("%s: the refused request changed what is stored:\nbefore %s\nafter  %s", c.name, before, after)
		}
		if h := f.do("GET", "/healthz", "", nil); h.Status != http.StatusOK {
			t.Fatalf("%s: /healthz answered %d afterwards", c.name, h.Status)
		}
	}
	if strings.Contains(f.logs.String(), "request failed") {
		t.Errorf("the server logged an internal error:\n%s", f.logs.String())
	}
	// Out of scope reads exactly as missing: the answers differ only in the id.
	ids := regexp.MustCompile(`\d+`)
	for _, p := range []struct{ token, method, theirs, missing string }{
		{"opsS1", get, "/api/v1/layout-changes/" + s2change + "/evaluation", "/api/v1/layout-changes/99999999/evaluation"},
		{"merchS1", post, "/api/v1/recommendations/" + s2rec + "/accept", "/api/v1/recommendations/99999999/accept"},
		{"merchS1", post, "/api/v1/recommendations/" + s2rec + "/reject", "/api/v1/recommendations/99999999/reject"},
		{"merch", post, "/stores/S1/layout/recommendations/" + s2rec + "/reject", "/stores/S1/layout/recommendations/99999999/reject"},
		{"tillS1", get, "/api/v1/checkout/lanes/S2/1", "/api/v1/checkout/lanes/S9/1"},
	} {
		var body any
		if strings.HasPrefix(p.theirs, "/stores/") {
			body = url.Values{"reason": {"x"}}
		} else if strings.HasSuffix(p.theirs, "/reject") {
			body = map[string]any{"reason": "x"}
		}
		a := f.sendHostile(hostileCase{method: p.method, path: p.theirs, body: body}, tok[p.token])
		b := f.sendHostile(hostileCase{method: p.method, path: p.missing, body: body}, tok[p.token])
		if a.Status != b.Status || ids.ReplaceAllString(string(a.Raw), "N") != ids.ReplaceAllString(string(b.Raw), "N") {
			t.Errorf("%s %s answers %d %s, but a missing id %d %s", p.method, p.theirs, a.Status, a.Raw, b.Status, b.Raw)
		}
	}
}
