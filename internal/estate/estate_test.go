package estate

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	ss "github.com/shrinkscope/shrinkscope"
)

var testEnd = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// fixture is one generated estate with every store's facts kept apart.
type fixture struct {
	e     *Estate
	facts []Collector
}

func generate(t testing.TB, cfg Config) *fixture {
	t.Helper()
	f := &fixture{e: New(cfg)}
	f.facts = make([]Collector, len(f.e.Stores))
	var wg sync.WaitGroup
	errs := make([]error, len(f.e.Stores))
	for i := range f.e.Stores {
		wg.Go(func() { errs[i] = f.e.Stream(i, &f.facts[i]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return f
}

// big is the shared estate of the statistical tests: 6 stores × 120 days,
// which covers all three operating models and at least one layout change.
var bigOnce sync.Once
var bigFix *fixture

func big(t *testing.T) *fixture {
	bigOnce.Do(func() { bigFix = generate(t, Config{Seed: 7, Stores: 6, Days: 120, End: testEnd}) })
	if bigFix == nil {
		t.Fatal("big fixture failed")
	}
	return bigFix
}

// digest is a canonical dump of every fact, for byte-for-byte comparison.
func digest(f *fixture) string {
	h := sha256.New()
	for i := range f.facts {
		c := &f.facts[i]
		for _, x := range c.Footfalls {
			fmt.Fprintf(h, "F %s %s %s %d\n", x.Store, x.Zone, x.Hour.Format(time.RFC3339Nano), x.Visitors)
		}
		for _, x := range c.Events {
			fmt.Fprintf(h, "E %s %s %s %s %s %s %v %s %s %v\n", x.ID, x.Store, x.Zone, x.Camera, x.Track, x.OccurredAt.Format(time.RFC3339Nano), x.Score, x.Method, x.Category, x.EstValue)
		}
		for _, x := range c.Outcomes {
			fmt.Fprintf(h, "O %s %s %s", x.EventID, x.Kind, x.At.Format(time.RFC3339Nano))
			if x.RespondedAt != nil {
				io.WriteString(h, " r="+x.RespondedAt.Format(time.RFC3339Nano))
			}
			if x.ValueRecovered != nil {
				fmt.Fprintf(h, " v=%v", *x.ValueRecovered)
			}
			io.WriteString(h, "\n")
		}
		for _, x := range c.Sales {
			fmt.Fprintf(h, "S %s %s %v\n", x.Store, x.Day.Format(time.DateOnly), x.Amount)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 42, Stores: 3, Days: 14, End: testEnd}
	a, b := generate(t, cfg), generate(t, cfg)
	if !reflect.DeepEqual(a.e, b.e) || !reflect.DeepEqual(a.facts, b.facts) {
		t.Fatal("same config gave different estates or facts")
	}
	if digest(a) != digest(b) {
		t.Fatal("same config gave different bytes")
	}
	cfg.Seed = 43
	c := generate(t, cfg)
	if digest(a) == digest(c) {
		t.Fatal("different seeds gave identical facts")
	}
	// A store depends on (Seed, index) only, not on how many stores there are.
	wide := generate(t, Config{Seed: 42, Stores: 5, Days: 14, End: testEnd})
	if !reflect.DeepEqual(a.facts[2], wide.facts[2]) || !reflect.DeepEqual(a.e.Stores[2], wide.e.Stores[2]) {
		t.Fatal("store 2 changed with the number of stores")
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	e := New(Config{})
	c := e.Config
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if c.Seed != 1 || c.Stores != 12 || c.Days != 120 || len(e.Stores) != 12 {
		t.Fatalf("defaults: %+v, %d stores", c, len(e.Stores))
	}
	if d := c.End.Sub(today); d != 0 && d != -24*time.Hour { // the test may straddle midnight
		t.Fatalf("End = %v, want today 00:00 UTC %v", c.End, today)
	}
	zones := map[string]bool{}
	models := map[ss.OperatingModel]bool{}
	for i := range e.Stores {
		zones[e.Stores[i].Timezone] = true
		models[e.Stores[i].OperatingModel] = true
	}
	for _, tz := range []string{"Europe/London", "America/New_York", "Europe/Berlin", "America/Los_Angeles", "Australia/Sydney", "Asia/Kolkata"} {
		if !zones[tz] {
			t.Errorf("default estate lacks a store in %s", tz)
		}
	}
	if len(models) != 3 {
		t.Errorf("default estate has models %v, want all three", models)
	}
	if n := len(e.Changes); n < 1 || n > 8 {
		t.Errorf("%d layout changes in 12 stores, want about a third", n)
	}
}

func TestEveryModelFromThreeStores(t *testing.T) {
	t.Parallel()
	for seed := int64(1); seed <= 20; seed++ {
		e := New(Config{Seed: seed, Stores: 3, Days: 10, End: testEnd})
		got := map[ss.OperatingModel]bool{}
		for i := range e.Stores {
			got[e.Stores[i].OperatingModel] = true
		}
		if len(got) != 3 || len(e.Changes) < 1 {
			t.Fatalf("seed %d: models %v, %d changes", seed, got, len(e.Changes))
		}
	}
}

// TestStoresAndZones checks 300 stores (New only, no facts).
func TestStoresAndZones(t *testing.T) {
	t.Parallel()
	e := New(Config{Seed: 3, Stores: 300, Days: 30, End: testEnd})
	codes := map[string]bool{}
	changes := 0
	// Typical unit values (hand-set): the generated ones scatter around them.
	typical := map[string]float64{"razors": 25, "spirits": 30, "electronics": 80, "confectionery": 3}
	for i := range e.Stores {
		s := &e.Stores[i]
		if err := s.Validate(); err != nil {
			t.Fatalf("%s: %v", s.Code, err)
		}
		if codes[s.Code] {
			t.Fatalf("store code %s repeats", s.Code)
		}
		codes[s.Code] = true
		for _, v := range []float64{s.Profile.UrbanDensity, s.Profile.TheftIndex, s.Profile.StaffingCapacity} {
			if v < 0.3 || v > 2.5 {
				t.Fatalf("%s: profile %+v outside 0.3–2.5", s.Code, s.Profile)
			}
		}
		if n := len(s.Zones); n < 8 || n > 20 || len(s.ZoneRisk) != n || len(s.ZoneTraffic) != n {
			t.Fatalf("%s: %d zones, %d risks, %d traffic shares", s.Code, n, len(s.ZoneRisk), len(s.ZoneTraffic))
		}
		zc := map[string]bool{}
		type box struct{ x0, y0, x1, y1 float64 }
		var boxes []box
		for z := range s.Zones {
			zn := &s.Zones[z]
			if err := zn.Validate(); err != nil {
				t.Fatalf("%s %s: %v", s.Code, zn.Code, err)
			}
			if zc[zn.Code] {
				t.Fatalf("%s: zone code %s repeats", s.Code, zn.Code)
			}
			zc[zn.Code] = true
			if want, ok := typical[zn.Category]; ok && (zn.UnitValue < want/2 || zn.UnitValue > want*2) {
				t.Errorf("%s %s: %s unit value %v, typical %v", s.Code, zn.Code, zn.Category, zn.UnitValue, want)
			}
			if s.ZoneRisk[z] <= 0 || s.ZoneTraffic[z] <= 0 || s.ZoneTraffic[z] > 1 {
				t.Fatalf("%s %s: risk %v traffic %v", s.Code, zn.Code, s.ZoneRisk[z], s.ZoneTraffic[z])
			}
			p := zn.Polygon
			if len(p) != 5 || p[0] != p[4] || p[0][1] != p[1][1] || p[1][0] != p[2][0] || p[2][1] != p[3][1] || p[3][0] != p[0][0] {
				t.Fatalf("%s %s: not an axis-aligned rectangle: %v", s.Code, zn.Code, p)
			}
			b := box{math.Min(p[0][0], p[2][0]), math.Min(p[0][1], p[2][1]), math.Max(p[0][0], p[2][0]), math.Max(p[0][1], p[2][1])}
			if b.x0 < 0 || b.y0 < 0 || b.x1 > s.FloorWidth || b.y1 > s.FloorDepth {
				t.Fatalf("%s %s: %v outside the %v×%v floor", s.Code, zn.Code, b, s.FloorWidth, s.FloorDepth)
			}
			for _, o := range boxes {
				w := math.Min(b.x1, o.x1) - math.Max(b.x0, o.x0)
				h := math.Min(b.y1, o.y1) - math.Max(b.y0, o.y0)
				if w > 0 && h > 0 {
					t.Fatalf("%s %s: %v overlaps %v", s.Code, zn.Code, b, o)
				}
			}
			boxes = append(boxes, b)
		}
		if s.Change >= 0 {
			changes++
		}
	}
	if changes < 60 || changes > 140 {
		t.Errorf("%d of 300 stores have a layout change, want about a third", changes)
	}
}

func TestFootfallHours(t *testing.T) {
	t.Parallel()
	f := big(t)
	for i := range f.e.Stores {
		s := &f.e.Stores[i]
		loc := s.Loc()
		from, _ := f.e.Window(i)
		entrance := map[time.Time]int64{}
		seen := map[string]bool{}
		for _, x := range f.facts[i].Footfalls {
			lt := x.Hour.In(loc)
			switch {
			case x.Hour.Location() != time.UTC:
				t.Fatalf("%s: hour %v not in UTC", s.Code, x.Hour)
			case !ss.OnLocalHour(x.Hour, loc):
				t.Fatalf("%s: %v is not a whole local hour", s.Code, lt)
			case !s.OpeningHours.OpenAt(lt.Weekday(), lt.Hour()*60):
				t.Fatalf("%s: footfall at %v while closed", s.Code, lt)
			case x.Hour.Before(from) || !x.Hour.Add(time.Hour).After(x.Hour) || x.Hour.Add(time.Hour).After(f.e.Config.End):
				t.Fatalf("%s: hour %v outside [%v, %v)", s.Code, x.Hour, from, f.e.Config.End)
			case lt.Month() == time.December && lt.Day() == 25:
				t.Fatalf("%s: open on Christmas Day", s.Code)
			}
			key := x.Zone + "@" + x.Hour.String()
			if seen[key] {
				t.Fatalf("%s: two rows for %s", s.Code, key)
			}
			seen[key] = true
			if x.Zone == "" {
				entrance[x.Hour] = x.Visitors
			} else if v, ok := entrance[x.Hour]; !ok || x.Visitors > v {
				t.Fatalf("%s %s %v: %d zone visitors, entrance %d (present %v)", s.Code, x.Zone, x.Hour, x.Visitors, v, ok)
			}
		}
		if want := len(entrance) * (1 + len(s.Zones)); len(f.facts[i].Footfalls) != want {
			t.Fatalf("%s: %d footfall rows, want %d entrance hours × (1 + %d zones)", s.Code, len(f.facts[i].Footfalls), len(entrance), len(s.Zones))
		}
		if s.Timezone == "Asia/Kolkata" {
			for h := range entrance {
				if h.Minute() != 30 {
					t.Fatalf("%s: Kolkata hour %v should start at :30 UTC", s.Code, h)
				}
			}
		}
	}
}

// TestDST counts the open hours of 24-hour stores around daylight-saving
// changes: 23 on the spring-forward day, 25 on the fall-back day.
func TestDST(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		end   time.Time
		store int // 0: London, 1: New York; both open 00:00–24:00
		date  string
		want  int
	}{
		{"London spring", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 0, "2026-03-29", 23},
		{"New York spring", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 1, "2026-03-08", 23},
		{"London autumn", time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC), 0, "2026-10-25", 25},
		{"New York autumn", time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC), 1, "2026-11-01", 25},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := New(Config{Seed: 5, Stores: 2, Days: 30, End: tc.end})
			s := &e.Stores[tc.store]
			for _, wd := range ss.Weekdays {
				if h := s.OpeningHours[wd]; len(h) != 1 || h[0] != [2]string{"00:00", "24:00"} {
					t.Fatalf("%s is not open 24 hours on %s: %v", s.Code, wd, h)
				}
			}
			var c Collector
			if err := e.Stream(tc.store, &c); err != nil {
				t.Fatal(err)
			}
			perDay := map[string]int{}
			repeats := map[int]int{}
			for _, x := range c.Footfalls {
				if x.Zone != "" {
					continue
				}
				lt := x.Hour.In(s.Loc())
				perDay[lt.Format(time.DateOnly)]++
				if lt.Format(time.DateOnly) == tc.date {
					repeats[lt.Hour()]++
				}
			}
			if len(perDay) != 30 || perDay[tc.date] == 0 {
				t.Fatalf("%d local days (want 30), %s has %d hours", len(perDay), tc.date, perDay[tc.date])
			}
			for d, n := range perDay {
				want := 24
				if d == tc.date {
					want = tc.want
				}
				if n != want {
					t.Errorf("%s: %d entrance hours, want %d", d, n, want)
				}
			}
			if tc.want == 25 && repeats[1] != 2 {
				t.Errorf("local 01:00 appears %d times on %s, want 2", repeats[1], tc.date)
			}
			if tc.want == 23 && len(repeats) != 23 {
				t.Errorf("%d distinct local hours on %s, want 23", len(repeats), tc.date)
			}
		})
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	f := big(t)
	ids := map[uuid.UUID]bool{}
	for i := range f.e.Stores {
		s := &f.e.Stores[i]
		for _, ev := range f.facts[i].Events {
			id, err := uuid.Parse(ev.ID.String())
			if err != nil || id != ev.ID || id.Version() != 7 || id.Variant() != uuid.RFC4122 {
				t.Fatalf("id %s: version %d variant %v err %v", ev.ID, id.Version(), id.Variant(), err)
			}
			var ms int64
			for _, b := range id[:6] {
				ms = ms<<8 | int64(b)
			}
			sec, nsec := id.Time().UnixTime()
			if ms != ev.OccurredAt.UnixMilli() || sec*1000+nsec/1e6 != ms || ev.OccurredAt.Nanosecond()%1e6 != 0 {
				t.Fatalf("id %s: timestamp %d ms, occurred_at %v", id, ms, ev.OccurredAt)
			}
			if ids[id] {
				t.Fatalf("id %s repeats", id)
			}
			ids[id] = true
			z := s.ZoneIndex(ev.Zone)
			lt := ev.OccurredAt.In(s.Loc())
			switch {
			case ev.Store != s.Code || z < 0:
				t.Fatalf("event %s: store %q zone %q", id, ev.Store, ev.Zone)
			case !ev.OccurredAt.Before(f.e.Config.End) || !s.OpeningHours.OpenAt(lt.Weekday(), lt.Hour()*60):
				t.Fatalf("event %s at %v: after End or while closed", id, lt)
			case ev.Score < 0.5 || ev.Score > 0.99 || !ev.Method.Valid():
				t.Fatalf("event %s: score %v method %q", id, ev.Score, ev.Method)
			case ev.Category != "" && ev.Category != s.Zones[z].Category:
				t.Fatalf("event %s: category %q in a %s zone", id, ev.Category, s.Zones[z].Category)
			case ev.Camera == "" || ev.Track == "" || len(ev.Track) > 64:
				t.Fatalf("event %s: camera %q track %q", id, ev.Camera, ev.Track)
			}
			if ev.EstValue != -1 {
				q := ev.EstValue / s.Zones[z].UnitValue
				if math.Abs(q-math.Round(q)) > 0.01 || q < 0.99 || q > 3.01 {
					t.Fatalf("event %s: est_value %v is not 1–3 × unit value %v", id, ev.EstValue, s.Zones[z].UnitValue)
				}
			}
		}
	}
}
