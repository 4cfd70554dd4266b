package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/app"
	"github.com/shrinkscope/shrinkscope/kpi"
	"github.com/shrinkscope/shrinkscope/web"
)

// till is a checkout zone with a lane, a rectangle like zone's.
func till(id, lane string, x0, y0, x1, y1 float64) map[string]any {
	z := zone(id, "till", 0, x0, y0, x1, y1)
	props := z["properties"].(map[string]any)
	props["kind"], props["lane"] = "checkout", lane
	return z
}

// entrance is an entrance zone.
func entrance(id string, x0, y0, x1, y1 float64) map[string]any {
	z := zone(id, "entrance", 0, x0, y0, x1, y1)
	z["properties"].(map[string]any)["kind"] = "entrance"
	return z
}

// checkoutStores makes C1 and C2, stores on the checkout model with
// aisle A1 (cosmetics 12.50), A2 (spirits 30), tills K2 and K3 (lanes 2
// and 3) and entrance E1.
func (f *fixture) checkoutStores() {
	f.t.Helper()
	for _, code := range []string{"C1", "C2"} {
		st := storeJSON("Europe/London")
		st["operating_model"] = "checkout"
		f.mustStatus(http.StatusCreated, "PUT", "/api/v1/stores/"+code, f.admin, st)
		f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/"+code+"/zones", f.admin, zonesJSON(
			zone("A1", "cosmetics", 12.5, 0, 0, 4, 2), zone("A2", "spirits", 30, 0, 3, 4, 5),
			till("K2", "2", 5, 0, 6, 1), till("K3", "3", 7, 0, 8, 1), entrance("E1", 5, 5, 7, 6)))
	}
}

// presenceBatch is a presence body.
func presenceBatch(items ...map[string]any) map[string]any { return map[string]any{"presence": items} }

// laneUntil GETs a lane until ok holds, for up to 2 s (a change reaches
// the lane state within a second), and returns the last answer.
func (f *fixture) laneUntil(token, store, lane string, ok func(response) bool) response {
	f.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		r := f.do("GET", "/api/v1/checkout/lanes/"+store+"/"+lane, token, nil)
		if ok(r) || time.Now().After(deadline) {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isFlagged(r response) bool { return r.Status == 200 && r.Body["flagged"] == true }

// The lane property round-trips through the zones API; a lane on another
// kind, a malformed one and a lane twice in one upload are 422 naming it.
func TestZoneLaneProperty(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.checkoutStores()
	r := f.mustStatus(http.StatusOK, "GET", "/api/v1/stores/C1/zones", f.admin, nil)
	lanes := map[string]string{}
	for _, ft := range r.Body["features"].([]any) {
		p := ft.(map[string]any)["properties"].(map[string]any)
		if l, ok := p["lane"].(string); ok {
			lanes[p["id"].(string)] = l
		}
	}
	if len(lanes) != 2 || lanes["K2"] != "2" || lanes["K3"] != "3" {
		t.Errorf("lanes read back %v, want K2: 2, K3: 3", lanes)
	}
	aisleLane := zone("A1", "cosmetics", 12.5, 0, 0, 4, 2)
	aisleLane["properties"].(map[string]any)["lane"] = "1"
	for _, c := range []struct {
		name  string
		zones map[string]any
		field string
	}{
		{"lane on an aisle", zonesJSON(aisleLane), "0:properties.lane"},
		{"malformed lane", zonesJSON(till("K2", "lane 2", 5, 0, 6, 1)), "0:properties.lane"},
		{"lane twice", zonesJSON(till("K2", "2", 5, 0, 6, 1), till("K3", "2", 7, 0, 8, 1)), "1:properties.lane"},
	} {
		r := f.do("PUT", "/api/v1/stores/C1/zones", f.admin, c.zones)
		if r.Status != http.StatusUnprocessableEntity || !slices.Contains(r.itemFields(), c.field) {
			t.Errorf("%s: %d %s, want 422 naming %s", c.name, r.Status, r.Raw, c.field)
		}
	}
}

// Over real HTTP: the vision tier's presence flags the lane for the point
// of sale's token; another store's lane reads exactly as a missing one;
// the ingest token may not read lanes nor the checkout token post
// presence; a bad item is 422 naming it, and nothing of its batch is
// stored.
func TestCheckoutLaneOverHTTP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.checkoutStores()
	pos := f.token(ss.RoleCheckout, "C1")
	now := time.Now().UTC().Truncate(time.Second)
	ev := event("C1", "A2", now.Add(-3*time.Minute))
	ev["track"] = "f-http"
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(ev))
	f.mustStatus(http.StatusOK, "POST", "/api/v1/checkout/presence", f.ingest, presenceBatch(
		map[string]any{"store": "C1", "lane": "2", "track": "f-http", "at": rfc(now)}))
	r := f.laneUntil(pos, "C1", "2", isFlagged)
	if !isFlagged(r) || r.Body["track"] != "f-http" || r.Body["action"] != "nudge" {
		t.Fatalf("lane C1/2: %d %s, want flagged f-http, nudge", r.Status, r.Raw)
	}
	items := r.Body["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["category"] != "spirits" || items[0].(map[string]any)["est_value"] != 30.0 {
		t.Errorf("items %v, want one spirits concealment of 30", items)
	}

	// Scope: C2's lane 2 exists, and reads exactly as a store that does
	// not (C9), but for the code the caller sent.
	other := f.do("GET", "/api/v1/checkout/lanes/C2/2", pos, nil)
	missing := f.do("GET", "/api/v1/checkout/lanes/C9/2", pos, nil)
	if other.Status != 404 || strings.ReplaceAll(string(other.Raw), "C2", "C9") != string(missing.Raw) {
		t.Errorf("another store's lane: %d %s; a missing store's: %d %s; want the same 404", other.Status, other.Raw, missing.Status, missing.Raw)
	}
	if r := f.do("GET", "/api/v1/checkout/lanes/C1/7", pos, nil); r.Status != 404 || r.errField() != "lane" {
		t.Errorf("unknown lane: %d %s, want 404 naming lane", r.Status, r.Raw)
	}
	if r := f.do("GET", "/api/v1/checkout/lanes/C1/2", f.ingest, nil); r.Status != 403 {
		t.Errorf("ingest token reading a lane: %d, want 403", r.Status)
	}
	if r := f.do("POST", "/api/v1/checkout/presence", pos, presenceBatch(map[string]any{"store": "C1", "lane": "2", "track": "x", "at": rfc(now)})); r.Status != 403 {
		t.Errorf("checkout token posting presence: %d, want 403", r.Status)
	}
	if r := f.do("POST", "/api/v1/checkout/presence", f.token(ss.RoleIngest, "C1"), presenceBatch(map[string]any{"store": "C2", "lane": "2", "track": "x", "at": rfc(now)})); r.Status != 403 {
		t.Errorf("a C1 ingest token posting C2's presence: %d, want 403", r.Status)
	}

	// A batch with one bad item stores nothing.
	before := f.count("checkout_presence")
	good := map[string]any{"store": "C1", "lane": "3", "track": "f-good", "at": rfc(now)}
	for _, c := range []struct {
		name string
		bad  map[string]any
		want string
	}{
		{"unknown lane", map[string]any{"store": "C1", "lane": "9", "track": "t", "at": rfc(now)}, "3:lane"},
		{"lane and zone", map[string]any{"store": "C1", "lane": "2", "zone": "E1", "track": "t", "at": rfc(now)}, "3:zone"},
		{"neither", map[string]any{"store": "C1", "track": "t", "at": rfc(now)}, "3:lane"},
		{"no track", map[string]any{"store": "C1", "lane": "2", "at": rfc(now)}, "3:track"},
		{"left before at", map[string]any{"store": "C1", "lane": "2", "track": "t", "at": rfc(now), "left_at": rfc(now.Add(-time.Second))}, "3:left_at"},
		{"future", map[string]any{"store": "C1", "lane": "2", "track": "t", "at": rfc(now.Add(time.Hour))}, "3:at"},
		{"not an entrance", map[string]any{"store": "C1", "zone": "A1", "track": "t", "at": rfc(now)}, "3:zone"},
		{"exit with left_at", map[string]any{"store": "C1", "zone": "E1", "track": "t", "at": rfc(now), "left_at": rfc(now)}, "3:left_at"},
		{"unknown store", map[string]any{"store": "ZZ", "lane": "2", "track": "t", "at": rfc(now)}, "3:store"},
	} {
		r := f.do("POST", "/api/v1/checkout/presence", f.ingest, presenceBatch(good, good, good, c.bad))
		if r.Status != 422 || !slices.Contains(r.itemFields(), c.want) {
			t.Errorf("%s: %d %s, want 422 naming %s", c.name, r.Status, r.Raw, c.want)
		}
	}
	if r := f.do("POST", "/api/v1/checkout/presence", f.ingest, map[string]any{"presence": []any{good}, "extra": 1}); r.Status != 422 {
		t.Errorf("unknown field: %d, want 422", r.Status)
	}
	if n := f.count("checkout_presence"); n != before {
		t.Errorf("presence rows %d after refused batches, want %d", n, before)
	}
	// A different left_at for a presence already left is a conflict.
	leave := map[string]any{"store": "C1", "lane": "2", "track": "f-http", "at": rfc(now), "left_at": rfc(now.Add(time.Minute))}
	f.mustStatus(http.StatusOK, "POST", "/api/v1/checkout/presence", f.ingest, presenceBatch(leave))
	leave["left_at"] = rfc(now.Add(2 * time.Minute))
	if r := f.do("POST", "/api/v1/checkout/presence", f.ingest, presenceBatch(leave)); r.Status != 409 || !slices.Contains(r.itemFields(), "0:left_at") {
		t.Errorf("another left_at: %d %s, want 409 naming left_at", r.Status, r.Raw)
	}
	if r := f.laneUntil(pos, "C1", "2", func(r response) bool { return !isFlagged(r) }); isFlagged(r) {
		t.Errorf("lane after the track left: %s", r.Raw)
	}
}

// Over real HTTP: the point of sale's outcomes land in the store's KPIs
// and its checkout friction. By hand: five concealments of five tracks at
// C1 — two nudged_paid, one blocked_recovered, one paid, one walked_out —
// and 500 entrance visitors: events 5, intervention_rate 3/5 = 0.6,
// checkout_friction 1000 · 3 / 500 = 6, block_share 1/3 = 0.3333 (four
// significant digits), recovered_value 12.50 + 30 + 30 + 12.50 = 85
// (each its est_value: no value_recovered sent).
func TestCheckoutOutcomesOverHTTP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.checkoutStores()
	pos := f.token(ss.RoleCheckout, "C1")
	now := time.Now().UTC().Truncate(time.Second)
	if now.Hour() == 0 {
		t.Skip("the concealments would fall on yesterday")
	}
	occurred := now.Add(-time.Duration(now.Minute())*time.Minute - time.Duration(now.Second())*time.Second + time.Second) // this hour
	var evs []map[string]any
	for i, zone := range []string{"A1", "A2", "A2", "A1", "A1"} {
		ev := event("C1", zone, occurred)
		ev["track"] = fmt.Sprintf("f-%d", i)
		evs = append(evs, ev)
	}
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(evs...))
	f.mustStatus(http.StatusOK, "POST", "/api/v1/footfall", f.ingest, map[string]any{"footfall": []any{
		map[string]any{"store": "C1", "hour": rfc(occurred.Truncate(time.Hour)), "visitors": 500}}})
	outcomes := []any{
		map[string]any{"store": "C1", "lane": "2", "track": "f-0", "outcome": "nudged_paid"},
		map[string]any{"store": "C1", "lane": "2", "track": "f-1", "outcome": "nudged_paid"},
		map[string]any{"store": "C1", "lane": "3", "events": []string{evs[2]["id"].(string)}, "outcome": "blocked_recovered"},
		map[string]any{"store": "C1", "lane": "3", "track": "f-3", "outcome": "paid"},
		map[string]any{"store": "C1", "lane": "3", "track": "f-4", "outcome": "walked_out"},
	}
	if r := f.do("POST", "/api/v1/checkout/outcomes", pos, map[string]any{"outcomes": []any{outcomes[0],
		map[string]any{"store": "C1", "lane": "3", "track": "f-3", "outcome": "paid", "value_recovered": 0.001}}}); r.Status != 422 || !slices.Contains(r.itemFields(), "1:value_recovered") {
		t.Errorf("a tenth of a penny: %d %s, want 422 naming item 1's value_recovered", r.Status, r.Raw)
	}
	if r := f.do("POST", "/api/v1/checkout/outcomes", f.ingest, map[string]any{"outcomes": outcomes}); r.Status != 403 {
		t.Errorf("ingest token posting the till's outcomes: %d, want 403", r.Status)
	}
	r := f.mustStatus(http.StatusOK, "POST", "/api/v1/checkout/outcomes", pos, map[string]any{"outcomes": outcomes})
	if r.Body["accepted"] != 5.0 {
		t.Fatalf("outcomes: %s, want 5 accepted", r.Raw)
	}
	if _, err := kpi.NewRollups(f.pool).Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	day := occurred.Format(time.DateOnly)
	k := f.mustStatus(http.StatusOK, "GET", "/api/v1/kpis?store=C1&by=store&from="+day+"&to="+day, f.admin, nil)
	row := k.Body["rows"].([]any)[0].(map[string]any)
	if row["events"] != 5.0 || row["intervention_rate"] != 0.6 || row["recovered_value"] != 85.0 || row["recovered_by_intervention"] != 72.5 || row["lost"] != 1.0 {
		t.Errorf("KPIs: events %v intervention_rate %v recovered_value %v by intervention %v lost %v, want 5, 0.6, 85, 72.5, 1",
			row["events"], row["intervention_rate"], row["recovered_value"], row["recovered_by_intervention"], row["lost"])
	}
	fr := f.mustStatus(http.StatusOK, "GET", "/api/v1/stores/C1/checkout-friction?from="+day+"&to="+day, f.admin, nil)
	if fr.Body["checkout_friction"] != 6.0 || fr.Body["block_share"] != 0.3333 || fr.Body["nudged_paid"] != 2.0 ||
		fr.Body["blocked_recovered"] != 1.0 || fr.Body["walked_out"] != 1.0 || fr.Body["visitors"] != 500.0 {
		t.Errorf("friction %s, want checkout_friction 6, block_share 0.3333 of 2 nudges and 1 block over 500 visitors", fr.Raw)
	}
	if r := f.do("GET", "/api/v1/stores/C1/checkout-friction", pos, nil); r.Status != 403 {
		t.Errorf("the till's token reading friction: %d, want 403", r.Status)
	}
	// The store page shows it for a checkout store, and not for a soc one.
	page := signedIn(t, f, f.token(ss.RoleOps))
	code, body := page("/stores/C1?from=" + day + "&to=" + day)
	for _, want := range []string{`id="friction"`, `data-kpi="checkout_friction">6.00<`, `data-kpi="block_share">33.3%<`, "Nudged, then paid</th><td class=\"num\">2<"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("C1's page (%d) lacks %s", code, want)
		}
	}
	if _, body := page("/stores/S1?from=" + day + "&to=" + day); strings.Contains(body, `id="friction"`) {
		t.Error("a soc store's page shows checkout friction")
	}
}

// The policy over HTTP: ops read it, only admins change it, a field left
// out keeps its value, a bad one is 422 naming it and changes nothing.
func TestCheckoutPolicyOverHTTP(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.checkoutStores()
	ops := f.token(ss.RoleOps)
	r := f.mustStatus(http.StatusOK, "GET", "/api/v1/stores/C1/checkout-policy", ops, nil)
	if r.Body["default"] != true || r.Body["block_min_value"] != 50.0 || r.Body["visit_minutes"] != 45.0 || r.Body["currency"] != "GBP" {
		t.Errorf("default policy: %s", r.Raw)
	}
	if r := f.do("PUT", "/api/v1/stores/C1/checkout-policy", ops, map[string]any{"visit_minutes": 30}); r.Status != 403 {
		t.Errorf("ops changing the policy: %d, want 403", r.Status)
	}
	r = f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/C1/checkout-policy", f.admin, map[string]any{"block_min_value": 75.5, "block_on_repeat": false})
	if r.Body["default"] != false || r.Body["block_min_value"] != 75.5 || r.Body["block_on_repeat"] != false || r.Body["visit_minutes"] != 45.0 {
		t.Errorf("after PUT: %s", r.Raw)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"visit_minutes": 0}, "visit_minutes"},
		{map[string]any{"nudge_min_value": 1.005}, "nudge_min_value"},
		{map[string]any{"block_min_items": -1}, "block_min_items"},
		{map[string]any{"blocks": 1}, "blocks"},
	} {
		if r := f.do("PUT", "/api/v1/stores/C1/checkout-policy", f.admin, c.body); r.Status != 422 || !strings.Contains(r.errField()+" "+string(r.Raw), c.field) {
			t.Errorf("%v: %d %s, want 422 naming %s", c.body, r.Status, r.Raw, c.field)
		}
	}
	if r := f.mustStatus(http.StatusOK, "GET", "/api/v1/stores/C1/checkout-policy", ops, nil); r.Body["block_min_value"] != 75.5 || r.Body["block_min_items"] != 3.0 {
		t.Errorf("after refused PUTs: %s", r.Raw)
	}
}

// Two servers on one database, over real HTTP: a presence posted to the
// first is answered by the second within a second.
func TestCheckoutLaneAcrossServers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.checkoutStores()
	svc := app.New(f.pool)
	second := httptest.NewServer(web.New(svc, slog.New(slog.DiscardHandler), web.Options{}, nil).Handler())
	t.Cleanup(svc.Checkout.Close)
	t.Cleanup(second.Close)
	pos := f.token(ss.RoleCheckout, "C1")
	ask := func() response {
		req, _ := http.NewRequest("GET", second.URL+"/api/v1/checkout/lanes/C1/3", nil)
		req.Header.Set("Authorization", "Bearer "+pos)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		out := response{Status: res.StatusCode, Raw: raw}
		_ = json.Unmarshal(raw, &out.Body)
		return out
	}
	if r := ask(); r.Status != 200 || isFlagged(r) {
		t.Fatalf("the second server before: %d %s", r.Status, r.Raw)
	}
	now := time.Now().UTC().Truncate(time.Second)
	ev := event("C1", "A1", now.Add(-time.Minute))
	ev["track"] = "f-two"
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(ev))
	f.mustStatus(http.StatusOK, "POST", "/api/v1/checkout/presence", f.ingest, presenceBatch(
		map[string]any{"store": "C1", "lane": "3", "track": "f-two", "at": rfc(now)}))
	start := time.Now()
	r := ask()
	for !isFlagged(r) && time.Since(start) < 2*time.Second {
		time.Sleep(10 * time.Millisecond)
		r = ask()
	}
	if took := time.Since(start); !isFlagged(r) || took > time.Second || r.Body["track"] != "f-two" {
		t.Errorf("the second server %v after the first took the presence: %s, want f-two flagged within a second", took, r.Raw)
	}
}
