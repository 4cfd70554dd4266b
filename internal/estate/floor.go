package estate

import (
	"fmt"
	"math"

	ss "github.com/shrinkscope/shrinkscope"
)

// plan is a generated floor plan: zones with their raw (unnormalised) risk
// and their share of entrance traffic.
type plan struct {
	zones         []ss.Zone
	risk, traffic []float64
	width, depth  float64
}

// buildZones lays out 8–20 zones on a rectangular floor (metres, origin at
// the front-left corner, y growing away from the street):
//
//	back band   y ∈ [D-5, D-1]:  counters and fitting rooms, 6 m wide, 8 m pitch
//	endcaps     just above the first aisles, 1.5 m deep
//	aisles      y ∈ [9, D-11]:   3 m wide, 4 m pitch from x = 4
//	front band  y ∈ [0.5, 6]:    entrance, promo bays, checkouts on the right
//
// Every rectangle is separated from the others by a gap, so none overlap.
func buildZones(r *rng) plan {
	n := 8 + r.intn(13)
	counters := 1
	if n >= 12 {
		counters = 2
	}
	fitting := 0
	if n >= 10 && r.float() < 0.4 {
		fitting = 1
	}
	promos := 1
	if n >= 14 {
		promos = 2
	}
	rest := n - 2 - counters - fitting - promos
	endcaps := min(4, rest/3)
	aisles := rest - endcaps

	width := math.Round(max(40, 6+4*float64(aisles)) + r.between(0, 10))
	depth := math.Round(32 + r.between(0, 16))
	aisleTop := depth - 11

	var p plan
	p.width, p.depth = width, depth
	add := func(kind ss.ZoneKind, name, cat string, x0, y0, x1, y1 float64) {
		c := categories[cat]
		k := kindInfo[kind]
		z := ss.Zone{
			Code:      fmt.Sprintf("Z%02d", len(p.zones)+1),
			Name:      name,
			Kind:      kind,
			Category:  cat,
			UnitValue: math.Round(c.value*r.lognormal(0.15)*100) / 100,
			Polygon:   ss.Rect(x0, y0, x1, y1),
		}
		if kind == ss.KindCheckout {
			z.Lane = "1" // the bank of tills answers the point of sale as lane 1
		}
		p.zones = append(p.zones, z)
		p.risk = append(p.risk, c.risk*k.risk*r.lognormal(0.35))
		p.traffic = append(p.traffic, math.Round(min(k.traffic*r.lognormal(0.25), 0.98)*1000)/1000)
	}

	add(ss.KindEntrance, "Entrance", "seasonal", 1, 0.5, 7, 5.5)
	aisleCat := shuffled(r, aisleCats)
	if fitting == 1 && !contains(aisleCat[:aisles], "apparel") {
		aisleCat[aisles-1] = "apparel"
	}
	for a := 0; a < aisles; a++ {
		x := 4 + 4*float64(a)
		cat := aisleCat[a]
		add(ss.KindAisle, fmt.Sprintf("Aisle %d – %s", a+1, categories[cat].label), cat, x, 9, x+3, aisleTop)
	}
	for e := 0; e < endcaps; e++ {
		x := 4 + 4*float64(e)
		cat := endcapCats[r.intn(len(endcapCats))]
		add(ss.KindEndcap, fmt.Sprintf("Endcap %d – %s", e+1, categories[cat].label), cat, x, aisleTop+0.5, x+3, aisleTop+2)
	}
	for b := 0; b < promos; b++ {
		x := 9 + 8*float64(b)
		cat := promoCats[r.intn(len(promoCats))]
		add(ss.KindPromo, fmt.Sprintf("Promo bay %d – %s", b+1, categories[cat].label), cat, x, 1, x+6, 5)
	}
	counterCat := shuffled(r, counterCats)
	for c := 0; c < counters; c++ {
		x := 2 + 8*float64(c)
		cat := counterCat[c]
		add(ss.KindCounter, categories[cat].label+" counter", cat, x, depth-5, x+6, depth-1)
	}
	add(ss.KindCheckout, "Checkouts", checkoutCats[r.intn(len(checkoutCats))], width-15, 1, width-2, 6)
	if fitting == 1 {
		x := 2 + 8*float64(counters)
		add(ss.KindFitting, "Fitting rooms", "apparel", x, depth-5, x+6, depth-1)
	}
	furnish(&p)
	return p
}

// furnish gives the zones the planogram properties a merchandiser records,
// from the plan alone (no random draws, so the facts do not change): the
// walking distance from staff (checkouts and counters are staffed) to the
// zone's centre; counters hold their goods behind the counter; the aisle
// farthest from the checkouts, at the back-left corner, is a blind spot
// when the floor has five aisles or more, and the next one is partly seen.
func furnish(p *plan) {
	centre := func(z ss.Zone) (x, y float64) {
		for _, q := range z.Polygon[:len(z.Polygon)-1] {
			x += q[0]
			y += q[1]
		}
		n := float64(len(z.Polygon) - 1)
		return x / n, y / n
	}
	var staffed [][2]float64
	aisles := 0
	for _, z := range p.zones {
		if z.Kind == ss.KindCheckout || z.Kind == ss.KindCounter {
			x, y := centre(z)
			staffed = append(staffed, [2]float64{x, y})
		}
		if z.Kind == ss.KindAisle {
			aisles++
		}
	}
	seen := 0
	for i := range p.zones {
		z := &p.zones[i]
		x, y := centre(*z)
		d := math.Inf(1)
		for _, s := range staffed {
			d = math.Min(d, math.Abs(x-s[0])+math.Abs(y-s[1])) // along the aisles, not through them
		}
		z.StaffedDistance = math.Round(d*10) / 10
		switch z.Kind {
		case ss.KindCounter:
			z.Fixture = "behind_counter"
		case ss.KindAisle:
			z.Visibility = ss.VisibilityOpen
			if aisles >= 5 {
				switch seen {
				case 0:
					z.Visibility = ss.VisibilityBlind
				case 1:
					z.Visibility = ss.VisibilityPartial
				}
			}
			seen++
		}
	}
}

func shuffled(r *rng, xs []string) []string {
	out := append([]string(nil), xs...)
	for i := len(out) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
