package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Server-side SVG charts: drawn in Go, so they need no script and show the
// same figures as the tables beside them.

// weekdayNames label the rows of the hour-of-week heatmap, Monday first as
// the rollups count hour_of_week.
var weekdayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// heatColour shades v/max from white to the risk red.
func heatColour(v, max float64) string {
	if max <= 0 || v <= 0 {
		return "#f4f5f7"
	}
	t := math.Sqrt(math.Min(v/max, 1)) // square root: the quiet hours stay visible
	c := func(a, b float64) int { return int(math.Round(a + (b-a)*t)) }
	return fmt.Sprintf("#%02x%02x%02x", c(255, 183), c(236, 28), c(214, 28))
}

// heatmapSVG draws 7 × 24 cells of events by local hour of week.
func heatmapSVG(cells *[168]int64) template.HTML {
	var max int64
	for _, v := range cells {
		max = int64(math.Max(float64(max), float64(v)))
	}
	const left, top, cw, ch = 40.0, 18.0, 24.0, 22.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="heat" viewBox="0 0 %.0f %.0f" role="img" aria-label="Events by local hour of week; the table below has the same counts">`,
		left+24*cw+4, top+7*ch+4)
	for h := 0; h < 24; h += 3 {
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="12">%02d</text>`, left+float64(h)*cw+2, h)
	}
	for d := 0; d < 7; d++ {
		fmt.Fprintf(&b, `<text class="axis" x="0" y="%.1f">%s</text>`, top+float64(d)*ch+15, weekdayNames[d])
		for h := 0; h < 24; h++ {
			v := cells[d*24+h]
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %02d:00–%02d:59: %s events</title></rect>`,
				left+float64(h)*cw, top+float64(d)*ch, cw-2, ch-2, heatColour(float64(v), float64(max)), weekdayNames[d], h, h, fmtInt(v))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// dayPoint is one day of a trend.
type dayPoint struct {
	Day    string
	Events int64
	Rate   *float64
}

// trendSVG draws events per day as bars and the rate per 1,000 visitors as
// a line on its own scale.
func trendSVG(days []dayPoint) template.HTML {
	if len(days) == 0 {
		return ""
	}
	const w, h, left, right, top, bottom = 720.0, 220.0, 44.0, 44.0, 12.0, 26.0
	var maxE float64
	maxR := 0.0
	for _, d := range days {
		maxE = math.Max(maxE, float64(d.Events))
		if d.Rate != nil {
			maxR = math.Max(maxR, *d.Rate)
		}
	}
	maxE, maxR = niceCeil(maxE), niceCeil(maxR)
	plotW, plotH := w-left-right, h-top-bottom
	bw := plotW / float64(len(days))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" viewBox="0 0 %.0f %.0f" role="img" aria-label="Events per day (bars) and rate per 1,000 visitors (line); the table below has the same figures">`, w, h)
	for i := 0; i <= 4; i++ {
		y := top + plotH*float64(i)/4
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, w-right, y, y)
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, left-6, y+4, fmtInt(maxE*float64(4-i)/4))
		if maxR > 0 {
			fmt.Fprintf(&b, `<text class="axis rate" x="%.1f" y="%.1f">%s</text>`, w-right+6, y+4, tick(maxR*float64(4-i)/4))
		}
	}
	var line []string
	step := max(1, len(days)/6)
	for i, d := range days {
		x := left + float64(i)*bw
		bh := 0.0
		if maxE > 0 {
			bh = plotH * float64(d.Events) / maxE
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s events, %s per 1,000 visitors</title></rect>`,
			x+bw*0.12, top+plotH-bh, bw*0.76, bh, d.Day, fmtInt(d.Events), fmtFixed(2, d.Rate))
		if d.Rate != nil && maxR > 0 {
			line = append(line, fmt.Sprintf("%.1f,%.1f", x+bw/2, top+plotH-plotH**d.Rate/maxR))
		}
		if i%step == 0 {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+bw/2, h-8, d.Day[5:])
		}
	}
	if len(line) > 1 {
		fmt.Fprintf(&b, `<polyline class="rate" points="%s"/>`, strings.Join(line, " "))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// tick formats an axis value with only the decimals it needs.
func tick(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p+1e-9*p {
			return m * p
		}
	}
	return 10 * p
}

// mixPart is one slice of an outcome mix.
type mixPart struct {
	Label, Class string
	Count        int64
}

// mixSVG draws the outcome mix as one stacked bar, each part in its class colour.
func mixSVG(parts []mixPart) template.HTML {
	var total int64
	for _, p := range parts {
		total += p.Count
	}
	if total == 0 {
		return ""
	}
	const w, h = 720.0, 34.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="mix" viewBox="0 0 %.0f %.0f" role="img" aria-label="Outcome mix; the table beside it has the same counts">`, w, h)
	x := 0.0
	for _, p := range parts {
		pw := w * float64(p.Count) / float64(total)
		if pw > 0 {
			fmt.Fprintf(&b, `<rect class="%s" x="%.2f" y="0" width="%.2f" height="%.0f"><title>%s: %s (%s)</title></rect>`,
				esc(p.Class), x, pw, h, esc(p.Label), fmtInt(p.Count), fmtPct(float64(p.Count)/float64(total)))
		}
		x += pw
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
