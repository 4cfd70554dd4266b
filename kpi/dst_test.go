package kpi_test

import (
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// Hour-of-week and day buckets are in each store's local time across both
// daylight-saving changes of 2026: London 29 Mar 01:00 UTC (GMT→BST) and
// 25 Oct 01:00 UTC (BST→GMT); New York 8 Mar 07:00 UTC (EST→EDT) and
// 1 Nov 06:00 UTC (EDT→EST). Each change falls on a Sunday; hour of week
// counts from Monday 00:00, so Sunday 01:00 is 6·24+1 = 145.
func TestHourOfWeekAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.store("LON", "Europe/London", ss.ModelDetection, zone("Z1", "c", 1, 0))
	w.store("NYC", "America/New_York", ss.ModelDetection, zone("Z1", "c", 1, 0))
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// London, spring: 00:30 UTC is 00:30 GMT (how 144); 01:30 UTC is 02:30 BST (how 146).
	w.event("LON", "Z1", utc("2026-03-29T00:30:00Z"), 0)
	w.event("LON", "Z1", utc("2026-03-29T01:30:00Z"), 0)
	// London, autumn: 00:30 UTC is 01:30 BST and 01:30 UTC is 01:30 GMT: two hours, both how 145.
	w.event("LON", "Z1", utc("2026-10-25T00:30:00Z"), 0)
	w.event("LON", "Z1", utc("2026-10-25T01:30:00Z"), 0)
	// New York, spring: 06:30 UTC is 01:30 EST (how 145); 07:30 UTC is 03:30 EDT (how 147).
	w.event("NYC", "Z1", utc("2026-03-08T06:30:00Z"), 0)
	w.event("NYC", "Z1", utc("2026-03-08T07:30:00Z"), 0)
	// New York, autumn: 05:30 UTC is 01:30 EDT and 06:30 UTC is 01:30 EST: both how 145.
	w.event("NYC", "Z1", utc("2026-11-01T05:30:00Z"), 0)
	w.event("NYC", "Z1", utc("2026-11-01T06:30:00Z"), 0)
	// 04:30 UTC on 8 Mar is 23:30 EST on Saturday 7 Mar: the local day and how 5·24+23 = 143.
	w.event("NYC", "Z1", utc("2026-03-08T04:30:00Z"), 0)
	// Entrance visitors in the repeated London hour, 100 in each of its two instants.
	w.footfall("LON", "", utc("2026-10-25T00:00:00Z"), 100)
	w.footfall("LON", "", utc("2026-10-25T01:00:00Z"), 100)
	w.refresh()

	year := kpi.Query{From: day("2026-01-01"), To: day("2026-12-31"), Dates: true, By: "hour_of_week"}
	want := map[string]map[int]int64{
		"LON": {144: 1, 145: 2, 146: 1},
		"NYC": {143: 1, 145: 3, 147: 1},
	}
	for store, hows := range want {
		q := year
		q.Store = store
		got := map[int]int64{}
		for _, r := range w.get(q) {
			got[*r.Key.HourOfWeek] = r.Events
		}
		if len(got) != len(hows) {
			t.Errorf("%s: hours of week %v, want %v", store, got, hows)
		}
		for h, n := range hows {
			if got[h] != n {
				t.Errorf("%s: how %d has %d events, want %d (all %v)", store, h, got[h], n, got)
			}
		}
	}
	q := year
	q.Store = "LON"
	for _, r := range w.get(q) {
		if *r.Key.HourOfWeek == 145 && (r.Visitors == nil || *r.Visitors != 200 || !near(r.RatePer1k, 10, 1e-9)) {
			t.Errorf("LON how 145: visitors %v rate %v, want 200 and 1000·2/200 = 10", r.Visitors, show(r.RatePer1k))
		}
	}
	q = kpi.Query{From: day("2026-03-07"), To: day("2026-03-08"), Dates: true, By: "day", Store: "NYC"}
	rows := w.get(q)
	if len(rows) != 2 || rows[0].Key.Day != "2026-03-07" || rows[0].Events != 1 || rows[1].Events != 2 {
		t.Errorf("NYC days around spring: %+v", rows)
	}
	// LocalHour agrees with the SQL bucket on the repeated hour.
	lon, _ := time.LoadLocation("Europe/London")
	if h := kpi.LocalHour(utc("2026-10-25T01:30:00Z"), lon); !h.Equal(utc("2026-10-25T01:00:00Z")) {
		t.Errorf("LocalHour on the repeated hour: %v", h)
	}
	kol, _ := time.LoadLocation("Asia/Kolkata")
	if h := kpi.LocalHour(utc("2026-10-25T01:10:00Z"), kol); !h.Equal(utc("2026-10-25T00:30:00Z")) {
		t.Errorf("LocalHour with a half-hour offset: %v", h)
	}
}
