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

// pagePeriod reads from and to as the KPI API does (default: the last 30
// full days). Pages take dates only.
func pagePeriod(c echo.Context, now time.Time) (*period, error) {
	from, to, dates, err := parsePeriod(c, now)
	if err != nil {
		return nil, err
	}
	if !dates {
		return nil, ss.Errorf(ss.EINVALID, "from", "pages take dates (YYYY-MM-DD) for from and to")
	}
	p := &period{From: from, To: to, Days: int(to.Sub(from).Hours()/24) + 1, Query: url.Values{}}
	if p.Days > 3*366 {
		return nil, ss.Errorf(ss.EINVALID, "to", "a period is at most three years")
	}
	for k, v := range c.QueryParams() {
		if k != "from" && k != "to" {
			p.Query[k] = v
		}
	}
	y := now.UTC().AddDate(0, 0, -1)
	end := time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, time.UTC)
	for _, d := range presetDays {
		start := end.AddDate(0, 0, -d+1)
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
