package kpi_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/kpi"
)

// rangeWorld holds three stores (both hemispheres, so both daylight-saving
// changes fall on different dates) with events at the edges of local days
// and hours through the weeks around each change, and the events' truth.
type rangeWorld struct {
	*world
	locs   map[string]*time.Location
	truth  []truthEvent
	stores []string
}

type truthEvent struct {
	store, zone, category string
	method                ss.Method
	at                    time.Time
	cents                 int64
}

// Local times of day that test the day's ends and the hours a
// daylight-saving change skips or repeats.
var edgeTimes = []struct{ h, m int }{{0, 0}, {0, 59}, {1, 30}, {2, 30}, {12, 0}, {23, 30}, {23, 59}}

func newRangeWorld(t *testing.T) *rangeWorld {
	w := &rangeWorld{world: newWorld(t), locs: map[string]*time.Location{}}
	zones := []ss.Zone{zone("Z1", "spirits", 40, 0), zone("Z2", "cosmetics", 12.5, 2)}
	for _, s := range []struct{ code, tz string }{{"LON", "Europe/London"}, {"NYC", "America/New_York"}, {"SYD", "Australia/Sydney"}} {
		w.store(s.code, s.tz, ss.ModelDetection, zones...)
		loc, err := time.LoadLocation(s.tz)
		if err != nil {
			t.Fatal(err)
		}
		w.locs[s.code] = loc
		w.stores = append(w.stores, s.code)
	}
	windows := [][2]string{{"2026-02-27", "2026-04-12"}, {"2026-09-25", "2026-11-08"}}
	n := 0
	for _, code := range w.stores {
		loc := w.locs[code]
		var batch []ss.EventInput
		for _, win := range windows {
			for d := day(win[0]); !d.After(day(win[1])); d = d.AddDate(0, 0, 1) {
				for i, et := range edgeTimes {
					at := time.Date(d.Year(), d.Month(), d.Day(), et.h, et.m, 0, 0, loc)
					if at.In(loc).Day() != d.Day() {
						continue // a local time the spring change skips into the next day: none here
					}
					n++
					z := zones[(n+i)%2]
					m := ss.Methods[n%len(ss.Methods)]
					cents := int64(100 + n%997)
					v, score := float64(cents)/100, 0.9
					batch = append(batch, ss.EventInput{ID: uuid.Must(uuid.NewV7()).String(), Store: code, Zone: z.Code,
						OccurredAt: at.UTC().Format(time.RFC3339), Score: &score, Method: m, EstValue: &v})
					w.truth = append(w.truth, truthEvent{code, z.Code, z.Category, m, at, cents})
				}
			}
		}
		if _, err := w.ing.Events(w.ctx, nil, batch); err != nil {
			t.Fatal(err)
		}
	}
	w.refresh()
	return w
}

// count is the truth for events of store (all stores when "") with local
// dates from..to, that pass keep.
func (w *rangeWorld) count(store string, from, to time.Time, keep func(truthEvent) bool) (n, cents int64) {
	for _, e := range w.truth {
		if store != "" && e.store != store {
			continue
		}
		l := e.at.In(w.locs[e.store])
		d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		if d.Before(from) || d.After(to) || keep != nil && !keep(e) {
			continue
		}
		n++
		cents += e.cents
	}
	return n, cents
}

// ranges are date ranges that start and end on every weekday and cross
// each daylight-saving change of the three stores, and single days on them.
func ranges() [][2]time.Time {
	var out [][2]time.Time
	for _, change := range []string{"2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"} {
		c := day(change)
		out = append(out, [2]time.Time{c, c})
	}
	for _, pivot := range []string{"2026-03-29", "2026-10-25"} {
		p := day(pivot)
		for i := range 7 {
			from := p.AddDate(0, 0, -1-i)
			to := p.AddDate(0, 0, 1+(i*3)%7)
			out = append(out, [2]time.Time{from, to})
		}
	}
	// Every start weekday against every end weekday, in one long range each.
	out = append(out, [2]time.Time{day("2026-03-02"), day("2026-03-11")}, [2]time.Time{day("2026-03-04"), day("2026-03-04")})
	return out
}

// Dates are inclusive in every grouping: over ranges starting and ending on
// every weekday and spanning both daylight-saving changes, each grouping's
// rows add up to the store's events and estimated loss counted from the raw
// events by their local dates, exactly.
func TestEveryGroupingHonoursInclusiveDates(t *testing.T) {
	t.Parallel()
	w := newRangeWorld(t)
	groupings := []kpi.Grouping{"estate", "region", "store", "zone", "category", "method", "day", "week", "hour_of_week"}
	for _, r := range ranges() {
		from, to := r[0], r[1]
		for _, store := range w.stores {
			want, wantCents := w.count(store, from, to, nil)
			for _, by := range groupings {
				rows := w.get(kpi.Query{From: from, To: to, Dates: true, Store: store, By: by})
				var got int64
				var loss float64
				for _, row := range rows {
					got += row.Events
					loss += row.EstLoss
				}
				if got != want || math.Round(loss*100) != float64(wantCents) {
					t.Errorf("%s %s..%s by=%s: %d events, loss %.2f; raw events say %d, %.2f",
						store, from.Format(time.DateOnly), to.Format(time.DateOnly), by, got, loss, want, float64(wantCents)/100)
				}
			}
		}
		// Estate-wide, unfiltered.
		want, _ := w.count("", from, to, nil)
		for _, by := range []kpi.Grouping{"estate", "region", "store", "category", "method", "day", "week", "hour_of_week"} {
			var got int64
			for _, row := range w.get(kpi.Query{From: from, To: to, Dates: true, By: by}) {
				got += row.Events
			}
			if got != want {
				t.Errorf("estate %s..%s by=%s: %d events, raw %d", from.Format(time.DateOnly), to.Format(time.DateOnly), by, got, want)
			}
		}
	}
}

// KPIs by concealment method: each method's row, and the method= filter in
// every grouping, count exactly that method's events.
func TestKPIsByMethod(t *testing.T) {
	t.Parallel()
	w := newRangeWorld(t)
	from, to := day("2026-03-23"), day("2026-04-05")
	for _, store := range w.stores {
		rows := w.get(kpi.Query{From: from, To: to, Dates: true, Store: store, By: "method"})
		if len(rows) != len(ss.Methods) {
			t.Fatalf("%s: %d method rows, want %d", store, len(rows), len(ss.Methods))
		}
		for _, row := range rows {
			m := ss.Method(row.Key.Method)
			want, cents := w.count(store, from, to, func(e truthEvent) bool { return e.method == m })
			if row.Events != want || math.Round(row.EstLoss*100) != float64(cents) {
				t.Errorf("%s method %s: %d events, %.2f; want %d, %.2f", store, m, row.Events, row.EstLoss, want, float64(cents)/100)
			}
			if row.Visitors != nil {
				t.Errorf("%s method %s: visitors %d with no footfall", store, m, *row.Visitors)
			}
		}
	}
	for _, m := range []ss.Method{ss.MethodBag, ss.MethodSleeve} {
		for _, by := range []kpi.Grouping{"estate", "store", "zone", "category", "day", "hour_of_week"} {
			want, _ := w.count("", from, to, func(e truthEvent) bool { return e.method == m })
			q := kpi.Query{From: from, To: to, Dates: true, By: by, Method: string(m)}
			if by == "zone" {
				q.Region = "r-Europe/London"
				want, _ = w.count("LON", from, to, func(e truthEvent) bool { return e.method == m })
			}
			if by == "zone" || by == "category" {
				// One store's zone rows are summed in Go: the filter must hold there too.
				var got int64
				one := q
				one.Region, one.Store = "", "LON"
				lon, _ := w.count("LON", from, to, func(e truthEvent) bool { return e.method == m })
				for _, row := range w.get(one) {
					got += row.Events
				}
				if got != lon {
					t.Errorf("store LON method=%s by=%s: %d events, want %d", m, by, got, lon)
				}
			}
			var got int64
			for _, row := range w.get(q) {
				got += row.Events
			}
			if got != want {
				t.Errorf("method=%s by=%s: %d events, want %d", m, by, got, want)
			}
		}
	}
	if _, err := w.kpis.Get(w.ctx, kpi.Query{From: from, To: to, Dates: true, By: "store", Method: "pickpocket"}); err == nil {
		t.Error("an unknown method was accepted")
	} else if e, ok := err.(*ss.Error); !ok || e.Field != "method" {
		t.Errorf("unknown method: %v", err)
	}
}

// One store's zone, category and method cuts over dates with a zone,
// category or method filter (summed in Go from the packed cells,
// read_store_zone_events.go): each row's events and estimated loss are the
// truth's for its key and the filter, and the rows together are every
// event the filter keeps, over a range of whole weeks and end days across
// the spring changes.
func TestStoreCutsFilteredOverDates(t *testing.T) {
	t.Parallel()
	w := newRangeWorld(t)
	from, to := day("2026-03-25"), day("2026-04-09")
	key := func(by kpi.Grouping, k kpi.Key) string {
		switch by {
		case kpi.ByZone:
			return k.Zone
		case kpi.ByCategory:
			return k.Category
		}
		return k.Method
	}
	of := func(by kpi.Grouping, e truthEvent) string {
		switch by {
		case kpi.ByZone:
			return e.zone
		case kpi.ByCategory:
			return e.category
		}
		return string(e.method)
	}
	for _, store := range w.stores {
		for _, q := range []kpi.Query{
			{By: kpi.ByCategory, Zone: "Z1"},
			{By: kpi.ByMethod, Zone: "Z2"},
			{By: kpi.ByZone, Category: "spirits"},
			{By: kpi.ByMethod, Category: "cosmetics"},
			{By: kpi.ByCategory, Method: string(ss.MethodBag)},
			{By: kpi.ByZone, Zone: "Z1", Method: string(ss.MethodSleeve)},
		} {
			q.From, q.To, q.Dates, q.Store = from, to, true, store
			keep := func(e truthEvent) bool {
				return (q.Zone == "" || e.zone == q.Zone) && (q.Category == "" || e.category == q.Category) &&
					(q.Method == "" || string(e.method) == q.Method)
			}
			all, _ := w.count(store, from, to, keep)
			var got int64
			for _, r := range w.get(q) {
				k := key(q.By, r.Key)
				want, cents := w.count(store, from, to, func(e truthEvent) bool { return keep(e) && of(q.By, e) == k })
				if r.Events != want || math.Round(r.EstLoss*100) != float64(cents) {
					t.Errorf("%s by=%s zone=%q category=%q method=%q, %s: %d events, %.2f; want %d, %.2f",
						store, q.By, q.Zone, q.Category, q.Method, k, r.Events, r.EstLoss, want, float64(cents)/100)
				}
				got += r.Events
			}
			if got != all || all == 0 {
				t.Errorf("%s by=%s zone=%q category=%q method=%q: %d events in the rows, want %d (and some)",
					store, q.By, q.Zone, q.Category, q.Method, got, all)
			}
		}
	}
}
