package alerts_test

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/alerts"
)

// The list's dates are the store's local days, both ends inclusive, across
// both daylight-saving changes; instants are half-open.
func TestListPeriods(t *testing.T) {
	t.Parallel()
	w := setup(t)
	utc := func(s string) time.Time { x, _ := time.Parse(time.RFC3339, s); return x }
	// Europe/London: 2026-03-29 has 23 hours (00:00Z to 23:00Z), 2026-10-25 has 25 (23:00Z the day before to 00:00Z after).
	ids := map[string]string{}
	for _, at := range []string{
		"2026-03-28T23:59:00Z", "2026-03-29T00:00:00Z", "2026-03-29T22:59:00Z", "2026-03-29T23:00:00Z",
		"2026-10-24T22:59:00Z", "2026-10-24T23:00:00Z", "2026-10-25T23:59:00Z", "2026-10-26T00:00:00Z",
	} {
		w.clock.Set(utc(at)) // live at the time: an older event opens no alert
		ids[at] = w.event("S1", utc(at))
	}
	for _, c := range []struct {
		p    ss.Period
		want []string
	}{
		{ss.Period{From: utc("2026-03-29T00:00:00Z"), To: utc("2026-03-29T00:00:00Z"), Dates: true}, []string{"2026-03-29T00:00:00Z", "2026-03-29T22:59:00Z"}},
		{ss.Period{From: utc("2026-10-25T00:00:00Z"), To: utc("2026-10-25T00:00:00Z"), Dates: true}, []string{"2026-10-24T23:00:00Z", "2026-10-25T23:59:00Z"}},
		{ss.Period{From: utc("2026-03-28T00:00:00Z"), To: utc("2026-03-29T00:00:00Z"), Dates: true}, []string{"2026-03-28T23:59:00Z", "2026-03-29T00:00:00Z", "2026-03-29T22:59:00Z"}},
		{ss.Period{From: utc("2026-03-29T00:00:00Z"), To: utc("2026-03-29T23:00:00Z")}, []string{"2026-03-29T00:00:00Z", "2026-03-29T22:59:00Z"}},
	} {
		got, err := w.al.List(w.ctx, alerts.Query{Period: c.p})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, at := range c.want {
			want[ids[at]] = true
		}
		if len(got) != len(want) {
			t.Errorf("%+v: %d alerts, want %d", c.p, len(got), len(want))
		}
		for _, a := range got {
			if !want[a.Event.ID.String()] {
				t.Errorf("%+v: alert of the event at %s", c.p, a.Event.OccurredAt)
			}
		}
	}
}
