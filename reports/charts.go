package reports

import (
	"fmt"
	"html/template"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// Chart is a rendered chart snippet for a page or a report: an element to
// place, and a script that draws into it once ECharts is loaded.
type Chart struct {
	ID      string
	Title   string
	Element template.HTML
	Script  template.HTML
	Option  string // the ECharts option as JSON
}

// TrendPoint is one day of the events trend.
type TrendPoint struct {
	Day       string // YYYY-MM-DD
	Events    int64
	RatePer1k *float64 // nil when no visitors were counted
}

// OutcomeMix is one operating model's counts by outcome class.
type OutcomeMix struct {
	Model                                       string
	Recovered, Lost, FalsePositive, Open, Total int64
}

// ZoneValue is one zone's figure in a ranking.
type ZoneValue struct {
	Zone  string
	Value float64
}

// BeforeAfterPoint is one day of treated and control zones' rates.
type BeforeAfterPoint struct {
	Day              string
	Treated, Control *float64
}

// StaffHour is one hour of a staffing plan.
type StaffHour struct {
	Hour                string // label, e.g. "Mon 09"
	Required, Scheduled float64
}

// renderable is a go-echarts chart.
type renderable interface{ RenderSnippet() render.ChartSnippet }

func initOpts(id, title string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: "320px", AssetsHost: AssetsHost}),
		charts.WithTitleOpts(opts.Title{Title: title}),
		// Drawn at once: a report is read, and tested, as a finished page.
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
	}
}

func snippet(id, title string, c renderable) Chart {
	s := c.RenderSnippet()
	return Chart{ID: id, Title: title, Element: template.HTML(s.Element), Script: template.HTML(s.Script), Option: s.Option}
}

func num(p *float64) any {
	if p == nil {
		return "-" // ECharts' gap
	}
	return *p
}

// TrendChart draws events per day (bars) and the rate per 1,000 visitors (line).
func TrendChart(id string, pts []TrendPoint) Chart {
	const title = "Events and rate per 1,000 visitors"
	c := charts.NewBar()
	c.SetGlobalOptions(initOpts(id, title)...)
	days := make([]string, len(pts))
	ev := make([]opts.BarData, len(pts))
	rate := make([]opts.LineData, len(pts))
	for i, p := range pts {
		days[i] = p.Day
		ev[i] = opts.BarData{Value: p.Events}
		rate[i] = opts.LineData{Value: num(p.RatePer1k)}
	}
	c.SetXAxis(days).AddSeries("events", ev)
	c.ExtendYAxis(opts.YAxis{Name: "per 1k", Position: "right"})
	line := charts.NewLine()
	line.SetXAxis(days).AddSeries("rate per 1,000 visitors", rate, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}))
	c.Overlap(line)
	return snippet(id, title, c)
}

// OutcomeMixChart draws each operating model's outcomes as shares of its events (stacked bars).
func OutcomeMixChart(id string, mix []OutcomeMix) Chart {
	const title = "Outcome mix by operating model (%)"
	c := charts.NewBar()
	c.SetGlobalOptions(initOpts(id, title)...)
	models := make([]string, len(mix))
	series := map[string][]opts.BarData{}
	names := []string{"recovered", "lost", "false positive", "open"}
	for i, m := range mix {
		models[i] = m.Model
		for k, v := range []int64{m.Recovered, m.Lost, m.FalsePositive, m.Open} {
			share := 0.0
			if m.Total > 0 {
				share = float64(int64(10000*float64(v)/float64(m.Total)+0.5)) / 100
			}
			series[names[k]] = append(series[names[k]], opts.BarData{Value: share})
		}
	}
	c.SetXAxis(models)
	for _, n := range names {
		c.AddSeries(n, series[n], charts.WithBarChartOpts(opts.BarChart{Stack: "mix"}))
	}
	return snippet(id, title, c)
}

var weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// HourOfWeekChart draws events by local hour of week (Monday 00:00 = 0) as a heatmap.
func HourOfWeekChart(id string, counts [168]float64) Chart {
	const title = "Events by local hour of week"
	hours := make([]string, 24)
	for h := range hours {
		hours[h] = fmt.Sprintf("%02d", h)
	}
	c := charts.NewHeatMap()
	c.SetGlobalOptions(append(initOpts(id, title), charts.WithVisualMapOpts(opts.VisualMap{
		Calculable: opts.Bool(true), Min: 0, Max: float32(maxOf(counts[:])), Orient: "horizontal", Left: "center", Bottom: "0",
	}), charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: hours}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: weekdays}))...)
	data := make([]opts.HeatMapData, 0, 168)
	for how, v := range counts {
		data = append(data, opts.HeatMapData{Value: [3]any{how % 24, how / 24, v}})
	}
	c.AddSeries("events", data)
	return snippet(id, title, c)
}

func maxOf(xs []float64) float64 {
	m := 1.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// ZoneRankingChart draws zones by a figure, highest first (horizontal bars).
func ZoneRankingChart(id, title string, zones []ZoneValue) Chart {
	c := charts.NewBar()
	c.SetGlobalOptions(append(initOpts(id, title), charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value"}))...)
	names := make([]string, len(zones))
	vals := make([]opts.BarData, len(zones))
	for i, z := range zones {
		names[i], vals[i] = z.Zone, opts.BarData{Value: z.Value}
	}
	c.SetXAxis(names).AddSeries(title, vals)
	c.XYReversal()
	return snippet(id, title, c)
}

// BeforeAfterChart draws treated and control zones' daily rates with the change date marked.
func BeforeAfterChart(id string, pts []BeforeAfterPoint, change time.Time) Chart {
	const title = "Before and after the layout change"
	c := charts.NewLine()
	c.SetGlobalOptions(initOpts(id, title)...)
	days := make([]string, len(pts))
	tr := make([]opts.LineData, len(pts))
	co := make([]opts.LineData, len(pts))
	for i, p := range pts {
		days[i], tr[i], co[i] = p.Day, opts.LineData{Value: num(p.Treated)}, opts.LineData{Value: num(p.Control)}
	}
	mark := change.Format(time.DateOnly)
	c.SetXAxis(days).
		AddSeries("treated", tr, charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "change " + mark, XAxis: mark})).
		AddSeries("control", co)
	return snippet(id, title, c)
}

// StaffingChart draws required against scheduled staff per hour.
func StaffingChart(id string, hours []StaffHour) Chart {
	const title = "Required and scheduled staff"
	c := charts.NewBar()
	c.SetGlobalOptions(initOpts(id, title)...)
	labels := make([]string, len(hours))
	req := make([]opts.BarData, len(hours))
	sch := make([]opts.LineData, len(hours))
	for i, h := range hours {
		labels[i], req[i], sch[i] = h.Hour, opts.BarData{Value: h.Required}, opts.LineData{Value: h.Scheduled}
	}
	c.SetXAxis(labels).AddSeries("required", req)
	line := charts.NewLine()
	line.SetXAxis(labels).AddSeries("scheduled", sch, charts.WithLineChartOpts(opts.LineChart{Step: "end"}))
	c.Overlap(line)
	return snippet(id, title, c)
}
