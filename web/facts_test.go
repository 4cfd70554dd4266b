package web_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"
)

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func TestOutcomesLatestWinsAndLateOutcomeKeepsEventBucket(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	e := event("S1", "Z2", at)
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e))
	first := map[string]any{"event": e["id"], "outcome": "unresolved", "at": rfc(at.Add(time.Minute))}
	f.mustStatus(http.StatusOK, "POST", "/api/v1/outcomes", f.ingest, map[string]any{"outcomes": []any{first}})
	// Three days later the case is resolved: the late outcome replaces the first.
	late := map[string]any{"event": e["id"], "outcome": "intervened_recovered", "at": rfc(at.Add(70 * time.Hour)),
		"responded_at": rfc(at.Add(95 * time.Second)), "value_recovered": 28.5}
	r := f.mustStatus(http.StatusOK, "POST", "/api/v1/outcomes", f.ingest, map[string]any{"outcomes": []any{late}})
	if r.Body["accepted"] != 1.0 {
		t.Fatalf("late outcome answered %s", r.Raw)
	}
	// Replaying the first (older) outcome must not overwrite the newer one.
	r = f.mustStatus(http.StatusOK, "POST", "/api/v1/outcomes", f.ingest, map[string]any{"outcomes": []any{first}})
	if r.Body["accepted"] != 0.0 || r.Body["duplicates"] != 1.0 {
		t.Fatalf("stale replay answered %s, want 0 accepted 1 duplicate", r.Raw)
	}
	var kind string
	var occurred, responded time.Time
	var value float64
	err := f.pool.QueryRow(context.Background(), `SELECT outcome, occurred_at, responded_at, value_recovered::float8 FROM outcomes WHERE event_id = $1`, e["id"]).
		Scan(&kind, &occurred, &responded, &value)
	if err != nil {
		t.Fatal(err)
	}
	if kind != "intervened_recovered" || !occurred.Equal(at) || !responded.Equal(at.Add(95*time.Second)) || value != 28.5 {
		t.Errorf("stored (%s, %v, %v, %v), want intervened_recovered in the event's bucket %v, responded +95s, 28.5", kind, occurred, responded, value, at)
	}
}

func TestOutcomesBadInputStoresNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	e := event("S1", "Z1", at)
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e))
	good := map[string]any{"event": e["id"], "outcome": "walked_out", "at": rfc(at.Add(time.Minute))}
	cases := []struct {
		name  string
		item  map[string]any
		field string
	}{
		{"unknown event", map[string]any{"event": "01890a5d-ac96-774b-bcce-b302099a8057", "outcome": "paid", "at": rfc(at)}, "1:event"},
		{"unknown outcome", map[string]any{"event": e["id"], "outcome": "vanished", "at": rfc(at)}, "1:outcome"},
		{"at before event", map[string]any{"event": e["id"], "outcome": "paid", "at": rfc(at.Add(-time.Minute))}, "1:at"},
		{"responded before event", map[string]any{"event": e["id"], "outcome": "paid", "at": rfc(at), "responded_at": rfc(at.Add(-time.Second))}, "1:responded_at"},
		{"value on a loss", map[string]any{"event": e["id"], "outcome": "walked_out", "at": rfc(at), "value_recovered": 3}, "1:value_recovered"},
		{"future at", map[string]any{"event": e["id"], "outcome": "paid", "at": rfc(time.Now().Add(time.Hour))}, "1:at"},
	}
	for _, c := range cases {
		r := f.do("POST", "/api/v1/outcomes", f.ingest, map[string]any{"outcomes": []any{good, c.item}})
		if r.Status != 422 || !slices.Contains(r.itemFields(), c.field) {
			t.Errorf("%s: status %d items %v, want 422 naming %s: %s", c.name, r.Status, r.itemFields(), c.field, r.Raw)
		}
		if n := f.count("outcomes"); n != 0 {
			t.Fatalf("%s: %d outcomes stored after a rejected batch, want 0", c.name, n)
		}
	}
}

func TestFootfallUpsertAndLocalHours(t *testing.T) {
	t.Parallel()
	f := setup(t)
	hour := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Hour)
	ff := func(store, zone string, h time.Time, v int) map[string]any {
		m := map[string]any{"store": store, "hour": rfc(h), "visitors": v}
		if zone != "" {
			m["zone"] = zone
		}
		return m
	}
	f.mustStatus(http.StatusOK, "POST", "/api/v1/footfall", f.ingest, map[string]any{"footfall": []any{
		ff("S1", "", hour, 120), ff("S1", "Z1", hour, 40), ff("S1", "", hour.Add(time.Hour), 90),
		// Asia/Kolkata is UTC+05:30: its local hours start at :30 UTC.
		ff("S2", "", hour.Add(30*time.Minute), 55),
	}})
	// A correction replaces the count instead of adding a row.
	f.mustStatus(http.StatusOK, "POST", "/api/v1/footfall", f.ingest, map[string]any{"footfall": []any{ff("S1", "", hour, 125)}})
	var n, v int
	_ = f.pool.QueryRow(context.Background(), `SELECT count(*), sum(visitors) FROM footfall`).Scan(&n, &v)
	if n != 4 || v != 125+40+90+55 {
		t.Errorf("footfall holds %d rows totalling %d, want 4 rows totalling 310", n, v)
	}
	for _, c := range []struct {
		name  string
		item  map[string]any
		field string
	}{
		{"not a local hour", ff("S2", "", hour, 10), "0:hour"},
		{"minutes", ff("S1", "", hour.Add(5*time.Minute), 10), "0:hour"},
		{"negative", ff("S1", "", hour, -1), "0:visitors"},
		{"unknown zone", ff("S1", "Z7", hour, 1), "0:zone"},
		{"unknown store", ff("S9", "", hour, 1), "0:store"},
	} {
		r := f.do("POST", "/api/v1/footfall", f.ingest, map[string]any{"footfall": []any{c.item, ff("S1", "", hour, 999)}})
		if r.Status != 422 || !slices.Contains(r.itemFields(), c.field) {
			t.Errorf("%s: status %d items %v, want 422 naming %s", c.name, r.Status, r.itemFields(), c.field)
		}
	}
	_ = f.pool.QueryRow(context.Background(), `SELECT sum(visitors) FROM footfall`).Scan(&v)
	if v != 310 {
		t.Errorf("rejected batches changed footfall: total %d, want 310", v)
	}
}

func TestSalesUpsert(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sale := func(day string, amount float64) map[string]any {
		return map[string]any{"store": "S1", "day": day, "amount": amount}
	}
	f.mustStatus(http.StatusOK, "POST", "/api/v1/sales", f.ingest, map[string]any{"sales": []any{sale("2026-01-05", 1000), sale("2026-01-06", 2000.25)}})
	f.mustStatus(http.StatusOK, "POST", "/api/v1/sales", f.ingest, map[string]any{"sales": []any{sale("2026-01-05", 1500)}})
	var n int
	var total float64
	_ = f.pool.QueryRow(context.Background(), `SELECT count(*), sum(amount)::float8 FROM sales`).Scan(&n, &total)
	if n != 2 || total != 3500.25 {
		t.Errorf("sales hold %d rows totalling %v, want 2 totalling 3500.25", n, total)
	}
	r := f.do("POST", "/api/v1/sales", f.ingest, map[string]any{"sales": []any{sale("2026-01-07", 5), sale("05/01/2026", 1)}})
	if r.Status != 422 || !slices.Contains(r.itemFields(), "1:day") {
		t.Errorf("bad day: status %d items %v", r.Status, r.itemFields())
	}
	if got := f.count("sales"); got != 2 {
		t.Errorf("%d sales rows after a rejected batch, want 2", got)
	}
}
