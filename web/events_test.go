package web_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func event(store, zone string, at time.Time) map[string]any {
	return map[string]any{
		"id": uuid.Must(uuid.NewV7()).String(), "store": store, "zone": zone, "camera": "C1", "track": "t-17",
		"occurred_at": at.UTC().Format(time.RFC3339Nano), "score": 0.91, "method": "pocket",
	}
}

func batch(events ...map[string]any) map[string]any { return map[string]any{"events": events} }

func TestEventsStoredWithZoneDefaults(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	e1 := event("S1", "Z1", at)
	e2 := event("S1", "Z2", at)
	e2["category"], e2["est_value"] = "whisky", 44.9
	r := f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e1, e2))
	if r.Body["accepted"] != 2.0 || r.Body["duplicates"] != 0.0 {
		t.Fatalf("answer %s, want 2 accepted, 0 duplicates", r.Raw)
	}
	var cat string
	var value float64
	var occurred time.Time
	err := f.pool.QueryRow(context.Background(), `SELECT category, est_value::float8, occurred_at FROM events WHERE id = $1`, e1["id"]).Scan(&cat, &value, &occurred)
	if err != nil {
		t.Fatal(err)
	}
	if cat != "cosmetics" || value != 12.5 || !occurred.Equal(at) {
		t.Errorf("event 1 stored as (%s, %v, %v), want the zone's (cosmetics, 12.5) at %v", cat, value, occurred, at)
	}
	err = f.pool.QueryRow(context.Background(), `SELECT category, est_value::float8 FROM events WHERE id = $1`, e2["id"]).Scan(&cat, &value)
	if err != nil {
		t.Fatal(err)
	}
	if cat != "whisky" || value != 44.9 {
		t.Errorf("event 2 stored as (%s, %v), want its own (whisky, 44.9)", cat, value)
	}
}

func TestEventsReplayStoresNothingTwice(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-48 * time.Hour)
	var evs []map[string]any
	for i := range 50 {
		evs = append(evs, event("S1", "Z1", at.Add(time.Duration(i)*time.Minute)))
	}
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(evs...))
	r := f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(evs...))
	if r.Body["accepted"] != 0.0 || r.Body["duplicates"] != 50.0 {
		t.Fatalf("replay answered %s, want 0 accepted, 50 duplicates", r.Raw)
	}
	// A batch overlapping an earlier one, and repeating an id within itself.
	fresh := event("S1", "Z2", at)
	r = f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(evs[0], fresh, evs[1], fresh))
	if r.Body["accepted"] != 1.0 || r.Body["duplicates"] != 3.0 {
		t.Fatalf("overlap answered %s, want 1 accepted, 3 duplicates", r.Raw)
	}
	if n := f.count("events"); n != 51 {
		t.Fatalf("%d events stored, want 51", n)
	}
}

func TestEventsConcurrentReplay(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var evs []map[string]any
	for i := range 200 {
		evs = append(evs, event("S1", "Z1", time.Now().Add(-time.Duration(i)*time.Minute)))
	}
	errs := make(chan string, 4)
	for range 4 {
		go func() {
			r := f.do("POST", "/api/v1/events", f.ingest, batch(evs...))
			if r.Status != http.StatusOK {
				errs <- fmt.Sprintf("status %d: %s", r.Status, r.Raw)
				return
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
	if n := f.count("events"); n != 200 {
		t.Fatalf("%d events stored after 4 concurrent copies of one batch, want 200", n)
	}
}

func TestEventsBadInputStoresNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	now := time.Now()
	good := func() map[string]any { return event("S1", "Z1", now.Add(-time.Hour)) }
	with := func(k string, v any) map[string]any {
		e := good()
		if v == nil {
			delete(e, k)
		} else {
			e[k] = v
		}
		return e
	}
	many := make([]map[string]any, 1001)
	for i := range many {
		many[i] = good()
	}
	cases := []struct {
		name   string
		body   any
		ctype  string
		status int
		field  string // error.field, or "i:field" of a per-item error
	}{
		{"unknown store", batch(good(), with("store", "NOPE")), "", 422, "1:store"},
		{"unknown zone", batch(with("zone", "Z9"), good()), "", 422, "0:zone"},
		{"zone of another store", batch(good(), event("S2", "Z2", now.Add(-time.Hour))), "", 422, "1:zone"},
		{"far future", batch(good(), with("occurred_at", now.Add(2*time.Hour).UTC().Format(time.RFC3339))), "", 422, "1:occurred_at"},
		{"before 2000", batch(with("occurred_at", "1999-12-31T23:00:00Z")), "", 422, "0:occurred_at"},
		{"not a time", batch(with("occurred_at", "yesterday")), "", 422, "0:occurred_at"},
		{"missing time", batch(with("occurred_at", nil)), "", 422, "0:occurred_at"},
		{"score above 1", batch(good(), with("score", 1.5)), "", 422, "1:score"},
		{"score below 0", batch(with("score", -0.1)), "", 422, "0:score"},
		{"missing score", batch(with("score", nil)), "", 422, "0:score"},
		{"score a string", batch(with("score", "high")), "", 422, "events.score"},
		{"bad id", batch(with("id", "42")), "", 422, "0:id"},
		{"missing id", batch(with("id", nil)), "", 422, "0:id"},
		{"unknown method", batch(with("method", "teleport")), "", 422, "0:method"},
		{"negative value", batch(with("est_value", -3)), "", 422, "0:est_value"},
		{"unknown field", batch(with("shopper_name", "x")), "", 422, "shopper_name"},
		{"malformed JSON", `{"events":[{"id":`, "", 422, ""},
		{"two documents", `{"events":[]} {}`, "", 422, ""},
		{"empty batch", batch(), "", 422, "events"},
		{"wrong content type", batch(good()), "text/plain", 415, "Content-Type"},
		{"oversized body", `{"events":[` + strings.Repeat(" ", 1<<20) + `]}`, "", 413, "body"},
		{"too many items", batch(many...), "", 413, "events"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctype := c.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			r := f.doType("POST", "/api/v1/events", f.ingest, ctype, c.body)
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Raw)
			}
			if r.errCode() == "" || r.Body["error"].(map[string]any)["message"] == "" {
				t.Errorf("no error code and message: %s", r.Raw)
			}
			if c.field != "" && r.errField() != c.field && !slices.Contains(r.itemFields(), c.field) {
				t.Errorf("error names %q / items %v, want %q: %s", r.errField(), r.itemFields(), c.field, r.Raw)
			}
			if n := f.count("events"); n != 0 {
				t.Errorf("%d events stored after a rejected batch, want 0", n)
			}
		})
	}
}

func TestEventsEveryBadItemListed(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-time.Hour)
	bad1, bad2 := event("S1", "Z1", at), event("S1", "Z1", at)
	bad1["score"], bad2["zone"] = 7, "ZZ"
	r := f.do("POST", "/api/v1/events", f.ingest, batch(event("S1", "Z1", at), bad1, event("S1", "Z2", at), bad2))
	if r.Status != 422 {
		t.Fatalf("status %d, want 422", r.Status)
	}
	if got, want := r.itemFields(), []string{"1:score", "3:zone"}; !slices.Equal(got, want) {
		t.Errorf("items %v, want %v", got, want)
	}
	if n := f.count("events"); n != 0 {
		t.Errorf("%d events stored, want 0 (the good items must not be stored either)", n)
	}
}

// idAt is a UUIDv7 minted at t (RFC 9562: 48-bit unix milliseconds, then
// version 7, the variant and random bits).
func idAt(t time.Time) string {
	id := uuid.Must(uuid.NewV7())
	ms := t.UnixMilli()
	for i := range 6 {
		id[i] = byte(uint64(ms) >> (40 - 8*i))
	}
	return id.String()
}

// partitionsOf lists the partitions of events, the rows each holds.
func (f *fixture) partitionsOf() map[string]int {
	f.t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT c.relname, (SELECT count(*) FROM events e WHERE e.tableoid = c.oid)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1`)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			f.t.Fatal(err)
		}
		out[p] = n
	}
	return out
}

// Events are partitioned on the time inside their id (migration 00037),
// not on occurred_at: a month of ids near now gets a partition of its own,
// split at the month's first millisecond; an id of another UUID version or
// from a clock far off goes to the default partition and creates none.
func TestEventsPartitionedByIDTime(t *testing.T) {
	t.Parallel()
	f := setup(t)
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	at := now.Add(-time.Minute)
	old := time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)
	last := event("S1", "Z1", at)
	last["id"] = idAt(month.Add(-time.Millisecond)) // the previous month's last millisecond
	first := event("S1", "Z1", at)
	first["id"] = idAt(month)
	backfill := event("S1", "Z1", old) // occurred in 2024, id minted now
	far := event("S1", "Z1", at)
	far["id"] = idAt(time.Date(2099, 6, 1, 0, 0, 0, 0, time.UTC))
	past := event("S1", "Z1", old)
	past["id"] = idAt(old) // minted in 2024, outside the window
	v4 := event("S1", "Z1", at)
	v4["id"] = "ffffffff-ffff-4fff-bfff-000000000001" // version 4; its first bits read as the year 10889
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(last, first, backfill, far, past, v4))
	cur := "events_" + month.Format("200601")
	prev := "events_" + month.AddDate(0, -1, 0).Format("200601")
	next := "events_" + month.AddDate(0, 1, 0).Format("200601") // made ahead, empty
	want := map[string]int{prev: 1, cur: 2, next: 0, "events_default": 3}
	if got := f.partitionsOf(); !maps.Equal(got, want) {
		t.Errorf("partitions %v, want %v", got, want)
	}
	if n := f.count("events"); n != 6 {
		t.Errorf("%d events, want 6", n)
	}

	// When a month of ids held by the default partition comes near, its
	// partition takes those rows over: a range never lives in two places.
	soon := month.AddDate(0, 3, 0)
	early := event("S1", "Z1", at)
	early["id"] = idAt(soon.Add(time.Hour)) // a clock three months ahead
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(early))
	if n := f.partitionsOf()["events_default"]; n != 4 {
		t.Fatalf("default partition holds %d rows, want 4", n)
	}
	var name string
	if err := f.pool.QueryRow(context.Background(), `SELECT ensure_event_partition($1)`, soon).Scan(&name); err != nil {
		t.Fatal(err)
	}
	want = map[string]int{prev: 1, cur: 2, next: 0, name: 1, "events_default": 3}
	if got := f.partitionsOf(); name != "events_"+soon.Format("200601") || !maps.Equal(got, want) {
		t.Errorf("after making %s: partitions %v, want %v", name, got, want)
	}
	// Every id still names its one event: an identical replay of each is a
	// duplicate, wherever its row lives.
	r := f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(last, first, backfill, far, past, v4, early))
	if r.Body["accepted"] != 0.0 || r.Body["duplicates"] != 7.0 {
		t.Errorf("replay answered %s, want 0 accepted, 7 duplicates", r.Raw)
	}
}
