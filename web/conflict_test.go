package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// conflictFields lists "index:field,field" of each item of a 409.
func (r response) conflictFields() []string {
	e, _ := r.Body["error"].(map[string]any)
	items, _ := e["items"].([]any)
	var out []string
	for _, it := range items {
		m := it.(map[string]any)
		var fs []string
		for _, f := range m["fields"].([]any) {
			fs = append(fs, f.(string))
		}
		out = append(out, jsonNum(m["index"])+":"+strings.Join(fs, ","))
	}
	return out
}

func copyEvent(e map[string]any, edits ...any) map[string]any {
	c := map[string]any{}
	for k, v := range e {
		c[k] = v
	}
	for i := 0; i+1 < len(edits); i += 2 {
		c[edits[i].(string)] = edits[i+1]
	}
	return c
}

// TestEventConflicts: an id names one event. A stored or repeated id with a
// different payload is a 409 naming each item and the fields that differ,
// whatever the occurred_at, and nothing of the batch is stored; an
// identical replay stays a duplicate.
func TestEventConflicts(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-30 * time.Hour).Truncate(time.Second)
	stored := event("S1", "Z1", at)
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(stored))
	cases := []struct {
		name string
		body map[string]any
		want []string
	}{
		{"another occurred_at, even in another month", batch(event("S1", "Z1", at), copyEvent(stored, "occurred_at", at.AddDate(0, -2, 0).Format(time.RFC3339))), []string{"1:occurred_at"}},
		{"another score", batch(copyEvent(stored, "score", 0.5), event("S1", "Z2", at)), []string{"0:score"}},
		{"another zone and camera", batch(copyEvent(stored, "zone", "Z2", "camera", "C9")), []string{"0:zone,camera"}},
		{"another category", batch(copyEvent(stored, "category", "perfume")), []string{"0:category"}},
		{"repeated in one batch with another zone", func() map[string]any {
			e := event("S1", "Z1", at)
			return batch(e, copyEvent(e, "zone", "Z2"))
		}(), []string{"1:zone"}},
		{"repeated in one batch with another time", func() map[string]any {
			e := event("S2", "Z1", at)
			return batch(event("S1", "Z1", at), e, copyEvent(e, "occurred_at", at.Add(time.Second).Format(time.RFC3339)))
		}(), []string{"2:occurred_at"}},
	}
	for _, c := range cases {
		r := f.do("POST", "/api/v1/events", f.ingest, c.body)
		if r.Status != http.StatusConflict || r.errCode() != "conflict" || !slices.Equal(r.conflictFields(), c.want) {
			t.Errorf("%s: status %d items %v, want 409 conflict %v: %s", c.name, r.Status, r.conflictFields(), c.want, r.Raw)
		}
	}
	if n := f.count("events"); n != 1 {
		t.Errorf("%d events stored, want only the first one", n)
	}

	// An identical replay is a duplicate, even after the zone's category
	// changed (the sender left the category to the zone).
	f.mustStatus(http.StatusOK, "PUT", "/api/v1/stores/S1/zones", f.admin, zonesJSON(
		zone("Z1", "skincare", 14, 0, 0, 5, 4), zone("Z2", "spirits", 30, 5, 0, 10, 4)))
	r := f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(stored, stored))
	if r.Body["accepted"] != 0.0 || r.Body["duplicates"] != 2.0 {
		t.Errorf("identical replay answered %s, want 0 accepted, 2 duplicates", r.Raw)
	}
}

// TestEventIDsOfAnyKind: an id names one event whatever its version and
// whatever the clock that made it, with its row in a partition of its own
// month or in the default one: an identical replay is a duplicate, the same
// id with another occurred_at (or another score) a 409 storing nothing.
func TestEventIDsOfAnyKind(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	ids := map[string]string{
		"version 4":             "9b2f6c1e-4d7a-4f3b-8c21-5e6f7a8b9c0d",
		"version 1":             "c232ab00-9414-11ec-b3c8-9f6bdeced846",
		"v7 from 2099":          idAt(time.Date(2099, 12, 31, 23, 0, 0, 0, time.UTC)),
		"v7 from 1999":          idAt(time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)),
		"v7 minted now":         idAt(time.Now()),
		"v7 minted next month":  idAt(time.Now().AddDate(0, 1, 0)),
		"the max uuid":          "ffffffff-ffff-ffff-ffff-ffffffffffff",
		"v7 at the epoch's end": idAt(time.UnixMilli(1<<48 - 1)),
	}
	for name, id := range ids {
		e := event("S1", "Z1", at)
		e["id"] = id
		f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e))
		r := f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e))
		if r.Body["accepted"] != 0.0 || r.Body["duplicates"] != 1.0 {
			t.Errorf("%s: identical replay answered %s, want 0 accepted, 1 duplicate", name, r.Raw)
		}
		for _, other := range []time.Time{at.Add(time.Second), at.AddDate(0, -3, 0), at.AddDate(-2, 0, 0)} {
			r = f.do("POST", "/api/v1/events", f.ingest, batch(event("S1", "Z2", at), copyEvent(e, "occurred_at", other.Format(time.RFC3339))))
			if r.Status != http.StatusConflict || !slices.Equal(r.conflictFields(), []string{"1:occurred_at"}) {
				t.Errorf("%s replayed at %s: status %d items %v, want 409 on 1:occurred_at: %s", name, other, r.Status, r.conflictFields(), r.Raw)
			}
		}
		r = f.do("POST", "/api/v1/events", f.ingest, batch(copyEvent(e, "score", 0.2)))
		if r.Status != http.StatusConflict || !slices.Equal(r.conflictFields(), []string{"0:score"}) {
			t.Errorf("%s with another score: status %d items %v, want 409 on 0:score: %s", name, r.Status, r.conflictFields(), r.Raw)
		}
	}
	if n := f.count("events"); n != len(ids) {
		t.Errorf("%d events stored, want %d (one per id; the refused batches store nothing)", n, len(ids))
	}
}

// TestOutcomeConflicts: a newer `at` wins, an older one is a duplicate, the
// same `at` with the same content is a duplicate and with other content a
// 409 that stores nothing.
func TestOutcomeConflicts(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	e1, e2 := event("S1", "Z1", at), event("S1", "Z2", at)
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(e1, e2))
	out := func(ev map[string]any, kind string, when time.Time, extra ...any) map[string]any {
		o := map[string]any{"event": ev["id"], "outcome": kind, "at": when.Format(time.RFC3339)}
		for i := 0; i+1 < len(extra); i += 2 {
			o[extra[i].(string)] = extra[i+1]
		}
		return o
	}
	outs := func(o ...map[string]any) map[string]any { return map[string]any{"outcomes": o} }
	t1 := at.Add(time.Hour)
	f.mustStatus(http.StatusOK, "POST", "/api/v1/outcomes", f.ingest, outs(out(e1, "paid", t1, "value_recovered", 12.5)))

	for _, c := range []struct {
		name string
		body map[string]any
		want []string
	}{
		{"same at, another outcome", outs(out(e2, "walked_out", t1), out(e1, "walked_out", t1)), []string{"1:outcome,value_recovered"}},
		{"same at, another value", outs(out(e1, "paid", t1, "value_recovered", 10)), []string{"0:value_recovered"}},
		{"same at, a response time", outs(out(e1, "paid", t1, "value_recovered", 12.5, "responded_at", t1.Format(time.RFC3339))), []string{"0:responded_at"}},
		{"same at twice in one batch", outs(out(e2, "paid", t1), out(e2, "unresolved", t1)), []string{"1:outcome"}},
		{"same at as stored, behind a newer one in the batch", outs(out(e1, "walked_out", t1), out(e1, "paid", t1.Add(30*time.Minute))), []string{"0:outcome,value_recovered"}},
	} {
		r := f.do("POST", "/api/v1/outcomes", f.ingest, c.body)
		if r.Status != http.StatusConflict || !slices.Equal(r.conflictFields(), c.want) {
			t.Errorf("%s: status %d items %v, want 409 %v: %s", c.name, r.Status, r.conflictFields(), c.want, r.Raw)
		}
	}
	if n := f.count("outcomes"); n != 1 {
		t.Errorf("%d outcomes stored, want 1 (the conflicting batches stored nothing)", n)
	}
	r := f.mustStatus(http.StatusOK, "POST", "/api/v1/outcomes", f.ingest, outs(out(e1, "paid", t1, "value_recovered", 12.5), out(e1, "walked_out", at)))
	if r.Body["accepted"] != 0.0 || r.Body["duplicates"] != 2.0 {
		t.Errorf("identical and older outcomes answered %s, want 0 accepted, 2 duplicates", r.Raw)
	}
	f.mustStatus(http.StatusOK, "POST", "/api/v1/outcomes", f.ingest, outs(out(e1, "walked_out", t1.Add(time.Minute))))
	var kind string
	if err := f.pool.QueryRow(context.Background(), `SELECT outcome FROM outcomes WHERE event_id = $1`, e1["id"]).Scan(&kind); err != nil || kind != "walked_out" {
		t.Errorf("after a newer outcome the stored one is %q (%v), want walked_out", kind, err)
	}
}

// TestEventConflictsConcurrent: senders racing with one id and different
// scores: one is stored, every other batch is a conflict, and one row exists.
func TestEventConflictsConcurrent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	e := event("S1", "Z1", time.Now().Add(-time.Hour))
	const n = 6
	statuses := make(chan int, n)
	for i := range n {
		go func() {
			r := f.do("POST", "/api/v1/events", f.ingest, batch(copyEvent(e, "score", 0.1*float64(i+1))))
			statuses <- r.Status
		}()
	}
	count := map[int]int{}
	for range n {
		count[<-statuses]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != n-1 {
		t.Errorf("statuses %v, want one 200 and %d 409", count, n-1)
	}
	if rows := f.count("events"); rows != 1 {
		t.Errorf("%d rows stored, want 1", rows)
	}
}

// TestEventIDOfAnotherStore: an id already stored for another store's event
// answers 409 naming only the id, not the fields in which that event
// differs, for a token limited to the sender's store as for one of the
// estate; nothing is stored.
func TestEventIDOfAnotherStore(t *testing.T) {
	t.Parallel()
	f := setup(t)
	at := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	theirs := event("S2", "Z1", at)
	theirs["camera"], theirs["track"] = "C-back-door", "t-secret"
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(theirs))
	before := f.count("events")
	for _, tok := range []string{f.token("ingest", "S1"), f.ingest} {
		mine := copyEvent(event("S1", "Z1", at.Add(time.Minute)), "id", theirs["id"])
		r := f.do("POST", "/api/v1/events", tok, batch(event("S1", "Z2", at), mine))
		if r.Status != http.StatusConflict || !slices.Equal(r.conflictFields(), []string{"1:id"}) {
			t.Errorf("status %d items %v, want 409 naming item 1's id alone: %s", r.Status, r.conflictFields(), r.Raw)
		}
		for _, leak := range []string{"zone", "camera", "occurred_at", "track", "S2"} {
			if strings.Contains(string(r.Raw), leak) {
				t.Errorf("the 409 mentions %q of the other store's event: %s", leak, r.Raw)
			}
		}
	}
	if n := f.count("events"); n != before {
		t.Errorf("%d events stored after refused batches, want %d", n, before)
	}
}
