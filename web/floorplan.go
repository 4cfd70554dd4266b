package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	ss "github.com/shrinkscope/shrinkscope"
)

// planZone is one zone of a floor plan with the figures it is coloured and
// labelled by.
type planZone struct {
	Code, Name, Category string
	Polygon              []ss.Point
	Index                *float64 // hotspot index; nil: no visitors counted
	Events               int64
	Rate                 *float64 // per 1,000 visitors
}

// indexColour is the risk colour of a hotspot index: green below the
// store's average (1), through a pale neutral at 1, to red at 2 and above.
// The same scale colours risk on every page.
func indexColour(v *float64) string {
	if v == nil {
		return "#d5d9e0"
	}
	x := math.Log2(math.Max(*v, 1e-3)) // −1 at 0.5, 0 at 1, +1 at 2
	x = math.Max(-1, math.Min(1, x))
	lo, mid, hi := [3]float64{46, 125, 50}, [3]float64{244, 241, 222}, [3]float64{198, 40, 40}
	from, to, t := mid, hi, x
	if x < 0 {
		from, to, t = mid, lo, -x
	}
	c := func(i int) int { return int(math.Round(from[i] + (to[i]-from[i])*t)) }
	return fmt.Sprintf("#%02x%02x%02x", c(0), c(1), c(2))
}

// floorPlanSVG draws the zones to scale, each filled by its hotspot index,
// with its figures in a tooltip and a link to its row of the zone table.
// The plan's y axis points down the page, as a printed store plan does.
func floorPlanSVG(zones []planZone) template.HTML {
	if len(zones) == 0 {
		return ""
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, z := range zones {
		for _, p := range z.Polygon {
			minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
			minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
		}
	}
	const width, pad = 640.0, 8.0
	scale := (width - 2*pad) / math.Max(maxX-minX, 1e-9)
	height := (maxY-minY)*scale + 2*pad
	px := func(p ss.Point) (float64, float64) {
		return pad + (p[0]-minX)*scale, pad + (p[1]-minY)*scale
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="plan" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="plan-title">`, width, height)
	b.WriteString(`<title id="plan-title">Floor plan coloured by hotspot index; the zone table below has the same figures</title>`)
	for _, z := range zones {
		var pts []string
		var cx, cy, area float64
		for i, p := range z.Polygon {
			x, y := px(p)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
			if i+1 < len(z.Polygon) { // shoelace centroid
				x2, y2 := px(z.Polygon[i+1])
				cr := x*y2 - x2*y
				area += cr
				cx += (x + x2) * cr
				cy += (y + y2) * cr
			}
		}
		tip := fmt.Sprintf("%s (%s) — %s: hotspot index %s, %s events, %s per 1,000 visitors",
			z.Name, z.Code, z.Category, fmtFixed(2, z.Index), fmtInt(z.Events), fmtFixed(2, z.Rate))
		fmt.Fprintf(&b, `<a href="#zone-%s"><polygon points="%s" fill="%s" data-zone="%s" data-index="%s"><title>%s</title></polygon>`,
			esc(z.Code), strings.Join(pts, " "), indexColour(z.Index), esc(z.Code), fmtFixed(2, z.Index), esc(tip))
		if area != 0 {
			cx, cy = cx/(3*area), cy/(3*area)
			if math.Abs(area)/2 > 1800 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, cx, cy+4, esc(z.Code))
			}
		}
		b.WriteString(`</a>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// esc escapes text for SVG content and attribute values.
func esc(s string) string { return template.HTMLEscapeString(s) }
