package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	ss "github.com/shrinkscope/shrinkscope"
	"github.com/shrinkscope/shrinkscope/layout"
	"github.com/shrinkscope/shrinkscope/reports"
)

// implementOnPage is the layout page's "mark implemented" form for an
// accepted recommendation: it records the layout change (on the zones and
// of the kind the recommendation names) through the layout service, which
// marks the recommendation implemented in the same transaction.
func (s *Server) implementOnPage(c echo.Context) error {
	r, err := s.pageRecommendation(c)
	if err != nil {
		return err
	}
	ctx, code, id := c.Request().Context(), r.Store, r.ID
	if r.Status != layout.StatusAccepted {
		return ss.Errorf(ss.ECONFLICT, "recommendation", "recommendation %d is %s; accept it before marking it implemented", id, r.Status)
	}
	desc := c.FormValue("description")
	if desc == "" {
		desc = r.Rationale
	}
	in := layout.ChangeInput{Zones: r.Zones, ImplementedAt: c.FormValue("implemented_at"), Kind: r.Kind, Description: desc, Recommendation: &id}
	if _, err := s.layout.CreateChange(ctx, code, principal(c).Name, in); err != nil {
		return err
	}
	s.refreshRecommendations(c, code)
	return c.Redirect(http.StatusSeeOther, "/stores/"+url.PathEscape(code)+"/layout#rec-"+strconv.FormatInt(id, 10))
}

// beforeAfter is an evaluation's daily series as the before/after chart
// draws it: events per 1,000 visitors of the treated and the control zones,
// with the change's own date on the axis so that its mark has a place.
func beforeAfter(ch *layout.Change, ev *layout.Evaluation) *reports.Chart {
	if ev == nil || len(ev.Series) == 0 {
		return nil
	}
	type day struct{ te, tv, ce, cv int64 }
	days := map[string]*day{ch.ImplementedAt: {}}
	for _, r := range ev.Series {
		d := days[r.Date]
		if d == nil {
			d = &day{}
			days[r.Date] = d
		}
		if r.Group == "treated" {
			d.te, d.tv = d.te+r.Events, d.tv+r.Visitors
		} else {
			d.ce, d.cv = d.ce+r.Events, d.cv+r.Visitors
		}
	}
	keys := make([]string, 0, len(days))
	for k := range days {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rate := func(e, v int64) *float64 {
		if v == 0 {
			return nil
		}
		x := 1000 * float64(e) / float64(v)
		return &x
	}
	pts := make([]reports.BeforeAfterPoint, len(keys))
	for i, k := range keys {
		d := days[k]
		pts[i] = reports.BeforeAfterPoint{Day: k, Treated: rate(d.te, d.tv), Control: rate(d.ce, d.cv)}
	}
	at, err := time.Parse(time.DateOnly, ch.ImplementedAt)
	if err != nil {
		return nil
	}
	c := reports.BeforeAfterChart("ba-"+strconv.FormatInt(ch.ID, 10), pts, at)
	return &c
}
