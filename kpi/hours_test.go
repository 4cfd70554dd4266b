package kpi_test

import (
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// truthFootfall is one footfall row as it was sent.
type truthFootfall struct {
	store, zone string // zone "" is the entrance
	hour        time.Time
	visitors    int64
}

// changes are the daylight-saving changes of the range world's stores in
// 2026 (UTC dates): New York spring, London spring, Sydney autumn (clocks
// back), Sydney spring, London autumn, New York autumn.
var changes = []string{"2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"}

// addFootfall sends every hour of the three local days around each change
// for each store: entrance counts, and zone Z1's own counts, each hour's
// number its own, and returns them.
func addFootfall(t *testing.T, w *rangeWorld) []truthFootfall {
	var out []truthFootfall
	for _, code := range w.stores {
		loc := w.locs[code]
		var batch []ss.FootfallInput
		for _, c := range changes {
			d := day(c)
			from := time.Date(d.Year(), d.Month(), d.Day()-1, 0, 0, 0, 0, loc)
			to := time.Date(d.Year(), d.Month(), d.Day()+2, 0, 0, 0, 0, loc)
			for h := from; h.Before(to); h = h.Add(time.Hour) {
				for _, z := range []string{"", "Z1"} {
					n := int64(len(out)%97 + 1)
					if z == "" {
						n += 1000
					}
					f := truthFootfall{code, z, h, n}
					out = append(out, f)
					batch = append(batch, ss.FootfallInput{Store: code, Zone: z, Hour: h.UTC().Format(time.RFC3339), Visitors: &f.visitors})
				}
			}
		}
		if _, err := w.ing.Footfall(w.ctx, nil, batch); err != nil {
			t.Fatal(err)
		}
	}
	w.refresh()
	return out
}

// localKey is the key a row of grouping by has for a fact of store (zone
// z, category, method) at instant at: the same strings rowKey makes of a
// row's Key.
func localKey(by kpi.Grouping, store, tz, z, category string, method ss.Method, at time.Time, loc *time.Location) string {
	l := at.In(loc)
	date := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	switch by {
	case "region":
		return "r-" + tz
	case "store":
		return store
	case "zone":
		return store + "/" + z
	case "category":
		return category
	case "method":
		return string(method)
	case "day":
		return date.Format(time.DateOnly)
	case "week":
		return date.AddDate(0, 0, -(int(date.Weekday())+6)%7).Format(time.DateOnly)
	case "hour_of_week":
		return strconv.Itoa(((int(l.Weekday())+6)%7)*24 + l.Hour())
	}
	return ""
}

func rowKey(by kpi.Grouping, k kpi.Key) string {
	switch by {
	case "region":
		return k.Region
	case "store":
		return k.Store
	case "zone":
		return k.Store + "/" + k.Zone
	case "category":
		return k.Category
	case "method":
		return k.Method
	case "day":
		return k.Day
	case "week":
		return k.Week
	case "hour_of_week":
		if k.HourOfWeek == nil {
			return "nil"
		}
		return strconv.Itoa(*k.HourOfWeek)
	}
	return ""
}

// expected is what one group's row must show.
type expected struct {
	events, cents, visitors int64
}

// Every grouping, over instants (the hourly rollups) and over dates, on
// ranges whose ends fall on both sides of each daylight-saving change of
// stores in three time zones, gives per group exactly the events, the
// loss and the visitors counted from the raw facts: the repeated autumn
// hour counts in both its instants, the spring day has 23 hours and the
// autumn day 25, and visitors come from the rows that keep a day of hours
// in arrays.
func TestEveryGroupingEqualsRawFactsAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	w := newRangeWorld(t)
	foot := addFootfall(t, w)
	tzOf := map[string]string{"LON": "Europe/London", "NYC": "America/New_York", "SYD": "Australia/Sydney"}
	categories := map[string]string{"Z1": "spirits", "Z2": "cosmetics"}
	groupings := []kpi.Grouping{"estate", "region", "store", "zone", "category", "method", "day", "week", "hour_of_week"}

	// want counts the truth of store ("" for all) in the range that in
	// says a fact is in, per group of by.
	want := func(by kpi.Grouping, store string, in func(store string, at time.Time) bool) map[string]*expected {
		out := map[string]*expected{}
		get := func(k string) *expected {
			if out[k] == nil {
				out[k] = &expected{}
			}
			return out[k]
		}
		for _, e := range w.truth {
			if store != "" && e.store != store || !in(e.store, e.at) {
				continue
			}
			x := get(localKey(by, e.store, tzOf[e.store], e.zone, e.category, e.method, e.at, w.locs[e.store]))
			x.events++
			x.cents += e.cents
		}
		if by == "category" || by == "method" {
			return out // no door of their own: they share the scope's visitors
		}
		for _, f := range foot {
			if store != "" && f.store != store || !in(f.store, f.hour) || (by == "zone") != (f.zone != "") {
				continue
			}
			get(localKey(by, f.store, tzOf[f.store], f.zone, categories[f.zone], "", f.hour, w.locs[f.store])).visitors += f.visitors
		}
		return out
	}
	check := func(name string, q kpi.Query, exp map[string]*expected) {
		t.Helper()
		seen := map[string]bool{}
		for _, r := range w.get(q) {
			k := rowKey(q.By, r.Key)
			seen[k] = true
			x := exp[k]
			if x == nil {
				x = &expected{}
			}
			var vis int64
			if r.Visitors != nil {
				vis = *r.Visitors
			}
			if r.Events != x.events || math.Round(r.EstLoss*100) != float64(x.cents) {
				t.Errorf("%s by=%s %q: %d events, loss %.2f; raw facts say %d, %.2f", name, q.By, k, r.Events, r.EstLoss, x.events, float64(x.cents)/100)
			}
			if q.By != "category" && q.By != "method" && vis != x.visitors {
				t.Errorf("%s by=%s %q: %d visitors; raw footfall says %d", name, q.By, k, vis, x.visitors)
			}
		}
		for k, x := range exp {
			if !seen[k] && x.events > 0 {
				t.Errorf("%s by=%s: no row %q; raw facts say %d events", name, q.By, k, x.events)
			}
		}
	}

	// Over instants: [from, to) on UTC hours (every store here has
	// whole-hour offsets, so local hours start on them).
	for _, c := range changes {
		d := day(c)
		for _, r := range [][2]time.Time{
			{d.Add(-19 * time.Hour), d.Add(31 * time.Hour)},
			{d, d.Add(12 * time.Hour)},
			{d.Add(-12 * time.Hour), d.Add(3 * time.Hour)},
		} {
			in := func(_ string, at time.Time) bool { return !at.Before(r[0]) && at.Before(r[1]) }
			name := fmt.Sprintf("[%s, %s)", r[0].Format(time.RFC3339), r[1].Format(time.RFC3339))
			for _, by := range groupings {
				for _, store := range w.stores {
					check(store+" "+name, kpi.Query{From: r[0], To: r[1], By: by, Store: store}, want(by, store, in))
				}
				if by != "zone" {
					check("estate "+name, kpi.Query{From: r[0], To: r[1], By: by}, want(by, "", in))
				}
			}
		}
	}

	// Over dates: both ends inclusive in each store's local time.
	for _, r := range ranges() {
		in := func(store string, at time.Time) bool {
			l := at.In(w.locs[store])
			d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
			return !d.Before(r[0]) && !d.After(r[1])
		}
		name := r[0].Format(time.DateOnly) + ".." + r[1].Format(time.DateOnly)
		for _, by := range groupings {
			for _, store := range w.stores {
				check(store+" "+name, kpi.Query{From: r[0], To: r[1], Dates: true, By: by, Store: store}, want(by, store, in))
			}
			if by != "zone" {
				check("estate "+name, kpi.Query{From: r[0], To: r[1], Dates: true, By: by}, want(by, "", in))
			}
		}
	}

	// The store's hours (the store page's chart) count both instants of
	// the repeated hour and 23 or 25 hours on the change days.
	for _, code := range w.stores {
		loc := w.locs[code]
		for _, c := range changes {
			d := day(c)
			from := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
			to := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
			id := w.storeID(code)
			hours, _, err := w.kpis.StoreHours(w.ctx, id, from, to)
			if err != nil {
				t.Fatal(err)
			}
			wantHours := map[time.Time][2]int64{}
			for _, e := range w.truth {
				if e.store == code && !e.at.Before(from) && e.at.Before(to) {
					h := kpi.LocalHour(e.at, loc)
					x := wantHours[h]
					x[0]++
					wantHours[h] = x
				}
			}
			for _, f := range foot {
				if f.store == code && f.zone == "" && !f.hour.Before(from) && f.hour.Before(to) {
					x := wantHours[f.hour.UTC()]
					x[1] += f.visitors
					wantHours[f.hour.UTC()] = x
				}
			}
			if len(hours) != len(wantHours) {
				t.Errorf("%s %s: %d hours, want %d (%d local hours that day)", code, c, len(hours), len(wantHours), int(to.Sub(from).Hours()))
			}
			for _, h := range hours {
				x := wantHours[h.Hour.UTC()]
				if h.Events != x[0] || h.Visitors != x[1] {
					t.Errorf("%s hour %s: %d events, %d visitors; want %d, %d", code, h.Hour.UTC().Format(time.RFC3339), h.Events, h.Visitors, x[0], x[1])
				}
			}
		}
	}
}

func (w *world) storeID(code string) int64 {
	w.t.Helper()
	var id int64
	if err := w.pool.QueryRow(w.ctx, `SELECT id FROM stores WHERE code = $1`, code).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// Footfall kept as a day of hours in arrays holds any offset: Lord Howe
// Island moves its clocks by half an hour (2026-04-05 02:00 back to 01:30,
// 2026-10-04 02:00 on to 02:30), Kathmandu is +05:45. Every local hour of
// the days around the changes, with its own count and an event, reads back
// hour by hour, by hour of week and by day as sent.
func TestFootfallHoursAtOddOffsets(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, s := range []struct{ code, tz string }{{"LHI", "Australia/Lord_Howe"}, {"KTM", "Asia/Kathmandu"}} {
		w.store(s.code, s.tz, ss.ModelDetection, zone("Z1", "c", 10, 0))
		loc, err := time.LoadLocation(s.tz)
		if err != nil {
			t.Fatal(err)
		}
		type hour struct {
			at       time.Time
			visitors int64
		}
		var hours []hour
		var foot []ss.FootfallInput
		var events []ss.EventInput
		for _, c := range []string{"2026-04-05", "2026-10-04"} {
			d := day(c)
			from := time.Date(d.Year(), d.Month(), d.Day()-1, 0, 0, 0, 0, loc)
			to := time.Date(d.Year(), d.Month(), d.Day()+2, 0, 0, 0, 0, loc)
			// Every instant a local hour starts on: the local clock shows :00.
			for at := from; at.Before(to); at = at.Add(15 * time.Minute) {
				if !kpi.LocalHour(at, loc).Equal(at) {
					continue
				}
				h := hour{at.UTC(), int64(100 + len(hours))}
				hours = append(hours, h)
				foot = append(foot, ss.FootfallInput{Store: s.code, Hour: h.at.Format(time.RFC3339), Visitors: &h.visitors})
				score, v := 0.9, 10.0
				events = append(events, ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: s.code, Zone: "Z1",
					OccurredAt: h.at.Add(5 * time.Minute).Format(time.RFC3339), Score: &score, EstValue: &v})
			}
		}
		if _, err := w.ing.Footfall(w.ctx, nil, foot); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ing.Events(w.ctx, nil, events); err != nil {
			t.Fatal(err)
		}
		w.refresh()

		got, _, err := w.kpis.StoreHours(w.ctx, w.storeID(s.code), hours[0].at, hours[len(hours)-1].at.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(hours) {
			t.Fatalf("%s: %d hours read back, %d sent", s.code, len(got), len(hours))
		}
		byHow, byDay := map[int]int64{}, map[string]int64{}
		for i, h := range hours {
			if !got[i].Hour.Equal(h.at) || got[i].Visitors != h.visitors || got[i].Events != 1 {
				t.Errorf("%s hour %d: %s %d visitors %d events; sent %s %d and one event", s.code, i,
					got[i].Hour.UTC().Format(time.RFC3339), got[i].Visitors, got[i].Events, h.at.Format(time.RFC3339), h.visitors)
			}
			l := h.at.In(loc)
			byHow[((int(l.Weekday())+6)%7)*24+l.Hour()] += h.visitors
			byDay[l.Format(time.DateOnly)] += h.visitors
		}
		q := kpi.Query{From: day("2026-04-03"), To: day("2026-10-06"), Dates: true, Store: s.code, By: "hour_of_week"}
		rows := w.get(q)
		if len(rows) != len(byHow) {
			t.Errorf("%s: %d hours of week, want %d", s.code, len(rows), len(byHow))
		}
		for _, r := range rows {
			if r.Visitors == nil || *r.Visitors != byHow[*r.Key.HourOfWeek] {
				t.Errorf("%s how %d: visitors %v, sent %d", s.code, *r.Key.HourOfWeek, r.Visitors, byHow[*r.Key.HourOfWeek])
			}
		}
		q.By = "day"
		rows = w.get(q)
		if len(rows) != len(byDay) {
			t.Errorf("%s: %d days, want %d", s.code, len(rows), len(byDay))
		}
		for _, r := range rows {
			if r.Visitors == nil || *r.Visitors != byDay[r.Key.Day] {
				t.Errorf("%s day %s: visitors %v, sent %d", s.code, r.Key.Day, r.Visitors, byDay[r.Key.Day])
			}
		}
	}
}
