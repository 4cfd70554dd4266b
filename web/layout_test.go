package web_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/internal/stats"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// layoutFixture gives S1 (Europe/London) four zones — Z1 spirits in a blind
// spot 20 m from staff, Z2 grocery, Z3 household, Z4 the checkout — and 70
// days of data to yesterday: 1,000 visitors a day in each zone, and daily
// events of Z1 8 + k%3 before the day 40 days ago and 4 + k%3 from then on
// (k days ago), of Z2 2 + k%2, Z3 2, Z4 1 + k%2.
func layoutFixture(t *testing.T) (*fixture, time.Time, func(zone string, k int) int) {
	f := setup(t)
	feature := func(id, cat string, value float64, x float64, extra map[string]any) map[string]any {
		z := zone(id, cat, value, x, 0, x+5, 4)
		for k, v := range extra {
			z["properties"].(map[string]any)[k] = v
		}
		return z
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	f.mustStatus(200, "PUT", "/api/v1/stores/S1/zones?effective_from="+rfc(today.AddDate(0, 0, -71)), f.admin, zonesJSON(
		feature("Z1", "spirits", 30, 0, map[string]any{"visibility": "blind_spot", "staffed_distance_m": 20, "fixture": "shelf"}),
		feature("Z2", "grocery", 5, 5, map[string]any{"staffed_distance_m": 3}),
		feature("Z3", "household", 6, 10, map[string]any{"staffed_distance_m": 12}),
		func() map[string]any {
			z := feature("Z4", "confectionery", 3, 15, nil)
			z["properties"].(map[string]any)["kind"] = "checkout"
			return z
		}()))
	count := func(zone string, k int) int {
		switch zone {
		case "Z1":
			if k > 40 {
				return 8 + k%3
			}
			return 4 + k%3
		case "Z2":
			return 2 + k%2
		case "Z3":
			return 2
		}
		return 1 + k%2
	}
	var events, footfall []any
	for k := 1; k <= 70; k++ {
		noon := today.AddDate(0, 0, -k).Add(12 * time.Hour)
		footfall = append(footfall, map[string]any{"store": "S1", "hour": rfc(noon), "visitors": 4000})
		for _, z := range []string{"Z1", "Z2", "Z3", "Z4"} {
			footfall = append(footfall, map[string]any{"store": "S1", "zone": z, "hour": rfc(noon), "visitors": 1000})
			for i := 0; i < count(z, k); i++ {
				events = append(events, event("S1", z, noon.Add(time.Duration(i)*time.Minute)))
			}
		}
	}
	for i := 0; i < len(events); i += 1000 {
		f.mustStatus(200, "POST", "/api/v1/events", f.ingest, map[string]any{"events": events[i:min(i+1000, len(events))]})
	}
	f.mustStatus(200, "POST", "/api/v1/footfall", f.ingest, map[string]any{"footfall": footfall})
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f, today, count
}

// A merchandiser takes a recommendation from proposed to accepted to
// implemented to evaluated, through the API.
func TestLayoutLoopOverHTTP(t *testing.T) {
	t.Parallel()
	f, today, count := layoutFixture(t)
	merch := f.token(ss.RoleMerchandiser)
	planner := f.token(ss.RolePlanner)
	day := func(k int) string { return today.AddDate(0, 0, -k).Format(time.DateOnly) }

	r := f.mustStatus(200, "GET", "/api/v1/stores/S1/hotspots?from="+day(28)+"&to="+day(1), planner, nil)
	zones := r.Body["zones"].([]any)
	if top := zones[0].(map[string]any); top["zone"] != "Z1" || top["prob_rate_1_5x"].(float64) < 0.5 || top["rank"] != 1.0 {
		t.Fatalf("hotspots %s", r.Raw)
	}
	for _, q := range []string{"from=yesterday", "to=" + day(30) + "&from=" + day(20)} {
		if r := f.do("GET", "/api/v1/stores/S1/hotspots?"+q, planner, nil); r.Status != 422 {
			t.Errorf("%s: %d %s", q, r.Status, r.Raw)
		}
	}

	recs := func() []map[string]any {
		r := f.mustStatus(200, "GET", "/api/v1/stores/S1/recommendations", planner, nil)
		var out []map[string]any
		for _, x := range r.Body["recommendations"].([]any) {
			out = append(out, x.(map[string]any))
		}
		return out
	}
	refresh := func() {
		r := f.mustStatus(200, "POST", "/api/v1/stores/S1/recommendations/refresh", merch, nil)
		if r.Body["store"] != "S1" {
			t.Fatalf("refresh %s", r.Raw)
		}
	}
	if len(recs()) != 0 {
		t.Fatalf("recommendations before any run: %v (reads do not generate them)", recs())
	}
	f.mustStatus(403, "POST", "/api/v1/stores/S1/recommendations/refresh", planner, nil)
	refresh()
	first := recs()
	byKind := map[string]map[string]any{}
	for _, rec := range first {
		byKind[rec["kind"].(string)] = rec
	}
	sight := byKind["improve_sightlines"]
	if sight == nil || sight["status"] != "proposed" || !strings.Contains(sight["rationale"].(string), "zone Z1") {
		t.Fatalf("recommendations %v", first)
	}
	if e := sight["expected_effect"].(map[string]any); e["based_on"] != 0.0 || e["rate_ratio"] != 0.8 {
		t.Errorf("expected effect before any evaluation %v, want the prior 0.8 on 0 changes", e)
	}
	refresh()
	if again := recs(); len(again) != len(first) {
		t.Errorf("regenerating duplicated: %d then %d", len(first), len(again))
	}

	id := func(rec map[string]any) string { return jsonNum(rec["id"]) }
	other := byKind["protective_fixtures"]
	if other == nil {
		t.Fatalf("no protective_fixtures suggestion in %v", first)
	}
	if r := f.do("POST", "/api/v1/recommendations/"+id(other)+"/reject", merch, map[string]any{}); r.Status != 422 || r.errField() != "reason" {
		t.Errorf("reject without reason: %d %s", r.Status, r.Raw)
	}
	if r := f.do("POST", "/api/v1/recommendations/"+id(other)+"/reject", planner, map[string]any{"reason": "x"}); r.Status != 403 {
		t.Errorf("planner reject: %d", r.Status)
	}
	r = f.mustStatus(200, "POST", "/api/v1/recommendations/"+id(other)+"/reject", merch, map[string]any{"reason": "fixtures on order already"})
	if r.Body["status"] != "rejected" || r.Body["reason"] != "fixtures on order already" {
		t.Errorf("rejected %s", r.Raw)
	}
	refresh()
	if again := recs(); len(again) != len(first) {
		t.Errorf("a rejected recommendation was proposed again: %d then %d", len(first), len(again))
	}
	// Past its quiet time (90 days) it comes back, saying when, by whom and why it was rejected.
	if _, err := f.pool.Exec(context.Background(), `UPDATE recommendations SET decided_at = decided_at - interval '91 days' WHERE id = $1`,
		int64(other["id"].(float64))); err != nil {
		t.Fatal(err)
	}
	refresh()
	back := false
	for _, rec := range recs() {
		why := rec["rationale"].(string)
		if rec["kind"] == "protective_fixtures" && rec["status"] == "proposed" && strings.Contains(why, "Rejected before") &&
			strings.Contains(why, `"fixtures on order already"`) {
			back = true
		}
	}
	if !back {
		t.Errorf("a rejection past its quiet time did not come back with its reason: %v", recs())
	}
	r = f.mustStatus(200, "POST", "/api/v1/recommendations/"+id(sight)+"/accept", merch, nil)
	if r.Body["status"] != "accepted" {
		t.Errorf("accepted %s", r.Raw)
	}
	if r := f.do("POST", "/api/v1/recommendations/"+id(sight)+"/accept", merch, nil); r.Status != 409 {
		t.Errorf("accept twice: %d %s", r.Status, r.Raw)
	}

	// Bad changes get a 4xx naming the field and store nothing.
	versions := f.count("layout_versions")
	good := map[string]any{"zones": []string{"Z1"}, "implemented_at": day(40), "kind": "improve_sightlines",
		"description": "mirror and lower shelving", "recommendation": sight["id"]}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{with("zones", []string{"ZX"}), "zones[0]"},
		{with("zones", []string{}), "zones"},
		{with("implemented_at", today.AddDate(0, 0, 2).Format(time.DateOnly)), "implemented_at"},
		{with("implemented_at", "10 April"), "implemented_at"},
		{with("kind", "paint"), "kind"},
		{with("recommendation", 999999), "recommendation"},
		{with("gap_days", 400), "gap_days"},
		{with("colour", "red"), "colour"},
	} {
		if r := f.do("POST", "/api/v1/stores/S1/layout-changes", merch, c.body); r.Status != 422 || r.errField() != c.field {
			t.Errorf("%v: %d %q, want 422 %q: %s", c.body, r.Status, r.errField(), c.field, r.Raw)
		}
	}
	if r := f.do("POST", "/api/v1/stores/S9/layout-changes", merch, good); r.Status != 404 {
		t.Errorf("unknown store: %d", r.Status)
	}
	if r := f.do("POST", "/api/v1/stores/S1/layout-changes", planner, good); r.Status != 403 {
		t.Errorf("planner: %d", r.Status)
	}
	if n := f.count("layout_changes"); n != 0 || f.count("layout_versions") != versions {
		t.Fatalf("rejected changes stored %d changes", n)
	}

	r = f.mustStatus(201, "POST", "/api/v1/stores/S1/layout-changes", merch, good)
	change := jsonNum(r.Body["id"])
	r = f.mustStatus(200, "GET", "/api/v1/stores/S1/layout-changes", planner, nil)
	ch := r.Body["changes"].([]any)[0].(map[string]any)
	if ch["layout_version"] != 3.0 || ch["implemented_at"] != day(40) || ch["before_days"] != 28.0 || ch["gap_days"] != 7.0 {
		t.Errorf("change %s", r.Raw)
	}
	// The layout as it was: the version before the change, then the change's.
	if r := f.mustStatus(200, "GET", "/api/v1/stores/S1/zones?at="+day(41), planner, nil); r.Body["layout_version"] != 2.0 || len(r.Body["features"].([]any)) != 4 {
		t.Errorf("zones at %s: %s", day(41), r.Raw)
	}
	if r := f.mustStatus(200, "GET", "/api/v1/stores/S1/zones?at="+day(40), planner, nil); r.Body["layout_version"] != 3.0 {
		t.Errorf("zones at %s: %s", day(40), r.Raw)
	}
	if r := f.do("GET", "/api/v1/stores/S1/zones?at=2001-01-01", planner, nil); r.Status != 404 {
		t.Errorf("zones before any layout: %d", r.Status)
	}
	if rec := recs(); !hasStatus(rec, id(sight), "implemented") {
		t.Errorf("the recommendation is not implemented: %v", rec)
	}

	// Hand computation: visitors are equal on every day of both windows, so
	// the rate ratio is (Z1 after / Z1 before) / (controls after / controls before)
	// over the windows' daily counts (before: 68..41 days ago, after: 33..6).
	var tb, ta, cb, ca float64
	for k := 41; k <= 68; k++ {
		tb += float64(count("Z1", k))
		cb += float64(count("Z2", k) + count("Z3", k) + count("Z4", k))
	}
	for k := 6; k <= 33; k++ {
		ta += float64(count("Z1", k))
		ca += float64(count("Z2", k) + count("Z3", k) + count("Z4", k))
	}
	want := (ta / tb) / (ca / cb)
	r = f.mustStatus(200, "GET", "/api/v1/layout-changes/"+change+"/evaluation", planner, nil)
	b := r.Body
	if b["verdict"] != "improved" || b["method"] != "difference_in_differences" || math.Abs(b["rate_ratio"].(float64)-want) > 1e-6 ||
		!(b["ci_high"].(float64) < 1) || b["p_value"].(float64) > 0.05 || len(b["series"].([]any)) != 112 || b["excluded_days"] != 0.0 ||
		fmt.Sprint(b["control_zones"]) != "[Z2 Z3 Z4]" || b["before"].(map[string]any)["from"] != day(68) || b["after"].(map[string]any)["to"] != day(6) {
		t.Errorf("evaluation (want rate ratio %v): %s", want, r.Raw)
	}
	// The p-value carries three significant digits, and the layout page
	// prints it so.
	if p := b["p_value"].(float64); p <= 0 || stats.Significant(p, 3) != p {
		t.Errorf("p_value %v is not three significant digits", p)
	} else if page := string(f.getRaw("/stores/S1/layout", planner, false)); !strings.Contains(page, `data-label="p-value">`+stats.FormatSignificant(p, 3)+`</td>`) {
		t.Errorf("layout page lacks p-value %s", stats.FormatSignificant(p, 3))
	}
	row := b["series"].([]any)[0].(map[string]any)
	if row["date"] != day(68) || row["group"] != "treated" || row["period"] != "before" || row["events"] != float64(count("Z1", 68)) || row["visitors"] != 1000.0 {
		t.Errorf("first series row %v", row)
	}
	// Stored: the same answer again, and the kind's expected effect now rests on it.
	if again := f.mustStatus(200, "GET", "/api/v1/layout-changes/"+change+"/evaluation", planner, nil); again.Body["computed_at"] != b["computed_at"] || f.count("layout_evaluations") != 1 {
		t.Errorf("evaluation recomputed: %s", again.Raw)
	}
	r = f.mustStatus(201, "POST", "/api/v1/stores/S1/layout-changes", merch, map[string]any{"zones": []string{"Z3"}, "implemented_at": day(3), "kind": "improve_sightlines"})
	r = f.mustStatus(200, "GET", "/api/v1/layout-changes/"+jsonNum(r.Body["id"])+"/evaluation", planner, nil)
	if r.Body["verdict"] != "pending" || r.Body["ready_on"] != today.AddDate(0, 0, -3+35).Format(time.DateOnly) {
		t.Errorf("recent change: %s", r.Raw)
	}
	if r := f.do("GET", "/api/v1/layout-changes/999999/evaluation", planner, nil); r.Status != 404 {
		t.Errorf("unknown change: %d", r.Status)
	}
	if r := f.do("GET", "/api/v1/layout-changes/"+change+"/evaluation", f.token(ss.RolePlanner, "S2"), nil); r.Status != 404 {
		t.Errorf("out of scope: %d", r.Status)
	}
}

func hasStatus(recs []map[string]any, id, status string) bool {
	for _, r := range recs {
		if jsonNum(r["id"]) == id {
			return r["status"] == status && r["change"] != nil
		}
	}
	return false
}
