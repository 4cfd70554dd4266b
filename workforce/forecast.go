package workforce

import (
	"math"
	"time"

	ss "github.com/shrinkscope/shrinkscope"
)

// HourFact is one real hour of a store's history: the instant its local
// hour began and what happened in it. Hours without a row had nothing.
type HourFact struct {
	Start      time.Time
	Events     float64 // concealment events whose outcome is not false
	Detections float64 // every detection, false alarms included: the SOC's alerts
	Loss       float64 // expected loss (est_value of lost and open events)
	Visitors   float64 // entrance footfall
}

// History is what a forecast learns from: the facts by hour and the first
// instant data exists for (hours before it are not history, not zeros).
type History struct {
	Facts []HourFact
	Since time.Time
}

// ForecastConfig tunes the forecast; zero values take the defaults.
type ForecastConfig struct {
	// Weeks of history read for each hour of week. Default 8.
	Weeks int
	// Decay is the weight of each week relative to the one after it: the
	// last week weighs 1, the one before Decay, then Decay², … Default 0.8.
	Decay float64
}

func (c ForecastConfig) withDefaults() ForecastConfig {
	if c.Weeks <= 0 {
		c.Weeks = 8
	}
	if !(c.Decay > 0 && c.Decay <= 1) {
		c.Decay = 0.8
	}
	return c
}

// HourForecast is the forecast of one real hour of the coming week.
type HourForecast struct {
	Start      time.Time `json:"start"`        // the instant the local hour begins
	Date       string    `json:"date"`         // local date
	Hour       int       `json:"hour"`         // local clock hour
	HourOfWeek int       `json:"hour_of_week"` // Monday 00:00 local = 0
	Open       bool      `json:"open"`
	Events     float64   `json:"events"`
	Alerts     float64   `json:"alerts"`
	Loss       float64   `json:"loss"`
	Weeks      int       `json:"weeks"` // weeks of history behind the figure
}

// WeekStart returns the instant local Monday 00:00 of the ISO week holding
// local date day begins in loc.
func WeekStart(day time.Time, loc *time.Location) time.Time {
	y, m, d := day.Date()
	off := (int(day.Weekday()) + 6) % 7
	return time.Date(y, m, d-off, 0, 0, 0, 0, loc)
}

// WeekHours returns the instants that start the real hours of the local week
// beginning at start (local Monday midnight): 168 in most weeks, 167 or 169
// across a daylight-saving change, each on a whole local hour.
func WeekHours(start time.Time, loc *time.Location) []time.Time {
	y, m, d := start.In(loc).Date()
	end := time.Date(y, m, d+7, 0, 0, 0, 0, loc)
	var out []time.Time
	for t := start; t.Before(end); t = t.Add(time.Hour) {
		out = append(out, t)
	}
	return out
}

// OpenDuring reports whether the store is open at any minute of local clock
// hour h of weekday wd.
func OpenDuring(oh ss.OpeningHours, wd time.Weekday, h int) bool {
	for _, iv := range oh.Minutes(wd) {
		if iv[0] < (h+1)*60 && iv[1] > h*60 {
			return true
		}
	}
	return false
}

// slot is a local clock hour on a local date.
type slot struct {
	date string
	hour int
}

type slotSum struct {
	events, detections, loss, visitors float64
	n                                  int // real hours in the slot (2 on the repeated hour)
}

// Forecast returns expected events, alerts and loss for every real hour of
// the local week starting at start: for each hour, the recency-weighted mean
// of the same local weekday and clock hour over the last cfg.Weeks weeks
// that have data and were open then (a week's weight is Decay^(k−1) for the
// week k weeks back). The repeated hour of a daylight-saving change counts
// per real hour; an hour a week skipped is missing from that week, not zero.
// With visitors (a footfall forecast for some hours, keyed by the hour's
// start instant in Unix seconds) the figure is the weighted rate per visitor times the
// forecast visitors. Closed hours forecast zero.
func Forecast(h History, loc *time.Location, oh ss.OpeningHours, start time.Time, visitors map[int64]float64, cfg ForecastConfig) []HourForecast {
	cfg = cfg.withDefaults()
	sums := map[slot]*slotSum{}
	for _, f := range h.Facts {
		lt := f.Start.In(loc)
		k := slot{lt.Format(time.DateOnly), lt.Hour()}
		s := sums[k]
		if s == nil {
			s = &slotSum{}
			sums[k] = s
		}
		s.events += f.Events
		s.detections += f.Detections
		s.loss += f.Loss
		s.visitors += f.Visitors
	}
	hours := WeekHours(start, loc)
	out := make([]HourForecast, 0, len(hours))
	for _, t := range hours {
		lt := t.In(loc)
		f := HourForecast{Start: t, Date: lt.Format(time.DateOnly), Hour: lt.Hour(),
			HourOfWeek: ((int(lt.Weekday())+6)%7)*24 + lt.Hour(), Open: OpenDuring(oh, lt.Weekday(), lt.Hour())}
		if f.Open {
			forecastHour(&f, lt, loc, sums, h.Since, visitors, cfg)
		}
		out = append(out, f)
	}
	return out
}

func forecastHour(f *HourForecast, lt time.Time, loc *time.Location, sums map[slot]*slotSum, since time.Time,
	visitors map[int64]float64, cfg ForecastConfig) {
	var w, we, wd, wl, wv float64
	weight := 1.0
	for k := 1; k <= cfg.Weeks; k, weight = k+1, weight*cfg.Decay {
		y, m, d := lt.Date()
		day := time.Date(y, m, d-7*k, 0, 0, 0, 0, loc)
		n := realHours(day, lt.Hour(), loc)
		if n == 0 {
			continue // the clock skipped this hour that week
		}
		if hourEnd := time.Date(y, m, d-7*k, lt.Hour()+1, 0, 0, 0, loc); !hourEnd.After(since) {
			continue // before the data begins
		}
		s := sums[slot{day.Format(time.DateOnly), lt.Hour()}]
		if s == nil {
			s = &slotSum{}
		}
		per := 1 / float64(n)
		w += weight
		we += weight * s.events * per
		wd += weight * s.detections * per
		wl += weight * s.loss * per
		wv += weight * s.visitors * per
		f.Weeks++
	}
	if w == 0 {
		return
	}
	scale := 1 / w
	if v, ok := visitors[f.Start.Unix()]; ok && wv > 0 {
		scale = v / wv
	}
	f.Events = round6(we * scale)
	f.Alerts = round6(wd * scale)
	f.Loss = math.Round(wl*scale*100) / 100
}

// realHours counts the real hours whose local clock shows hour h on the
// local date of day: 1 normally, 0 when a change skips it, 2 when it repeats.
func realHours(day time.Time, h int, loc *time.Location) int {
	y, m, d := day.Date()
	n := 0
	// Every instant that could show that local hour lies within three hours
	// of the one time.Date picks; half-hour steps catch half-hour changes.
	base := time.Date(y, m, d, h, 0, 0, 0, loc)
	for off := -3 * time.Hour; off <= 3*time.Hour; off += 30 * time.Minute {
		t := base.Add(off).In(loc)
		ty, tm, td := t.Date()
		if t.Minute() == 0 && t.Hour() == h && ty == y && tm == m && td == d {
			n++
		}
	}
	return n
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
