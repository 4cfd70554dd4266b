package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/shrinkscope/shrinkscope/kpi"
)

// trendWeek is one week of the estate's trend, this period's against the
// previous period's week in the same place: the periods have the same
// length, so the i-th week of one lines up with the i-th of the other
// (when a Monday cuts one period into a piece more than the other, the
// last week has only one side).
type trendWeek struct {
	From, To         time.Time // this period's days of the week (a week at an end is cut to the period)
	Events           int64
	Loss             float64
	HasCur           bool
	PrevFrom, PrevTo time.Time // zero when the previous period has no such week
	PrevEvents       int64
	PrevLoss         float64
	HasPrev          bool
}

// periodWeeks splits the local dates [from, to] at each Monday, as the KPI
// rollups' ISO weeks do: [first day, last day] of each part.
func periodWeeks(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	for d := from; !d.After(to); {
		end := d.AddDate(0, 0, (7-int(d.Weekday()))%7) // that week's Sunday
		if end.After(to) {
			end = to
		}
		out = append(out, [2]time.Time{d, end})
		d = end.AddDate(0, 0, 1)
	}
	return out
}

// mondayOf is the ISO week start of a date, the key of a by-week KPI row.
func mondayOf(d time.Time) string {
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)).Format(time.DateOnly)
}

// estateTrend pairs the weeks of the period [from, to] with those of the
// previous period [pfrom, pto] from their by-week KPI rows.
func estateTrend(from, to, pfrom, pto time.Time, cur, prev []kpi.Row) []trendWeek {
	byWeek := func(rows []kpi.Row) map[string]*kpi.Row {
		m := map[string]*kpi.Row{}
		for i := range rows {
			m[rows[i].Key.Week] = &rows[i]
		}
		return m
	}
	c, p := byWeek(cur), byWeek(prev)
	cw, pw := periodWeeks(from, to), periodWeeks(pfrom, pto)
	out := make([]trendWeek, 0, max(len(cw), len(pw)))
	for i := range max(len(cw), len(pw)) {
		var t trendWeek
		if i < len(cw) {
			t.From, t.To, t.HasCur = cw[i][0], cw[i][1], true
			if r := c[mondayOf(cw[i][0])]; r != nil {
				t.Events, t.Loss = r.Events, r.EstLoss
			}
		}
		if i < len(pw) {
			t.PrevFrom, t.PrevTo, t.HasPrev = pw[i][0], pw[i][1], true
			if r := p[mondayOf(pw[i][0])]; r != nil {
				t.PrevEvents, t.PrevLoss = r.Events, r.EstLoss
			}
		}
		out = append(out, t)
	}
	return out
}

// dayRange writes a week's days as "3–9 Aug" (or "29 Jul – 4 Aug", "3 Aug").
func dayRange(a, b time.Time) string {
	switch {
	case a.Equal(b):
		return a.Format("2 Jan")
	case a.Month() == b.Month():
		return a.Format("2") + "–" + b.Format("2 Jan")
	}
	return a.Format("2 Jan") + " – " + b.Format("2 Jan")
}

// weekTrendSVG draws one figure of the trend by week: this period's weeks
// as bars, the previous period's as a dashed line over them.
func weekTrendSVG(weeks []trendWeek, label string, value func(trendWeek) (cur, prev float64), format func(any) string) template.HTML {
	if len(weeks) == 0 {
		return ""
	}
	const w, h, left, right, top, bottom = 720.0, 200.0, 64.0, 12.0, 12.0, 26.0
	top0 := 0.0
	for _, wk := range weeks {
		c, p := value(wk)
		top0 = math.Max(top0, math.Max(c, p))
	}
	top0 = niceCeil(top0)
	plotW, plotH := w-left-right, h-top-bottom
	bw := plotW / float64(len(weeks))
	y := func(v float64) float64 {
		if top0 <= 0 {
			return top + plotH
		}
		return top + plotH - plotH*v/top0
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend weeks" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s by week: this period (bars) and the previous period (dashed line); the table below has the same figures">`, w, h, esc(label))
	for i := 0; i <= 4; i++ {
		v := top0 * float64(4-i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left-6, y(v)+4, format(v))
	}
	var line []string
	for i, wk := range weeks {
		c, p := value(wk)
		x := left + float64(i)*bw
		if wk.HasCur {
			fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
				x+bw*0.15, y(c), bw*0.7, top+plotH-y(c), dayRange(wk.From, wk.To), format(c))
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+bw/2, h-8, wk.From.Format("2 Jan"))
		}
		if wk.HasPrev {
			cx := x + bw/2
			line = append(line, fmt.Sprintf("%.1f,%.1f", cx, y(p)))
			fmt.Fprintf(&b, `<circle class="prev" cx="%.1f" cy="%.1f" r="3"><title>previous period, %s: %s</title></circle>`, cx, y(p), dayRange(wk.PrevFrom, wk.PrevTo), format(p))
		}
	}
	if len(line) > 1 {
		fmt.Fprintf(&b, `<polyline class="prev" points="%s"/>`, strings.Join(line, " "))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
