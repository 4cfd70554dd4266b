package workforce

import (
	"math"
	"testing"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var allDay = ss.OpeningHours{"mon": {{"00:00", "24:00"}}, "tue": {{"00:00", "24:00"}}, "wed": {{"00:00", "24:00"}},
	"thu": {{"00:00", "24:00"}}, "fri": {{"00:00", "24:00"}}, "sat": {{"00:00", "24:00"}}, "sun": {{"00:00", "24:00"}}}

func find(t *testing.T, fs []HourForecast, date string, hour, nth int) HourForecast {
	t.Helper()
	for _, f := range fs {
		if f.Date == date && f.Hour == hour {
			if nth == 0 {
				return f
			}
			nth--
		}
	}
	t.Fatalf("no forecast for %s %02d:00", date, hour)
	return HourForecast{}
}

func TestForecastWeightsAndShortHistory(t *testing.T) {
	t.Parallel()
	loc := london(t)
	at := func(d string, h int) time.Time {
		day, _ := time.ParseInLocation(time.DateOnly, d, loc)
		return day.Add(time.Duration(h) * time.Hour)
	}
	// Three weeks of history (since Monday 1 June) on Mondays at 10:00:
	// 1, 2 and 4 events, 100, 100 and 200 visitors, £10 loss per event.
	h := History{Since: at("2026-06-01", 0), Facts: []HourFact{
		{Start: at("2026-06-01", 10), Events: 1, Detections: 2, Loss: 10, Visitors: 100},
		{Start: at("2026-06-08", 10), Events: 2, Detections: 2, Loss: 20, Visitors: 100},
		{Start: at("2026-06-15", 10), Events: 4, Detections: 5, Loss: 40, Visitors: 200},
	}}
	oh := ss.OpeningHours{"mon": {{"08:00", "20:00"}}, "tue": {{"08:30", "20:00"}}}
	fs := Forecast(h, loc, oh, at("2026-06-22", 0), nil, ForecastConfig{})
	if len(fs) != 168 {
		t.Fatalf("%d hours in a week without a clock change", len(fs))
	}
	// Weights 0.8² = 0.64, 0.8, 1 (oldest first): (0.64 + 1.6 + 4) / 2.44.
	f := find(t, fs, "2026-06-22", 10, 0)
	if f.Weeks != 3 || !near(f.Events, 6.24/2.44) || !near(f.Alerts, (1.28+1.6+5)/2.44) || f.Loss != 25.57 {
		t.Errorf("Monday 10:00: %+v", f)
	}
	// Open hours with no events forecast zero from the same three weeks.
	if f := find(t, fs, "2026-06-22", 9, 0); !f.Open || f.Events != 0 || f.Weeks != 3 {
		t.Errorf("Monday 09:00: %+v", f)
	}
	// Closed hours: nothing. Tuesday 08:00 is open for its last half hour.
	if f := find(t, fs, "2026-06-22", 20, 0); f.Open || f.Weeks != 0 {
		t.Errorf("Monday 20:00 is closed: %+v", f)
	}
	if f := find(t, fs, "2026-06-23", 8, 0); !f.Open {
		t.Errorf("Tuesday 08:00 is open from 08:30: %+v", f)
	}
	// With a footfall forecast: the weighted rate 6.24 / (64 + 80 + 200)
	// events per visitor times 344 visitors is 6.24.
	fv := Forecast(h, loc, oh, at("2026-06-22", 0), map[int64]float64{at("2026-06-22", 10).Unix(): 344}, ForecastConfig{})
	if f := find(t, fv, "2026-06-22", 10, 0); !near(f.Events, 6.24) {
		t.Errorf("footfall-adjusted Monday 10:00: %v, want 6.24", f.Events)
	}
}

func TestForecastAcrossClockChanges(t *testing.T) {
	t.Parallel()
	loc := london(t)
	day := func(d string) time.Time {
		x, _ := time.ParseInLocation(time.DateOnly, d, loc)
		return x
	}
	// The weeks holding the changes of 2026 (29 March, 25 October) have
	// 167 and 169 real hours.
	if n := len(WeekHours(day("2026-03-23"), loc)); n != 167 {
		t.Errorf("spring week has %d hours, want 167", n)
	}
	if n := len(WeekHours(day("2026-10-19"), loc)); n != 169 {
		t.Errorf("autumn week has %d hours, want 169", n)
	}
	// Sunday 01:00 on 29 March never happened: the week after learns from
	// seven of eight weeks for that hour.
	h := History{Since: day("2026-01-01")}
	fs := Forecast(h, loc, allDay, day("2026-03-30"), nil, ForecastConfig{})
	if f := find(t, fs, "2026-04-05", 1, 0); f.Weeks != 7 {
		t.Errorf("Sunday 01:00 after the spring change: %d weeks, want 7", f.Weeks)
	}
	if f := find(t, fs, "2026-04-05", 2, 0); f.Weeks != 8 {
		t.Errorf("Sunday 02:00: %d weeks, want 8", f.Weeks)
	}
	// 25 October's 01:00 happened twice (BST, then GMT), 3 and 5 events:
	// 4 per real hour. Each of the autumn week's two 01:00 hours forecasts
	// the previous Sunday's 01:00.
	first := time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC) // 01:00 BST
	h = History{Since: day("2026-10-01"), Facts: []HourFact{
		{Start: first, Events: 3}, {Start: first.Add(time.Hour), Events: 5}, // 01:00 GMT
		{Start: day("2026-10-18").Add(time.Hour), Events: 7},
	}}
	fs = Forecast(h, loc, allDay, day("2026-10-26"), nil, ForecastConfig{Weeks: 1})
	if f := find(t, fs, "2026-11-01", 1, 0); f.Events != 4 {
		t.Errorf("Sunday after the autumn change, 01:00: %v events, want 4", f.Events)
	}
	fs = Forecast(h, loc, allDay, day("2026-10-19"), nil, ForecastConfig{Weeks: 1})
	a, b := find(t, fs, "2026-10-25", 1, 0), find(t, fs, "2026-10-25", 1, 1)
	if a.Events != 7 || b.Events != 7 || !a.Start.Before(b.Start) {
		t.Errorf("the repeated hour: %+v and %+v, want 7 each", a, b)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }
