package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shrinkscope/shrinkscope/kpi"
)

// After a retention purge, facts from before the store's kept_from are
// refused whole (422 naming kept_from), since no rollup, rebuild or verify
// would ever count them; the same facts of a later time are stored.
func TestIngestRefusesFactsBeforeKeptFrom(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	now := time.Now().UTC()
	cut := now.AddDate(0, 0, -30)
	old := cut.AddDate(0, 0, -14).Truncate(time.Hour) // a whole hour in London too
	oldEvent := event("S1", "Z1", old)
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(oldEvent))
	if _, err := kpi.NewRollups(f.pool).Purge(ctx, cut); err != nil {
		t.Fatal(err)
	}
	// S1 keeps from the local Monday of the week holding cut, in London.
	london, _ := time.LoadLocation("Europe/London")
	lc := cut.In(london)
	monday := time.Date(lc.Year(), lc.Month(), lc.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -((int(lc.Weekday()) + 6) % 7))
	keptFrom := monday.Format(time.DateOnly)
	var stored string
	if err := f.pool.QueryRow(ctx, `SELECT r.kept_from::text FROM kpi_retention r JOIN stores s ON s.id = r.store_id WHERE s.code = 'S1'`).Scan(&stored); err != nil || stored != keptFrom {
		t.Fatalf("kept_from %q (%v), want %s", stored, err, keptFrom)
	}
	recent := now.Add(-2 * time.Hour).Truncate(time.Hour)
	cases := []struct {
		name, path string
		body       map[string]any
		item       string
		table      string
	}{
		{"events", "/api/v1/events", batch(event("S1", "Z1", recent), event("S1", "Z2", old)), "1:occurred_at", "events"},
		{"footfall", "/api/v1/footfall", map[string]any{"footfall": []any{
			map[string]any{"store": "S1", "hour": rfc(recent), "visitors": 5},
			map[string]any{"store": "S1", "hour": rfc(old), "visitors": 7}}}, "1:hour", "footfall"},
		{"sales", "/api/v1/sales", map[string]any{"sales": []any{
			map[string]any{"store": "S1", "day": recent.Format(time.DateOnly), "amount": 10},
			map[string]any{"store": "S1", "day": old.Format(time.DateOnly), "amount": 20}}}, "1:day", "sales"},
		// The purged event is gone with its row: its outcome names an unknown event.
		{"outcomes", "/api/v1/outcomes", map[string]any{"outcomes": []any{
			map[string]any{"event": oldEvent["id"], "outcome": "walked_out", "at": rfc(now.Add(-time.Hour))}}}, "0:event", "outcomes"},
	}
	for _, c := range cases {
		before := f.count(c.table)
		r := f.do("POST", c.path, f.ingest, c.body)
		if r.Status != http.StatusUnprocessableEntity || !slices.Contains(r.itemFields(), c.item) {
			t.Errorf("%s: status %d items %v, want 422 on %s: %s", c.name, r.Status, r.itemFields(), c.item, r.Raw)
		}
		if want := "kept_from " + keptFrom; c.table == "outcomes" {
			if !strings.Contains(string(r.Raw), "unknown event") || !strings.Contains(string(r.Raw), "purged by retention") {
				t.Errorf("%s: the answer does not say the event is unknown, perhaps purged: %s", c.name, r.Raw)
			}
		} else if !strings.Contains(string(r.Raw), want) {
			t.Errorf("%s: the answer does not name kept_from %s: %s", c.name, keptFrom, r.Raw)
		}
		if got := f.count(c.table); got != before {
			t.Errorf("%s: %d rows after the refused batch, want %d", c.name, got, before)
		}
	}
	// The recent facts alone are stored.
	f.mustStatus(http.StatusOK, "POST", "/api/v1/events", f.ingest, batch(event("S1", "Z1", recent)))
	f.mustStatus(http.StatusOK, "POST", "/api/v1/footfall", f.ingest, map[string]any{"footfall": []any{map[string]any{"store": "S1", "hour": rfc(recent), "visitors": 5}}})
	// S2 purged the same weeks; an old fact of S2 names S2's kept_from.
	r := f.do("POST", "/api/v1/events", f.ingest, batch(event("S2", "Z1", old)))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Raw), "store S2's kept_from") {
		t.Errorf("old S2 event: status %d: %s", r.Status, r.Raw)
	}
}
