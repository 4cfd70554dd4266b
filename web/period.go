package web

import (
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
)

// period is a page's reporting period: local dates, both inclusive, with
// the links and form of its picker.
type period struct {
	From, To time.Time
	Days     int
	Presets  []presetLink
	Query    url.Values // the request's other parameters, kept by the picker's form
}

// presetLink is one quick choice of the picker.
type presetLink struct {
	Label, Href string
	Active      bool
}

// presetDays are the picker's quick choices, each ending yesterday.
var presetDays = []int{7, 30, 90}

// queryPeriod reads the request's period under r: from and to, and days
// where r admits it, at the request's time.
func queryPeriod(c echo.Context, r ss.PeriodRules) (ss.Period, error) {
	days := ""
	if r.Days {
		days = c.QueryParam("days")
	}
	return ss.ParsePeriod(c.QueryParam("from"), c.QueryParam("to"), days, time.Now(), r)
}

// pagePeriod reads from and to as the KPI API does (default: the last 30
// full days ending yesterday in loc, nil for UTC). Pages take dates only.
func pagePeriod(c echo.Context, now time.Time, loc *time.Location) (*period, error) {
	per, err := ss.ParsePeriod(c.QueryParam("from"), c.QueryParam("to"), "", now, ss.PeriodRules{DatesOnly: true, Location: loc})
	if err != nil {
		return nil, err
	}
	from, to := per.From, per.To
	p := &period{From: from, To: to, Days: per.Days(), Query: url.Values{}}
	for k, v := range c.QueryParams() {
		if k != "from" && k != "to" {
			p.Query[k] = v
		}
	}
	for _, d := range presetDays {
		last := ss.LastDays(now, loc, d)
		start, end := last.From, last.To
		p.Presets = append(p.Presets, presetLink{
			Label:  "Last " + itoa(d) + " days",
			Href:   c.Request().URL.Path + "?" + p.with(start, end),
			Active: from.Equal(start) && to.Equal(end),
		})
	}
	return p, nil
}

// with is the query string of the page for another period.
func (p *period) with(from, to time.Time) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	q.Set("from", from.Format(time.DateOnly))
	q.Set("to", to.Format(time.DateOnly))
	return q.Encode()
}

// Params is the query string that keeps the period on links to other pages.
func (p *period) Params() string {
	q := url.Values{}
	q.Set("from", p.From.Format(time.DateOnly))
	q.Set("to", p.To.Format(time.DateOnly))
	return q.Encode()
}

func itoa(n int) string { return fmtInt(n) }
